"""Readers for CEPII BACI bilateral trade data.

* `read_baci_extract`: the project's reconciled extracts ``baci_<year>.csv[.gz]`` with columns
  ``i,j,cmd,value`` (exporter / importer as BACI alpha codes, HS2017 six-digit code, value in USD).
* `read_baci_release`: native releases ``BACI_HS17_Y2022_V202601.csv`` with columns
  ``t,i,j,k,v,q`` (numeric country codes, value in thousands of USD, quantity in tonnes) and the
  release's ``country_codes_V*.csv``. The file is scanned by DuckDB and only the requested HS6
  codes reach pandas.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.lib.countries import CountryMatcher
from pipelines.lib.frames import FLOW_SCHEMA, HS_VERSIONS_BY_YEAR2, QuarantineLog, finish_flows, source_path, typed_frame

SOURCE = "baci_extract"
EXTRACT_VINTAGE = "BACI HS17 V202601 (reconciled extract)"
EXTRACT_HS_VERSION = "HS2017"
RELEASE_SOURCE = "baci"

_EXTRACT_HEADER = ["i", "j", "cmd", "value"]
_EXTRACT_YEAR = re.compile(r"(?:^|_)(?P<year>\d{4})(?=\.csv)")
_RELEASE_NAME = re.compile(r"^BACI_HS(?P<hs>\d{2})_Y(?P<year>\d{4})_V(?P<version>\w+?)\.csv(?:\.gz)?$")
_RELEASE_HEADER = ["t", "i", "j", "k", "v", "q"]
_HS6 = re.compile(r"^\d{6}$")
_CODE_HEADERS = {
    # header columns -> (name column, iso3 column)
    ("country_code", "country_name", "country_iso2", "country_iso3"): ("country_name", "country_iso3"),
    (
        "country_code",
        "country_name_abbreviation",
        "country_name_full",
        "iso_2digit_alpha",
        "iso_3digit_alpha",
    ): ("country_name_full", "iso_3digit_alpha"),
}


def _open_text(path: Path) -> IO[str]:
    """Text handle on a plain or gzip-compressed file (UTF-8, BOM tolerated)."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _non_negative(text: str) -> float:
    """Float from text; ValueError when not a finite, non-negative number."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not finite")
    if number < 0:
        raise ValueError(f"{text!r} is negative")
    return number


def baci_extract_files(directory: str | Path) -> list[Path]:
    """Reconciled extract files ``baci_<year>.csv[.gz]`` under ``directory``."""
    directory = Path(directory)
    return sorted([*directory.glob("baci_*.csv"), *directory.glob("baci_*.csv.gz")])


def read_baci_extract(
    files: Iterable[str | Path],
    matcher: CountryMatcher,
    root: str | Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read reconciled BACI extracts (``i,j,cmd,value``; year from the file name) into flows.

    Exporter / importer codes go through `CountryMatcher.from_trade_iso3` (``S19`` -> ``XAS``).
    Rows with the wrong field count, unknown codes, a non six-digit HS code or a non-numeric or
    negative value are quarantined.
    """
    log = QuarantineLog(SOURCE)
    rows: list[dict[str, Any]] = []
    stats: dict[str, Any] = {"files_read": 0, "files_quarantined": 0, "rows_read": 0}

    for path in files:
        path = Path(path)
        rel = source_path(path, root)
        stats["files_read"] += 1
        year_match = _EXTRACT_YEAR.search(path.name)
        if year_match is None:
            log.add(
                rel, 0, "no year in the file name (expected baci_<year>.csv)", "", kind="no year in file name"
            )
            stats["files_quarantined"] += 1
            continue
        year = int(year_match["year"])
        with _open_text(path) as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or [h.strip() for h in header] != _EXTRACT_HEADER:
                shown = ",".join(header) if header else ""
                log.add(
                    rel, 1, f"unexpected header {shown!r}, expected 'i,j,cmd,value'", shown, kind="bad header"
                )
                stats["files_quarantined"] += 1
                continue
            line_start = reader.line_num + 1
            for fields in reader:
                number, line_start = line_start, reader.line_num + 1
                if not fields:
                    continue
                stats["rows_read"] += 1
                record = ",".join(fields)
                if len(fields) != len(_EXTRACT_HEADER):
                    reason = f"row has {len(fields)} fields, expected {len(_EXTRACT_HEADER)}"
                    log.add(rel, number, reason, record, kind="wrong field count")
                    continue
                exporter_code, importer_code, hs_code, value_text = (f.strip() for f in fields)
                exporter = matcher.from_trade_iso3(exporter_code)
                importer = matcher.from_trade_iso3(importer_code)
                if exporter is None or importer is None:
                    unknown = exporter_code if exporter is None else importer_code
                    log.add(
                        rel, number, f"unknown country code {unknown!r}", record, kind="unknown country code"
                    )
                    continue
                if not _HS6.match(hs_code):
                    log.add(rel, number, f"HS code {hs_code!r} is not six digits", record, kind="bad HS code")
                    continue
                try:
                    value = _non_negative(value_text)
                except ValueError:
                    reason = f"value {value_text!r} is not a non-negative number"
                    log.add(rel, number, reason, record, kind="bad value")
                    continue
                rows.append(
                    {
                        "source": SOURCE,
                        "source_vintage": EXTRACT_VINTAGE,
                        "reported_by": "reconciled",
                        "year": year,
                        "hs_version": EXTRACT_HS_VERSION,
                        "hs_code": hs_code,
                        "exporter_iso3": exporter,
                        "importer_iso3": importer,
                        "value_usd": value,
                        "quantity_t": math.nan,
                        "source_file": rel,
                        "source_line": number,
                    }
                )

    return finish_flows(rows, log, stats)


# --------------------------------------------------------------------------- native releases


def read_baci_country_codes(
    path: str | Path, matcher: CountryMatcher
) -> tuple[dict[int, str], dict[int, str]]:
    """Map a release's numeric country codes to project ISO3 codes.

    Returns ``(resolved, unresolved)`` where ``unresolved`` maps codes to their names. A code
    resolves through ``trade_country_codes.csv`` first, then the file's own ISO3 column, then its
    name. Both the old (``country_name_abbreviation, ..., iso_3digit_alpha``) and the new
    (``country_name, country_iso2, country_iso3``) headers are accepted.
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = tuple(name.strip() for name in reader.fieldnames or ())
    if header not in _CODE_HEADERS:
        raise ValueError(f"{path}: unrecognised BACI country code header {','.join(header)!r}")
    name_column, iso3_column = _CODE_HEADERS[header]
    resolved: dict[int, str] = {}
    unresolved: dict[int, str] = {}
    for row in reader:
        row = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        code = int(row["country_code"])
        iso3 = (
            matcher.from_trade_code(code)
            or matcher.from_trade_iso3(row[iso3_column] or None)
            or matcher.match(row[name_column])
        )
        if iso3 is None:
            unresolved[code] = row[name_column]
        else:
            resolved[code] = iso3
    return resolved, unresolved


def _first_line(path: Path) -> str:
    with _open_text(path) as handle:
        return handle.readline().rstrip("\r\n")


def _physical_line_count(path: Path) -> int:
    """Number of lines in the (decompressed) file, counting a last line without newline."""
    opener = gzip.open if path.suffix == ".gz" else open
    count = 0
    last = b"\n"
    with opener(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (0 if last == b"\n" else 1)


def _blank_lines(path: Path) -> list[int]:
    """Physical numbers of empty lines (DuckDB skips them without reporting)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return [number for number, line in enumerate(handle, start=1) if not line.strip()]


def _lines_for_ordinals(ordinals: np.ndarray, skipped: list[int]) -> np.ndarray:
    """Physical line numbers of accepted data rows given their 0-based ordinals.

    Data start on line 2; ``skipped`` are the lines DuckDB did not return (rejected or blank)."""
    skip = np.array(sorted(set(skipped)), dtype=np.int64)
    lines = ordinals.astype(np.int64) + 2
    if skip.size == 0:
        return lines
    while True:
        updated = ordinals + 2 + np.searchsorted(skip, lines, side="right")
        if np.array_equal(updated, lines):
            return lines
        lines = updated


def _scan_release(
    csv_path: Path, hs6: Iterable[str] | None
) -> tuple[pd.DataFrame, np.ndarray, int, list[tuple[Any, ...]]]:
    """Stream a release through DuckDB in file order and keep the rows whose product is in ``hs6``.

    Returns the kept rows (all columns as text), their 0-based ordinals among the rows DuckDB
    accepted, the number of accepted rows and DuckDB's rejected lines
    ``(line, error_type, error_message, csv_line)``. The query is a plain projection over
    ``read_csv``, which keeps file order (``preserve_insertion_order``); the product filter is
    applied to each Arrow batch, because DuckDB may turn an ``IN`` list into a join that reorders
    rows.
    """
    wanted: pa.Array | None = None
    if hs6 is not None:
        codes = sorted({str(code).strip().zfill(6) for code in hs6})
        if not all(code.isdigit() and len(code) == 6 for code in codes):
            raise ValueError(f"hs6 codes must be six digits, got {codes!r}")
        wanted = pa.array(codes, type=pa.string())
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in _RELEASE_HEADER) + "}"
    path_sql = str(csv_path).replace("'", "''")
    scan = (
        f"read_csv('{path_sql}', columns={columns}, header=true, delim=',', quote='\"', escape='\"', "
        "auto_detect=false, store_rejects=true, rejects_table='baci_rejects', rejects_scan='baci_scans')"
    )
    query = f"SELECT lpad(trim(k), 6, '0') AS k6, {', '.join(_RELEASE_HEADER)} FROM {scan}"
    kept_parts: list[pd.DataFrame] = []
    ordinal_parts: list[np.ndarray] = []
    accepted = 0
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true")
        for batch in con.sql(query).to_arrow_reader(1 << 18):
            if wanted is None:
                positions = np.arange(batch.num_rows)
            else:
                mask = pc.fill_null(pc.is_in(batch.column(0), value_set=wanted), False)
                positions = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
            if positions.size:
                rows = batch.take(pa.array(positions)).select(_RELEASE_HEADER)
                kept_parts.append(rows.to_pandas())
                ordinal_parts.append(positions + accepted)
            accepted += batch.num_rows
        rejects = con.execute(  # one row per rejected line: its first error
            "SELECT line, arg_min(error_type, column_idx), arg_min(error_message, column_idx), "
            "arg_min(csv_line, column_idx) FROM baci_rejects GROUP BY line ORDER BY line"
        ).fetchall()
    kept = (
        pd.concat(kept_parts, ignore_index=True)
        if kept_parts
        else pd.DataFrame(columns=_RELEASE_HEADER, dtype=object)
    )
    ordinals = np.concatenate(ordinal_parts) if ordinal_parts else np.zeros(0, dtype=np.int64)
    return kept, ordinals, accepted, rejects


def read_baci_release(
    csv_path: str | Path,
    country_codes_path: str | Path,
    root: str | Path | None = None,
    *,
    hs6: Iterable[str] | None = None,
    matcher: CountryMatcher | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read one native BACI release file (``BACI_HS{92..22}_Y{year}_V{version}.csv``) into flows.

    ``hs6`` restricts the read to those six-digit codes (None: every code). DuckDB reads the file
    with explicit VARCHAR columns and only matching rows are brought into pandas, so a full year
    never sits in a DataFrame. ``value_usd`` is ``v * 1000``; ``quantity_t`` is ``q`` (empty or
    ``NA``: NaN). Lines DuckDB rejects (wrong column count, bad quoting) and rows with
    non-numeric or negative values, a year differing from the file name or an unknown country
    code are quarantined with their physical line number.
    """
    csv_path = Path(csv_path)
    rel = source_path(csv_path, root)
    matcher = matcher or CountryMatcher.from_reference()
    log = QuarantineLog(RELEASE_SOURCE)
    stats: dict[str, Any] = {"files_read": 1, "files_quarantined": 0, "rows_read": 0, "rows_filtered": 0}

    def finish(flows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
        stats["rows_kept"] = len(flows)
        stats["cells_without_quantity"] = int(flows["quantity_t"].isna().sum())
        stats["rows_quarantined"] = len(log)
        stats["quarantine_reasons"] = log.reasons()
        return flows, log.frame(), stats

    name = _RELEASE_NAME.match(csv_path.name)
    hs_version = HS_VERSIONS_BY_YEAR2.get(name["hs"]) if name else None
    if name is None or hs_version is None:
        log.add(rel, 0, "file name is not BACI_HS<yy>_Y<year>_V<version>.csv", "", kind="bad file name")
        stats["files_quarantined"] = 1
        return finish(typed_frame([], FLOW_SCHEMA))
    year = int(name["year"])
    vintage = f"BACI HS{name['hs']} V{name['version']}"
    header = _first_line(csv_path).lstrip("\ufeff")
    if [h.strip().strip('"') for h in header.split(",")] != _RELEASE_HEADER:
        log.add(rel, 1, f"unexpected header {header!r}, expected 't,i,j,k,v,q'", header, kind="bad header")
        stats["files_quarantined"] = 1
        return finish(typed_frame([], FLOW_SCHEMA))
    codes, unresolved = read_baci_country_codes(country_codes_path, matcher)

    kept, ordinals, accepted, rejects = _scan_release(csv_path, hs6)
    rejected_lines = sorted({int(line) for line, *_ in rejects})
    for line, error_type, message, raw in sorted(rejects):
        reason = f"malformed CSV line ({error_type.lower()}: {message})"
        log.add(
            rel,
            int(line),
            reason,
            (raw or "").strip("\r\n"),
            kind=f"malformed CSV line ({error_type.lower()})",
        )
    stats["rows_read"] = accepted + len(rejected_lines)
    stats["rows_filtered"] = accepted - len(kept)

    skipped = rejected_lines
    if _physical_line_count(csv_path) != 1 + accepted + len(rejected_lines):
        skipped = rejected_lines + _blank_lines(csv_path)
    kept["source_line"] = _lines_for_ordinals(ordinals, skipped)

    return finish(_release_flows(kept, codes, unresolved, year, hs_version, vintage, rel, log))


def _release_flows(
    kept: pd.DataFrame,
    codes: dict[int, str],
    unresolved: dict[int, str],
    year: int,
    hs_version: str,
    vintage: str,
    rel: str,
    log: QuarantineLog,
) -> pd.DataFrame:
    """Validate the kept release rows, quarantine bad ones and build canonical flows."""
    text = kept[_RELEASE_HEADER].fillna("").astype(str).apply(lambda col: col.str.strip())
    t = pd.to_numeric(text["t"], errors="coerce")
    i = pd.to_numeric(text["i"], errors="coerce")
    j = pd.to_numeric(text["j"], errors="coerce")
    v = pd.to_numeric(text["v"], errors="coerce")
    q_missing = text["q"].isin(["", "NA"])
    q = pd.to_numeric(text["q"].where(~q_missing), errors="coerce")
    exporter = i.map(lambda code: codes.get(int(code)) if pd.notna(code) and code == int(code) else None)
    importer = j.map(lambda code: codes.get(int(code)) if pd.notna(code) and code == int(code) else None)

    problems = pd.Series("", index=kept.index, dtype=object)

    def flag(mask: pd.Series, reason: pd.Series | str) -> None:
        mask = mask & (problems == "")
        problems.loc[mask] = reason[mask] if isinstance(reason, pd.Series) else reason

    flag(t.isna() | (t != year), "year t=" + text["t"].map(repr) + f" differs from the file name year {year}")
    flag(
        ~text["k"].str.fullmatch(r"\d{1,6}"), "product code k=" + text["k"].map(repr) + " is not an HS6 code"
    )
    flag(v.isna() | ~np.isfinite(v), "value v=" + text["v"].map(repr) + " is not a number")
    flag(v < 0, "value v=" + text["v"].map(repr) + " is negative")
    flag(~q_missing & (q.isna() | ~np.isfinite(q)), "quantity q=" + text["q"].map(repr) + " is not a number")
    flag(~q_missing & (q < 0), "quantity q=" + text["q"].map(repr) + " is negative")

    def describe(column: str, code_text: pd.Series) -> pd.Series:
        return code_text.map(
            lambda c: (
                f"unknown {column} country code {c!r}"
                + (f" ({unresolved[int(c)]!r})" if c.isdigit() and int(c) in unresolved else "")
            )
        )

    flag(exporter.isna(), describe("exporter", text["i"]))
    flag(importer.isna(), describe("importer", text["j"]))

    bad = problems != ""
    kinds = {
        "differs from the file name year": "year differs from file name",
        "is not an HS6 code": "bad product code",
        "is not a number": "non-numeric value",
        "is negative": "negative value",
        "country code": "unknown country code",
    }
    raw = kept.loc[bad, _RELEASE_HEADER].fillna("").astype(str)
    records = raw["t"].str.cat([raw[column] for column in _RELEASE_HEADER[1:]], sep=",")
    for line, reason, record in zip(kept.loc[bad, "source_line"], problems[bad], records, strict=True):
        kind = next((label for needle, label in kinds.items() if needle in reason), reason)
        log.add(rel, int(line), reason, record, kind=kind)

    good = ~bad
    flows = pd.DataFrame(
        {
            "source": RELEASE_SOURCE,
            "source_vintage": vintage,
            "reported_by": "reconciled",
            "year": year,
            "hs_version": hs_version,
            "hs_code": text.loc[good, "k"].str.zfill(6),
            "exporter_iso3": exporter[good],
            "importer_iso3": importer[good],
            "value_usd": v[good] * 1000.0,
            "quantity_t": q[good],
            "source_file": rel,
            "source_line": kept.loc[good, "source_line"],
        }
    )
    return flows.reset_index(drop=True).astype(FLOW_SCHEMA)[list(FLOW_SCHEMA)]
