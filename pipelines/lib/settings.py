"""Paths the pipeline reads and writes, resolved from environment variables.

Relative paths always resolve against the repository root, whatever the working
directory, so `MINERALS_WAREHOUSE=data/w.duckdb` means the same thing to Dagster,
dbt and the tests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPO_ROOT / "data" / "reference"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

DEFAULTS = {
    "MINERALS_INPUT_DIR": "data/inputs",
    "MINERALS_WAREHOUSE": "data/warehouse/minerals.duckdb",
    "MINERALS_PUBLISH_DIR": "data/published",
}


def resolve_path(value: str | os.PathLike[str]) -> Path:
    """Absolute path for `value`; relative values are taken from the repository root."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def max_bad_row_share() -> float:
    """MINERALS_MAX_BAD_ROW_SHARE: the share of quarantined input rows above which a load fails
    (default 0.05). Below it, bad rows are quarantined and the load goes on."""
    raw = os.environ.get("MINERALS_MAX_BAD_ROW_SHARE", "0.05")
    try:
        value = float(raw)
    except ValueError as error:
        raise ValueError(f"MINERALS_MAX_BAD_ROW_SHARE must be a number between 0 and 1, got {raw!r}") from error
    if not 0 <= value <= 1:
        raise ValueError(f"MINERALS_MAX_BAD_ROW_SHARE must be between 0 and 1, got {value}")
    return value


def keep_versions() -> int:
    """MINERALS_KEEP_VERSIONS: how many published versions stay in `<publish dir>/versions/`
    (default 5, at least 2). The version being pointed to is never deleted, and the one it
    replaced is kept so that a reader that followed the link just before the switch can still open it."""
    raw = os.environ.get("MINERALS_KEEP_VERSIONS", "5")
    try:
        value = int(raw)
    except ValueError as error:
        raise ValueError(f"MINERALS_KEEP_VERSIONS must be a whole number of at least 2, got {raw!r}") from error
    if value < 2:
        raise ValueError(f"MINERALS_KEEP_VERSIONS must be at least 2, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    input_dir: Path
    warehouse: Path
    publish_dir: Path

    @classmethod
    def from_env(
        cls,
        input_dir: str | None = None,
        warehouse: str | None = None,
        publish_dir: str | None = None,
    ) -> Settings:
        """Explicit arguments win, then environment variables, then the defaults."""

        def pick(explicit: str | None, var: str) -> Path:
            return resolve_path(explicit or os.environ.get(var) or DEFAULTS[var])

        return cls(
            input_dir=pick(input_dir, "MINERALS_INPUT_DIR"),
            warehouse=pick(warehouse, "MINERALS_WAREHOUSE"),
            publish_dir=pick(publish_dir, "MINERALS_PUBLISH_DIR"),
        )

    @property
    def trade_dir(self) -> Path:
        return self.input_dir / "trade"

    @property
    def production_dir(self) -> Path:
        return self.input_dir / "production"

    @property
    def announcements_dir(self) -> Path:
        return self.input_dir / "announcements"
