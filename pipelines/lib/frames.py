"""Column schemas shared by the readers, and helpers to build typed frames from records.

Every reader returns ``(rows, quarantine, stats)``. ``quarantine`` always has the columns in
`QUARANTINE_SCHEMA`; a ``source_line`` of 0 means the problem concerns the whole file.
"""

from __future__ import annotations

import csv
import gzip
import os
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

# Canonical trade-flow columns and their pandas dtypes.
FLOW_SCHEMA: dict[str, str] = {
    "source": "string",
    "source_vintage": "string",
    "reported_by": "string",
    "year": "int64",
    "hs_version": "string",
    "hs_code": "string",
    "exporter_iso3": "string",
    "importer_iso3": "string",
    "value_usd": "float64",
    "quantity_t": "float64",
    "source_file": "string",
    "source_line": "int64",
}
FLOW_COLUMNS: list[str] = list(FLOW_SCHEMA)

QUARANTINE_SCHEMA: dict[str, str] = {
    "source": "string",
    "source_file": "string",
    "source_line": "int64",
    "reason": "string",
    "record": "string",
}
QUARANTINE_COLUMNS: list[str] = list(QUARANTINE_SCHEMA)

# HS nomenclature editions, keyed by the two-digit year used in BACI file names.
HS_VERSIONS_BY_YEAR2: dict[str, str] = {
    "92": "HS1992",
    "96": "HS1996",
    "02": "HS2002",
    "07": "HS2007",
    "12": "HS2012",
    "17": "HS2017",
    "22": "HS2022",
}


# What reading a damaged file raises: truncated or corrupt compression, undecodable bytes, broken
# CSV quoting, I/O errors. `unreadable_reason` turns each into a quarantine reason.
UNREADABLE_FILE_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, UnicodeDecodeError, zlib.error, csv.Error)


def unreadable_reason(error: BaseException) -> str:
    """Why a file could not be read to its end, for a quarantine reason."""
    if isinstance(error, EOFError):
        return f"truncated compressed file ({error})"
    if isinstance(error, gzip.BadGzipFile):
        return f"not a gzip file ({error})"
    if isinstance(error, zlib.error):
        return f"damaged compressed data ({error})"
    if isinstance(error, UnicodeDecodeError):
        byte = error.object[error.start : error.start + 1].hex()
        return f"undecodable bytes: not valid {error.encoding} (byte 0x{byte})"
    if isinstance(error, csv.Error):
        return f"malformed CSV ({error})"
    if isinstance(error, OSError):
        return f"cannot read the file ({error.strerror or error})"
    return f"{type(error).__name__}: {error}"


def typed_frame(records: Iterable[Mapping[str, Any]], schema: Mapping[str, str]) -> pd.DataFrame:
    """DataFrame with exactly the schema's columns, in order, cast to the schema's dtypes."""
    frame = pd.DataFrame.from_records(list(records), columns=list(schema))
    return frame.astype(dict(schema))


def source_path(path: str | os.PathLike[str], root: str | os.PathLike[str] | None) -> str:
    """``path`` relative to ``root`` in POSIX form; the path as given when it is outside ``root``."""
    path = Path(path)
    if root is not None:
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


class QuarantineLog:
    """Collects records that could not be parsed or matched, with a human-readable reason."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.records: list[dict[str, Any]] = []
        self.kinds: dict[str, int] = {}

    def add(
        self, source_file: str, source_line: int, reason: str, record: str, *, kind: str | None = None
    ) -> None:
        """Quarantine one record (``source_line`` 0 for a whole-file problem).

        ``kind`` is a short, value-free label of the problem used to count reasons in stats
        (defaults to ``reason``)."""
        self.records.append(
            {
                "source": self.source,
                "source_file": source_file,
                "source_line": int(source_line),
                "reason": reason,
                "record": record,
            }
        )
        label = kind or reason
        self.kinds[label] = self.kinds.get(label, 0) + 1

    def __len__(self) -> int:
        return len(self.records)

    def frame(self) -> pd.DataFrame:
        """The quarantined records as a typed DataFrame."""
        return typed_frame(self.records, QUARANTINE_SCHEMA)

    def reasons(self) -> dict[str, int]:
        """Count of quarantined records by kind of problem, most frequent first."""
        return dict(sorted(self.kinds.items(), key=lambda item: (-item[1], item[0])))


def finish_flows(
    rows: list[dict[str, Any]], log: QuarantineLog, stats: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Type the kept rows and close a reader's stats: what every trade reader returns."""
    flows = typed_frame(rows, FLOW_SCHEMA)
    stats["rows_kept"] = len(flows)
    stats["cells_without_quantity"] = int(flows["quantity_t"].isna().sum())
    stats["rows_quarantined"] = len(log)
    stats["quarantine_reasons"] = log.reasons()
    return flows, log.frame(), stats
