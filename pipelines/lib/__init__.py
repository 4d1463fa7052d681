"""Pure helpers (no Dagster imports): parsing, matching, validation and publication logic."""
