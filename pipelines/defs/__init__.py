"""Dagster definitions, one module per area; `pipelines.definitions` loads them all."""
