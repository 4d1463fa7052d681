"""Which trade input files are new or changed, and which years a run must rebuild for them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pipelines.lib.trade import release_year

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def fingerprints(trade_dir: Path) -> dict[str, str]:
    """`relative path → "size:mtime_ns"` for every file under the trade folder."""
    if not trade_dir.is_dir():
        return {}
    return {
        path.relative_to(trade_dir).as_posix(): f"{path.stat().st_size}:{path.stat().st_mtime_ns}"
        for path in sorted(trade_dir.rglob("*")) if path.is_file() and not path.name.startswith(".")
    }


@dataclass(frozen=True)
class PartitionRequest:
    first: str
    last: str
    files: tuple[str, ...]

    @property
    def tags(self) -> dict[str, str]:
        return {RANGE_START: self.first, RANGE_END: self.last}

    def run_key(self, stamps: dict[str, str]) -> str:
        """Stable for the same files in the same state, so a sensor never launches a duplicate run."""
        digest = hashlib.sha256("|".join(f"{f}={stamps.get(f, '')}" for f in self.files).encode()).hexdigest()
        return f"trade-{self.first}-{self.last}-{digest[:16]}"


def partition_requests(changed: list[str], keys: list[str]) -> list[PartitionRequest]:
    """One request per BACI release year; one request for every year when any other file changed
    (a Trade Map export or a Comtrade response can hold many years). Years outside `keys` are ignored."""
    if not keys:
        return []
    by_year: dict[str, list[str]] = {}
    other: list[str] = []
    for path in changed:
        year = release_year(path)
        if year is None:
            other.append(path)
        elif str(year) in keys:
            by_year.setdefault(str(year), []).append(path)
    if other:
        return [PartitionRequest(keys[0], keys[-1], tuple(sorted(changed)))]
    return [PartitionRequest(year, year, tuple(files)) for year, files in sorted(by_year.items())]
