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
import mmap
import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.lib.countries import CountryMatcher
from pipelines.lib.frames import (
    FLOW_SCHEMA,
    HS_VERSIONS_BY_YEAR2,
    UNREADABLE_FILE_ERRORS,
    QuarantineLog,
    finish_flows,
    source_path,
    typed_frame,
    unreadable_reason,
)

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
    negative value are quarantined; a file that cannot be read to its end (a truncated gzip,
    undecodable bytes) is quarantined whole.
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
        file_rows: list[dict[str, Any]] = []
        try:
            with _open_text(path) as handle:
                reader = csv.reader(handle)
                header = next(reader, None)
                if header is None:
                    log.add(rel, 0, "empty file", "", kind="empty file")
                    stats["files_quarantined"] += 1
                    continue
                if [h.strip() for h in header] != _EXTRACT_HEADER:
                    shown = ",".join(header)
                    reason = f"unexpected header {shown!r}, expected 'i,j,cmd,value'"
                    log.add(rel, 1, reason, shown, kind="bad header")
                    stats["files_quarantined"] += 1
                    continue
                _read_extract_rows(reader, year, rel, matcher, log, stats, file_rows)
        except UNREADABLE_FILE_ERRORS as error:
            # a truncated or damaged file: its last row may be cut short, so the file is left out whole
            reason = f"{unreadable_reason(error)}; file left out whole ({len(file_rows)} rows read before the error)"
            log.add(rel, 0, reason, "", kind="unreadable file")
            stats["files_quarantined"] += 1
            continue
        rows.extend(file_rows)

    return finish_flows(rows, log, stats)


def _read_extract_rows(
    reader: Any,
    year: int,
    rel: str,
    matcher: CountryMatcher,
    log: QuarantineLog,
    stats: dict[str, Any],
    rows: list[dict[str, Any]],
) -> None:
    """The data rows of one extract (after its header) into ``rows``; bad rows into ``log``."""
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
            log.add(rel, number, f"unknown country code {unknown!r}", record, kind="unknown country code")
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
        if not row["country_code"].isdigit():
            raise ValueError(f"{path} line {reader.line_num}: country_code {row['country_code']!r} is not a number")
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


_LINE_COUNT_WINDOW = 1 << 25  # bytes mapped at a time by the line count (a multiple of mmap.ALLOCATIONGRANULARITY)


def _physical_line_count(path: Path) -> int:
    """Number of lines in the (decompressed) file, counting a last line without newline.

    A plain file is mapped window by window and its newlines counted with numpy (several times
    faster than reading and counting bytes, and without holding the GIL while the scan runs);
    each window is unmapped before the next, so at most one window is resident at a time."""
    if path.suffix == ".gz":
        count = 0
        last = b"\n"
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(1 << 24):
                count += chunk.count(b"\n")
                last = chunk[-1:]
        return count + (0 if last == b"\n" else 1)
    count = 0
    last = ord("\n")
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        for offset in range(0, size, _LINE_COUNT_WINDOW):
            length = min(_LINE_COUNT_WINDOW, size - offset)
            with mmap.mmap(handle.fileno(), length, access=mmap.ACCESS_READ, offset=offset) as window:
                data = np.frombuffer(window, dtype=np.uint8)
                count += int(np.count_nonzero(data == ord("\n")))
                last = int(data[-1])
                del data  # the buffer must be released before the window is closed
    return count + (0 if last == ord("\n") else 1)


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


_HS6_SPACE = 1_000_000  # six-digit codes as integers: 0 .. 999999


def _scan_query(con: duckdb.DuckDBPyConnection, csv_path: Path, hs6: Iterable[str] | None) -> str:
    """The scan of one release: one value per row in file order, the row's columns (as text, in a
    list) when its product is wanted and NULL otherwise.

    The plan must stay a projection over ``read_csv``: DuckDB keeps file order through projections
    but not through joins, and it turns ``IN`` lists and ``list_contains`` over a constant list into a
    hash join that reorders the rows of a large file. So the wanted codes are a bitmap indexed by the
    code's integer value (``get_bit``), which keeps the plan join-free; it also accepts codes that
    lost their leading zero ("10121" for 010121). One list column costs less to hand over than six
    mostly NULL text columns."""
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in _RELEASE_HEADER) + "}"
    con.execute("SET VARIABLE baci_path = ?", [str(csv_path)])  # the path is a parameter, never SQL text
    scan = (
        f"read_csv(getvariable('baci_path'), columns={columns}, header=true, delim=',', quote='\"', escape='\"', "
        "auto_detect=false, store_rejects=true, rejects_table='baci_rejects', rejects_scan='baci_scans')"
    )
    if hs6 is None:
        keep = "true"
    else:
        codes = sorted({str(code).strip().zfill(6) for code in hs6})
        if not all(code.isdigit() and len(code) == 6 for code in codes):
            raise ValueError(f"hs6 codes must be six digits, got {codes!r}")
        bits = bytearray(b"0" * _HS6_SPACE)
        for code in codes:
            bits[int(code)] = ord("1")
        con.execute("SET VARIABLE baci_codes = ?::BIT", [bits.decode()])
        number = "try_cast(k AS INTEGER)"
        keep = (
            f"coalesce(get_bit(getvariable('baci_codes'), CASE WHEN {number} BETWEEN 0 AND {_HS6_SPACE - 1} "
            f"THEN {number} END) = 1, false)"
        )
    fields = ", ".join(_RELEASE_HEADER)
    return f"SELECT CASE WHEN {keep} THEN [{fields}] END AS kept FROM {scan}"


def _scan_release(
    con: duckdb.DuckDBPyConnection, csv_path: Path, hs6: Iterable[str] | None
) -> tuple[pa.Table, np.ndarray, int, list[tuple[Any, ...]]]:
    """Stream a release through DuckDB in file order and keep the rows whose product is in ``hs6``.

    Returns the kept rows (all columns as text), their 0-based ordinals among the rows DuckDB
    accepted, the number of accepted rows and DuckDB's rejected lines
    ``(line, error_type, error_message, csv_line)``.

    DuckDB parses the file in parallel with every column as VARCHAR and decides per row whether the
    product is wanted; the other rows leave the scan as NULLs, so only a validity bit and an offset per
    row and the wanted rows cross into Arrow, batch by batch, in file order (see `_scan_query`).
    """
    query = _scan_query(con, csv_path, hs6)
    kept_parts: list[pa.Array] = []
    ordinal_parts: list[np.ndarray] = []
    accepted = 0
    con.execute("SET preserve_insertion_order = true")
    for batch in con.sql(query).to_arrow_reader(1 << 20):
        column = batch.column(0)
        if column.null_count < len(column):
            positions = np.flatnonzero(column.is_valid().to_numpy(zero_copy_only=False))
            kept_parts.append(column.take(pa.array(positions)))
            ordinal_parts.append(positions + accepted)
        accepted += batch.num_rows
    rejects = con.execute(  # one row per rejected line: its first error
        "SELECT line, arg_min(error_type, column_idx), arg_min(error_message, column_idx), "
        "arg_min(csv_line, column_idx) FROM baci_rejects GROUP BY line ORDER BY line"
    ).fetchall()
    width = len(_RELEASE_HEADER)
    rows = pa.concat_arrays(kept_parts) if kept_parts else pa.array([], pa.list_(pa.string()))
    values = pc.list_flatten(rows)  # every kept list has one entry per column
    kept = pa.table({name: values.take(pa.array(np.arange(index, len(values), width)))
                     for index, name in enumerate(_RELEASE_HEADER)})
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
    code are quarantined with their physical line number. A file that cannot be read to its end
    (a truncated gzip) or whose country codes file is unusable is quarantined whole (line 0).
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

    def reject_file(
        reason: str, kind: str, line: int = 0, record: str = ""
    ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
        log.add(rel, line, reason, record, kind=kind)
        stats["files_quarantined"] = 1
        return finish(typed_frame([], FLOW_SCHEMA))

    name = _RELEASE_NAME.match(csv_path.name)
    hs_version = HS_VERSIONS_BY_YEAR2.get(name["hs"]) if name else None
    if name is None or hs_version is None:
        return reject_file("file name is not BACI_HS<yy>_Y<year>_V<version>.csv", "bad file name")
    year = int(name["year"])
    vintage = f"BACI HS{name['hs']} V{name['version']}"
    try:
        header = _first_line(csv_path).lstrip("\ufeff")
    except UNREADABLE_FILE_ERRORS as error:
        return reject_file(unreadable_reason(error), "unreadable file")
    if [h.strip().strip('"') for h in header.split(",")] != _RELEASE_HEADER:
        return reject_file(f"unexpected header {header!r}, expected 't,i,j,k,v,q'", "bad header", 1, header)
    try:
        codes, unresolved = read_baci_country_codes(country_codes_path, matcher)
    except OSError as error:
        label = Path(country_codes_path).name
        return reject_file(f"unusable country codes file {label}: {error.strerror}", "unusable country codes")
    except ValueError as error:  # the message starts with the codes file's path
        label, problem = Path(country_codes_path).name, str(error).removeprefix(str(country_codes_path))
        return reject_file(f"unusable country codes file {label}{problem}", "unusable country codes")
    try:
        flows = _read_release_rows(csv_path, hs6, codes, unresolved, year, hs_version, vintage, rel, log, stats)
    except (duckdb.Error, *UNREADABLE_FILE_ERRORS) as error:
        # a truncated or damaged file (DuckDB's scan or the line count stopped early): left out whole
        problem = unreadable_reason(error) if isinstance(error, UNREADABLE_FILE_ERRORS) else str(error).split("\n")[0]
        return reject_file(f"unreadable BACI release ({problem}); file left out whole", "unreadable file")
    return finish(flows)


def _read_release_rows(
    csv_path: Path,
    hs6: Iterable[str] | None,
    codes: dict[int, str],
    unresolved: dict[int, str],
    year: int,
    hs_version: str,
    vintage: str,
    rel: str,
    log: QuarantineLog,
    stats: dict[str, Any],
) -> pd.DataFrame:
    """Scan one release with DuckDB, quarantine the lines it rejects and build the flows. Every read
    of the file is over before anything is quarantined, so a damaged file leaves no partial record."""
    # The physical line count (to place rows after blank lines) runs beside DuckDB's scan.
    with duckdb.connect() as con, ThreadPoolExecutor(max_workers=1) as pool:
        line_count = pool.submit(_physical_line_count, csv_path)
        kept, ordinals, accepted, rejects = _scan_release(con, csv_path, hs6)
        physical_lines = line_count.result()
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
        stats["rows_filtered"] = accepted - kept.num_rows

        skipped = rejected_lines
        if physical_lines != 1 + accepted + len(rejected_lines):
            skipped = rejected_lines + _blank_lines(csv_path)
        kept = kept.append_column("source_line", pa.array(_lines_for_ordinals(ordinals, skipped)))
        return _release_flows(con, kept, codes, unresolved, year, hs_version, vintage, rel, log)


# Checks on the kept rows, in order: the first that applies is the row's reason.
_ROW_CHECKS = """
    CASE
        WHEN t_num IS NULL OR t_num <> $year
            THEN 'year t=' || quoted(t) || ' differs from the file name year ' || $year::VARCHAR
        WHEN NOT regexp_full_match(k, '\\d{1,6}') THEN 'product code k=' || quoted(k) || ' is not an HS6 code'
        WHEN v_num IS NULL OR NOT isfinite(v_num) THEN 'value v=' || quoted(v) || ' is not a number'
        WHEN v_num < 0 THEN 'value v=' || quoted(v) || ' is negative'
        WHEN NOT q_missing AND (q_num IS NULL OR NOT isfinite(q_num))
            THEN 'quantity q=' || quoted(q) || ' is not a number'
        WHEN NOT q_missing AND q_num < 0 THEN 'quantity q=' || quoted(q) || ' is negative'
        WHEN exporter.iso3 IS NULL
            THEN 'unknown exporter country code ' || quoted(i) || coalesce(' (' || quoted(exporter.name) || ')', '')
        WHEN importer.iso3 IS NULL
            THEN 'unknown importer country code ' || quoted(j) || coalesce(' (' || quoted(importer.name) || ')', '')
    END
"""
_REASON_KINDS = {
    "differs from the file name year": "year differs from file name",
    "is not an HS6 code": "bad product code",
    "is not a number": "non-numeric value",
    "is negative": "negative value",
    "country code": "unknown country code",
}


def _release_flows(
    con: duckdb.DuckDBPyConnection,
    kept: pa.Table,
    codes: dict[int, str],
    unresolved: dict[int, str],
    year: int,
    hs_version: str,
    vintage: str,
    rel: str,
    log: QuarantineLog,
) -> pd.DataFrame:
    """Validate the kept release rows in DuckDB, quarantine bad ones and build canonical flows."""
    country_rows = [(code, iso3, None) for code, iso3 in codes.items()]
    country_rows += [(code, None, name) for code, name in unresolved.items() if code not in codes]
    country_table = pa.table(
        {
            "code": pa.array([row[0] for row in country_rows], pa.int64()),
            "iso3": pa.array([row[1] for row in country_rows], pa.string()),
            "name": pa.array([row[2] for row in country_rows], pa.string()),
        }
    )
    con.register("baci_kept", kept)
    con.register("baci_countries", country_table)
    # Python-style quoting of a value in a reason: 'text'
    con.execute("CREATE OR REPLACE TEMP MACRO quoted(x) AS chr(39) || coalesce(x, '') || chr(39)")
    checked = con.sql(
        f"""
        WITH typed AS (
            SELECT
                trim(coalesce(t, '')) AS t, trim(coalesce(i, '')) AS i, trim(coalesce(j, '')) AS j,
                trim(coalesce(k, '')) AS k, trim(coalesce(v, '')) AS v, trim(coalesce(q, '')) AS q,
                source_line
            FROM baci_kept
        ), parsed AS (
            SELECT *,
                try_cast(t AS BIGINT) AS t_num,
                try_cast(v AS DOUBLE) AS v_num,
                q IN ('', 'NA') AS q_missing,
                try_cast(q AS DOUBLE) AS q_num
            FROM typed
        )
        SELECT
            parsed.*,
            exporter.iso3 AS exporter_iso3,
            importer.iso3 AS importer_iso3,
            {_ROW_CHECKS} AS problem
        FROM parsed
        LEFT JOIN baci_countries AS exporter
            ON exporter.code = CASE WHEN regexp_full_match(i, '\\d{{1,9}}') THEN i::BIGINT END
        LEFT JOIN baci_countries AS importer
            ON importer.code = CASE WHEN regexp_full_match(j, '\\d{{1,9}}') THEN j::BIGINT END
        ORDER BY source_line
        """,
        params={"year": year},
    ).to_arrow_table()
    con.unregister("baci_kept")
    con.unregister("baci_countries")

    problem = checked.column("problem")
    bad = pc.is_valid(problem)
    if pc.any(bad).as_py():
        rejected = checked.filter(bad).select(["source_line", "problem", *_RELEASE_HEADER]).to_pylist()
        for row in rejected:
            reason = row["problem"]
            kind = next((label for needle, label in _REASON_KINDS.items() if needle in reason), reason)
            record = ",".join(row[c] for c in _RELEASE_HEADER)
            log.add(rel, int(row["source_line"]), reason, record, kind=kind)
    good = checked.filter(pc.invert(bad))
    n = good.num_rows

    def text(values: pa.ChunkedArray | pa.Array) -> pd.arrays.ArrowStringArray:
        return pd.array(values.cast(pa.string()), dtype="string")  # Arrow-backed, no Python objects

    def constant(value: str) -> pd.arrays.ArrowStringArray:
        return text(pa.repeat(pa.scalar(value, pa.string()), n))

    flows = pd.DataFrame(
        {
            "source": constant(RELEASE_SOURCE),
            "source_vintage": constant(vintage),
            "reported_by": constant("reconciled"),
            "year": np.full(n, year, dtype=np.int64),
            "hs_version": constant(hs_version),
            "hs_code": text(pc.utf8_lpad(good.column("k"), 6, "0")),
            "exporter_iso3": text(good.column("exporter_iso3")),
            "importer_iso3": text(good.column("importer_iso3")),
            "value_usd": good.column("v_num").to_numpy(zero_copy_only=False) * 1000.0,
            "quantity_t": good.column("q_num").to_numpy(zero_copy_only=False).astype(np.float64),
            "source_file": constant(rel),
            "source_line": good.column("source_line").to_numpy(zero_copy_only=False).astype(np.int64),
        }
    )
    return flows[list(FLOW_SCHEMA)]
