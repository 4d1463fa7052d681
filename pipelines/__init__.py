"""Critical-minerals value-chain pipeline: Dagster code location package."""
