"""Reader for UN Comtrade API v1 responses saved as JSON (``{"elapsedTime", "count", "data", "error"}``)
or as CSV with the API's column names (``typeCode,freqCode,...,reporterCode,...,primaryValue``, the
layout the Comtrade site and client libraries export; empty cells are nulls).

Only total rows are kept: second partner World (``partner2Code`` 0), all customs procedures
(``customsCode`` "C00") and all modes of transport (``motCode`` 0); the other rows are
breakdowns of those totals and are counted in ``rows_filtered``. The partner World row is kept
as ``XWD`` (a control total). ``value_usd`` is ``primaryValue``; ``quantity_t`` is ``netWgt``
(kg) / 1000, or ``qty`` / 1000 when the net weight is missing or 0 and ``qtyUnitCode`` is 8 (kg):
some reporters leave the net weight at 0 and give the weight as the quantity. A weight of 0 on a
flow with a value is a weight not reported: ``quantity_t`` is then null. ``source_line`` is
the 1-based index of the record in ``data`` for JSON, the physical line for CSV (0 for a whole-file
problem such as invalid JSON or an API error).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.lib.countries import CountryMatcher
from pipelines.lib.frames import QuarantineLog, finish_flows, source_path

SOURCE = "comtrade"
VINTAGE = "UN Comtrade API v1"

CLASSIFICATIONS: dict[str, str] = {
    "H0": "HS1992",
    "H1": "HS1996",
    "H2": "HS2002",
    "H3": "HS2007",
    "H4": "HS2012",
    "H5": "HS2017",
    "H6": "HS2022",
}
_REPORTED_BY = {"M": "importer", "X": "exporter"}
_HS_CODE = re.compile(r"^\d{2}(?:\d{2}){0,2}$")
_RECORD_CHARS = 2000  # a whole-file problem keeps the start of the file as its record
_NOT_RESPONSES = re.compile(r"^(manifest|.*metadata.*)\.json$", re.IGNORECASE)
_KG = 8  # qtyUnitCode of kilograms
# CSV columns holding integers and numbers in the API's JSON (the others stay text).
_CSV_INTEGERS = {
    "refYear",
    "refMonth",
    "reporterCode",
    "partnerCode",
    "partner2Code",
    "motCode",
    "qtyUnitCode",
    "altQtyUnitCode",
    "aggrLevel",
}
_CSV_NUMBERS = {"qty", "altQty", "netWgt", "grossWgt", "cifvalue", "fobvalue", "primaryValue"}
_CSV_REQUIRED = {"reporterCode", "partnerCode", "flowCode", "cmdCode", "primaryValue"}


def _is_api_csv(path: Path) -> bool:
    """Whether a CSV file's header is the Comtrade API layout (reporterCode, flowCode, cmdCode ...)."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(4096).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    return _CSV_REQUIRED.issubset(name.strip() for name in first.strip().split(","))


def comtrade_files(directory: str | Path) -> list[Path]:
    """API response files anywhere under ``directory``: ``*.json`` (skipping the collectors'
    manifests and metadata files, ``manifest.json``, ``*metadata*.json``) and ``*.csv`` files whose
    header is the API layout."""
    directory = Path(directory)
    found = [p for p in directory.rglob("*.json") if not _NOT_RESPONSES.match(p.name)]
    found += [p for p in directory.rglob("*.csv") if _is_api_csv(p)]
    return sorted(found)


def _csv_value(column: str, text: str) -> Any:
    """A CSV cell as the API's JSON would hold it: null when empty, int/float for numeric columns
    (a cell that is not a number stays text, so the record is quarantined by the usual checks)."""
    text = text.strip()
    if text == "":
        return None
    if column in _CSV_INTEGERS or column in _CSV_NUMBERS:
        try:
            number = float(text)
        except ValueError:
            return text
        if column in _CSV_INTEGERS and number.is_integer():
            return int(number)
        return number
    return text


def _csv_records(text: str) -> tuple[list[str], list[tuple[int, Any]]]:
    """``(header, [(line, record)])`` of an API-layout CSV; a row with the wrong number of fields
    is passed on as a list (quarantined by the caller)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    records: list[tuple[int, Any]] = []
    start = reader.line_num + 1
    for fields in reader:
        line, start = start, reader.line_num + 1
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            records.append((line, fields))
            continue
        records.append((line, _Object((name, _csv_value(name, field)) for name, field in zip(header, fields, strict=True))))
    return header, records


class _Object(dict):
    """A JSON object that remembers the keys it repeats (``json`` silently keeps the last value)."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    found = _Object(pairs)
    if len(found) < len(pairs):
        keys = [key for key, _ in pairs]
        found.repeated = tuple(sorted({key for key in keys if keys.count(key) > 1}))
    return found


def _number(value: Any) -> float | None:
    """A finite float from a JSON number; ``None`` for null; raises ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise ValueError(f"{str(value)[:20]}... ({len(str(value))} digits) is not finite") from None
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not finite")
    return number


def _is_total(record: dict[str, Any]) -> bool:
    return (
        record.get("partner2Code") == 0
        and str(record.get("customsCode", "")).strip() == "C00"
        and record.get("motCode") == 0
    )


def read_comtrade(
    files: Iterable[str | Path],
    matcher: CountryMatcher,
    root: str | Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read Comtrade JSON responses into canonical flows.

    A file that is not UTF-8 JSON, has ``error`` set, lacks a ``data`` list or repeats a key is
    quarantined as a whole; the other files still flow. Unknown reporter / partner codes, unknown
    classifications, unknown flow codes, repeated keys and non-numeric, infinite or negative
    values quarantine the record.
    """
    log = QuarantineLog(SOURCE)
    rows: list[dict[str, Any]] = []
    stats: dict[str, Any] = {"files_read": 0, "files_quarantined": 0, "rows_read": 0, "rows_filtered": 0}

    for path in files:
        path = Path(path)
        rel = source_path(path, root)
        stats["files_read"] += 1
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            byte = raw[error.start : error.start + 1].hex()
            reason = f"undecodable bytes: not valid UTF-8 (byte 0x{byte} at offset {error.start})"
            log.add(rel, 0, reason, raw[:_RECORD_CHARS].decode("utf-8", errors="replace"), kind="not UTF-8")
            stats["files_quarantined"] += 1
            continue
        if not text.strip():
            log.add(rel, 0, "empty file", "", kind="empty file")
            stats["files_quarantined"] += 1
            continue
        shown = text[:_RECORD_CHARS]
        if path.suffix.lower() == ".csv":
            try:
                header, records = _csv_records(text)
            except csv.Error as error:
                log.add(rel, 0, f"malformed CSV: {error}", shown, kind="malformed CSV")
                stats["files_quarantined"] += 1
                continue
            repeated = sorted({name for name in header if header.count(name) > 1})
            if repeated:
                reason = f"CSV header repeats column(s) {repeated}: which value holds is ambiguous"
                log.add(rel, 1, reason, shown, kind="repeated key")
                stats["files_quarantined"] += 1
                continue
            _read_records(records, matcher, rel, log, rows, stats, header_size=len(header))
            continue
        try:
            payload = json.loads(text, object_pairs_hook=_object)
        except json.JSONDecodeError as error:
            log.add(rel, 0, f"invalid JSON: {error.msg} at line {error.lineno}", shown, kind="invalid JSON")
            stats["files_quarantined"] += 1
            continue
        except RecursionError:
            log.add(rel, 0, "invalid JSON: nested too deeply to be a response", shown, kind="invalid JSON")
            stats["files_quarantined"] += 1
            continue
        if isinstance(payload, dict) and payload.get("error"):
            log.add(rel, 0, f"API returned an error: {payload['error']}", shown, kind="API error")
            stats["files_quarantined"] += 1
            continue
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            log.add(rel, 0, "response has no 'data' list", shown, kind="no data list")
            stats["files_quarantined"] += 1
            continue
        if payload.repeated:
            reason = f"response repeats key(s) {list(payload.repeated)}: which value holds is ambiguous"
            log.add(rel, 0, reason, shown, kind="repeated key")
            stats["files_quarantined"] += 1
            continue

        _read_records(list(enumerate(payload["data"], start=1)), matcher, rel, log, rows, stats)

    return finish_flows(rows, log, stats)


def _read_records(
    records: list[tuple[int, Any]],
    matcher: CountryMatcher,
    rel: str,
    log: QuarantineLog,
    rows: list[dict[str, Any]],
    stats: dict[str, Any],
    header_size: int = 0,
) -> None:
    """Check the records of one file and append the kept total rows as canonical flows."""
    for index, record in records:
        stats["rows_read"] += 1
        raw = json.dumps(record, ensure_ascii=False)
        if isinstance(record, list):
            reason = f"row has {len(record)} fields, header has {header_size}"
            log.add(rel, index, reason, ",".join(record), kind="wrong field count")
            continue
        if not isinstance(record, dict):
            log.add(rel, index, "record is not a JSON object", raw, kind="not an object")
            continue
        if record.repeated:
            reason = f"record repeats key(s) {list(record.repeated)}: which value holds is ambiguous"
            log.add(rel, index, reason, raw, kind="repeated key")
            continue
        if not _is_total(record):
            stats["rows_filtered"] += 1
            continue
        flow = record.get("flowCode")
        reported_by = _REPORTED_BY.get(flow)
        if reported_by is None:
            log.add(rel, index, f"unknown flowCode {flow!r}", raw, kind="unknown flowCode")
            continue
        hs_version = CLASSIFICATIONS.get(record.get("classificationCode"))
        if hs_version is None:
            reason = f"unknown classificationCode {record.get('classificationCode')!r}"
            log.add(rel, index, reason, raw, kind="unknown classificationCode")
            continue
        hs_code = str(record.get("cmdCode", "")).strip()
        if not _HS_CODE.match(hs_code):
            log.add(rel, index, f"cmdCode {hs_code!r} is not an HS code", raw, kind="bad cmdCode")
            continue
        year = record.get("refYear")
        if isinstance(year, bool) or not isinstance(year, int):
            log.add(rel, index, f"refYear {year!r} is not a year", raw, kind="bad refYear")
            continue
        reporter = matcher.from_trade_code(record.get("reporterCode"))
        if reporter is None:
            reason = f"unknown reporter code {record.get('reporterCode')!r} ({record.get('reporterDesc')!r})"
            log.add(rel, index, reason, raw, kind="unknown reporter code")
            continue
        partner = matcher.from_trade_code(record.get("partnerCode"))
        if partner is None:
            reason = f"unknown partner code {record.get('partnerCode')!r} ({record.get('partnerDesc')!r})"
            log.add(rel, index, reason, raw, kind="unknown partner code")
            continue
        try:
            value = _number(record.get("primaryValue"))
            net_weight = _number(record.get("netWgt"))
            quantity = _number(record.get("qty"))
        except ValueError as error:
            log.add(rel, index, f"non-numeric value or weight: {error}", raw, kind="non-numeric value")
            continue
        if (value is not None and value < 0) or (net_weight is not None and net_weight < 0):
            log.add(rel, index, "negative primaryValue or netWgt", raw, kind="negative value")
            continue
        if not net_weight and record.get("qtyUnitCode") == _KG and quantity is not None and quantity > 0:
            net_weight = quantity
        if net_weight == 0 and value:  # goods worth something weigh something: 0 means not reported
            net_weight = None
        exporter, importer = (partner, reporter) if flow == "M" else (reporter, partner)
        rows.append(
            {
                "source": SOURCE,
                "source_vintage": VINTAGE,
                "reported_by": reported_by,
                "year": year,
                "hs_version": hs_version,
                "hs_code": hs_code,
                "exporter_iso3": exporter,
                "importer_iso3": importer,
                "value_usd": math.nan if value is None else value,
                "quantity_t": math.nan if net_weight is None else net_weight / 1000.0,
                "source_file": rel,
                "source_line": index,
            }
        )
