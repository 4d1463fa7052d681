"""Reader for the USGS Mineral Commodity Summaries data release (``MCS<year>_Commodities_Data.csv``).

The world sections (``Section`` starting with "World") are read: production, reserves and
capacity by country, including the "World total" (``XWD``) and "Other countries" (``XOT``) rows.
From the United States' salient statistics only the net import reliance rows are read (statistic
``net import reliance``, unit percent; ``E`` = net exporter, kept as a TEXT marker).
The file is Windows-1252 encoded. Values are text: numbers with thousands separators, or USGS
markers that are kept in ``value_raw`` and classified in ``value_flag``:

====== ===============================================================
flag   meaning (``value``)
====== ===============================================================
NULL   a number (the number)
W      withheld to avoid disclosing company proprietary data (NaN)
NA     not available, or an empty cell (NaN)
ZERO   "—", zero (0.0)
BOUND  ">50", "<1" (NaN; the bound stays in ``value_raw``)
RANGE  "330 - 390" (NaN)
TEXT   anything else: "Large", "XX" (not applicable), "s" (NaN)
====== ===============================================================
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.lib.countries import CountryMatcher, normalise_name
from pipelines.lib.frames import QuarantineLog, source_path, typed_frame
from pipelines.lib.settings import REFERENCE_DIR

SOURCE = "usgs_mcs"
COMMODITY_MAP = REFERENCE_DIR / "usgs_commodity_map.csv"

USGS_SCHEMA: dict[str, str] = {
    "edition": "string",
    "chapter": "string",
    "commodity": "string",
    "section": "string",
    "country_name": "string",
    "iso3": "string",
    "statistic": "string",
    "statistics_detail": "string",
    "mineral": "string",
    "stage": "string",
    "unit": "string",
    "to_tonnes": "float64",
    "year": "int64",
    "value": "float64",
    "value_t": "float64",
    "value_raw": "string",
    "value_flag": "string",
    "is_estimate": "bool",
    "notes": "string",
    "source_file": "string",
    "source_line": "int64",
}
USGS_COLUMNS: list[str] = list(USGS_SCHEMA)

EXPECTED_HEADER = [
    "MCS chapter",
    "Section",
    "Commodity",
    "Country",
    "Statistics",
    "Statistics_detail",
    "Unit",
    "Year",
    "Value",
    "Notes",
    "Is critical mineral 2025",
    "Other notes",
]
STATISTICS = {"production", "reserves", "capacity"}
# The United States' salient statistics are read for one statistic only: USGS's own net import
# reliance (percent of apparent consumption), the reference the computed figures are compared with.
SALIENT_SECTION = "Salient Statistics"
NET_IMPORT_RELIANCE = "net import reliance"

# Factor from the file's unit to metric tons; units without one (carats, volumes) get None.
TONNES_PER_UNIT: dict[str, float] = {
    "metric tons": 1.0,
    "tons": 1.0,  # MCS uses "tons" for metric tons throughout
    "thousand metric tons": 1e3,
    "thousand metric dry tons": 1e3,
    "million metric tons": 1e6,
    "kilograms": 1e-3,
}

_EDITION = re.compile(r"mcs[_ ]?(?P<year>\d{4})", re.IGNORECASE)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMERIC = re.compile(rf"^(?:{_NUMBER})$")
_BOUND = re.compile(rf"^[<>]\s*=?\s*(?:{_NUMBER})$")
_RANGE = re.compile(rf"^(?:{_NUMBER})\s*[-–—]\s*(?:{_NUMBER})$")
_DASHES = {"—", "–", "-", "--"}
_ESTIMATED = re.compile(r"\bestimated\b", re.IGNORECASE)


def parse_value(text: str) -> tuple[float, str | None]:
    """``(value, flag)`` for a USGS value cell; see the module docstring for the flags."""
    cleaned = text.strip()
    if _NUMERIC.match(cleaned):
        return float(cleaned.replace(",", "")), None
    if cleaned in _DASHES:
        return 0.0, "ZERO"
    if cleaned == "W":
        return math.nan, "W"
    if cleaned in {"", "NA"}:
        return math.nan, "NA"
    if _BOUND.match(cleaned):
        return math.nan, "BOUND"
    if _RANGE.match(cleaned):
        return math.nan, "RANGE"
    return math.nan, "TEXT"


def tonnes_factor(unit: str) -> float | None:
    """Factor converting the unit to metric tons, ``None`` when it is not a mass unit."""
    return TONNES_PER_UNIT.get(" ".join(unit.split()).casefold())


class CommodityMap:
    """Mineral and value-chain stage of a USGS commodity / statistics detail.

    Rows of ``usgs_commodity_map.csv`` match on the commodity (case-insensitive) and on the start
    of ``Statistics_detail`` (an empty ``detail_prefix`` matches any detail); the longest prefix
    wins."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self._rules: dict[str, list[tuple[str, str, str | None]]] = {}
        self._slugs: dict[str, str] = {}
        for row in rows:
            if slug := (row.get("mcs_slug") or "").strip():
                self._slugs[slug.casefold()] = row["commodity"].strip()
            stage = row["stage"].strip() or None
            if stage not in {None, "mining", "processing"}:
                raise ValueError(f"usgs commodity map: unknown stage {stage!r} for {row['commodity']!r}")
            rule = (normalise_name(row["detail_prefix"]), row["mineral"].strip(), stage)
            self._rules.setdefault(normalise_name(row["commodity"]), []).append(rule)
        for rules in self._rules.values():
            rules.sort(key=lambda rule: -len(rule[0]))

    @classmethod
    def from_csv(cls, path: str | Path = COMMODITY_MAP) -> CommodityMap:
        """Load the map from a CSV with columns commodity,detail_prefix,mineral,stage,note."""
        with Path(path).open(encoding="utf-8", newline="") as handle:
            return cls(list(csv.DictReader(handle)))

    def commodity_for_slug(self, slug: str) -> str | None:
        """The commodity of an MCS world-table file name slug (``phosp`` -> Phosphate Rock)."""
        return self._slugs.get(slug.casefold())

    def lookup(self, commodity: str, detail: str) -> tuple[str | None, str | None]:
        """``(mineral, stage)``, or ``(None, None)`` for commodities outside the map."""
        detail_key = normalise_name(detail)
        for prefix, mineral, stage in self._rules.get(normalise_name(commodity), []):
            if detail_key.startswith(prefix):
                return mineral, stage
        return None, None


def read_usgs_mcs(
    csv_path: str | Path,
    matcher: CountryMatcher,
    root: str | Path | None = None,
    *,
    commodity_map: CommodityMap | None = None,
    encoding: str = "cp1252",
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read the world sections of an MCS data release.

    One output row per input row. Rows whose country name does not resolve, whose statistic is not
    production / reserves / capacity, whose year is not an integer, whose value is a broken number
    (``1e309``, ``-5``, ``12.5.3``; see `_bad_number`) or whose field count differs from the header
    are quarantined. ``source_line`` is the physical line where the record starts. A file that is
    not ``encoding`` text is quarantined whole (line 0); broken quoting stops the read at the
    record where it starts, which is quarantined with the reason.
    """
    csv_path = Path(csv_path)
    rel = source_path(csv_path, root)
    commodity_map = commodity_map or CommodityMap.from_csv()
    edition_match = _EDITION.search(csv_path.name)
    edition = f"MCS {edition_match['year']}" if edition_match else "MCS"
    log = QuarantineLog(SOURCE)
    rows: list[dict[str, Any]] = []
    flags: dict[str, int] = {}
    stats: dict[str, Any] = {
        "rows_read": 0,
        "rows_world": 0,
        "rows_net_import_reliance": 0,
        "rows_unmapped_commodity": 0,
        "rows_without_tonnes": 0,
    }

    raw = csv_path.read_bytes()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        byte = raw[error.start : error.start + 1].hex()
        reason = f"undecodable bytes: not valid {encoding} text (byte 0x{byte} at offset {error.start})"
        log.add(rel, 0, reason, "", kind="undecodable file")
        return _finish(rows, log, stats, flags)
    if not text.strip():
        log.add(rel, 0, "empty file", "", kind="empty file")
        return _finish(rows, log, stats, flags)
    if "\x00" in text:
        log.add(rel, 0, "binary content (NUL bytes; UTF-16 or not a text file), not a CSV", "", kind="binary file")
        return _finish(rows, log, stats, flags)
    physical = text.split("\n")  # physical lines; the reader gets them one by one so line_num counts them
    reader = csv.reader(line + "\n" for line in physical)
    header = next(reader, None)
    if header is None or [h.lstrip("\ufeff").strip() for h in header] != EXPECTED_HEADER:
        shown = ",".join(header or [])
        log.add(rel, 1, f"unexpected header {shown!r}", shown, kind="unexpected header")
        return _finish(rows, log, stats, flags)

    start = reader.line_num + 1
    broken: list[csv.Error] = []
    for fields in _records(reader, broken):
        line, start = start, reader.line_num + 1
        if not fields:
            continue
        stats["rows_read"] += 1
        record = "\n".join(physical[line - 1 : reader.line_num]).rstrip("\r")
        if len(fields) != len(EXPECTED_HEADER):
            reason = f"row has {len(fields)} fields, header has {len(EXPECTED_HEADER)}"
            if fields[1:2] and fields[1].startswith("World"):
                log.add(rel, line, reason, record, kind="wrong field count")
            continue
        row = dict(zip(EXPECTED_HEADER, fields, strict=True))
        section = row["Section"].strip()
        statistic = row["Statistics"].strip().casefold()
        if section.startswith(SALIENT_SECTION) and statistic == NET_IMPORT_RELIANCE:
            stats["rows_net_import_reliance"] += 1
        elif section.startswith("World"):
            stats["rows_world"] += 1
        else:
            continue
        country = row["Country"].strip()
        iso3 = matcher.match(country)
        if iso3 is None:
            log.add(rel, line, f"unknown country name {country!r}", record, kind="unknown country name")
            continue
        if statistic not in STATISTICS and statistic != NET_IMPORT_RELIANCE:
            reason = f"statistic {row['Statistics']!r} is not production, reserves or capacity"
            log.add(rel, line, reason, record, kind="unknown statistic")
            continue
        try:
            year = int(row["Year"].strip())
        except ValueError:
            log.add(rel, line, f"year {row['Year']!r} is not an integer", record, kind="bad year")
            continue
        value, flag = parse_value(row["Value"])
        problem = _bad_number(row["Value"], value, flag)
        if problem is not None:
            log.add(rel, line, problem, record, kind="bad value")
            continue
        flags[flag or "NUMBER"] = flags.get(flag or "NUMBER", 0) + 1
        factor = tonnes_factor(row["Unit"])
        mineral, stage = commodity_map.lookup(row["Commodity"], row["Statistics_detail"])
        stats["rows_unmapped_commodity"] += int(mineral is None)
        stats["rows_without_tonnes"] += int(factor is None)
        rows.append(
            {
                "edition": edition,
                "chapter": row["MCS chapter"].strip(),
                "commodity": row["Commodity"].strip(),
                "section": section,
                "country_name": row["Country"],
                "iso3": iso3,
                "statistic": statistic,
                "statistics_detail": row["Statistics_detail"].strip(),
                "mineral": mineral,
                "stage": stage,
                "unit": row["Unit"],
                "to_tonnes": math.nan if factor is None else factor,
                "year": year,
                "value": value,
                "value_t": value * factor if factor is not None else math.nan,
                "value_raw": row["Value"],
                "value_flag": flag,
                "is_estimate": bool(_ESTIMATED.search(row["Notes"])),
                "notes": row["Notes"],
                "source_file": rel,
                "source_line": line,
            }
        )
    if broken:  # broken quoting (an unterminated quote swallowing the rest of the file)
        reason = f"malformed CSV from line {start} on ({broken[0]}); the rest of the file is not read"
        log.add(rel, start, reason, physical[start - 1][:500], kind="malformed CSV")
    return _finish(rows, log, stats, flags)


def _records(reader: Iterator[list[str]], broken: list[csv.Error]) -> Iterator[list[str]]:
    """The reader's records until the end or until the CSV breaks (the error goes to ``broken``)."""
    try:
        yield from reader
    except csv.Error as error:
        broken.append(error)


def _bad_number(text: str, value: float, flag: str | None) -> str | None:
    """Why a value cell is a broken number rather than a number or a USGS marker, or None.

    A number that overflows (hundreds of digits), a float literal (``1e309``, ``NaN``, ``-5``)
    or digits in no USGS layout (``12.5.3``); words such as "Large" or "XX" are markers."""
    shown = f"{text!r}" if len(text) <= 40 else f"{text[:20]!r}... ({len(text)} characters)"
    if flag is None:
        return None if math.isfinite(value) else f"value {shown} is not a finite number"
    if flag != "TEXT":
        return None
    cleaned = text.strip()
    try:
        number = float(cleaned.replace(",", ""))
    except ValueError:
        return f"value {shown} is not a number" if any(c.isdigit() for c in cleaned) else None
    if not math.isfinite(number):
        return f"value {shown} is not a finite number"
    if number < 0:
        return f"value {shown} is negative"
    return f"value {shown} is not a number in the USGS layout"


def _finish(
    rows: list[dict[str, Any]], log: QuarantineLog, stats: dict[str, Any], flags: dict[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    frame = typed_frame(rows, USGS_SCHEMA)
    stats["rows_kept"] = len(frame)
    stats["rows_quarantined"] = len(log)
    stats["value_flags"] = dict(sorted(flags.items()))
    stats["quarantine_reasons"] = log.reasons()
    return frame, log.frame(), stats


# ---------------------------------------------------------------------------------------------
# Earlier editions: one world table per commodity (``mcs2024-phosp_world.csv``), UTF-8, columns
# ``Source,Country,Type,Prod_<unit>_[est_]<year>,...,Prod_notes,Reserves_<unit>,Reserves_notes``.

WORLD_TABLE = re.compile(r"^mcs(?P<edition>\d{4})-(?P<slug>[a-z]+)_world\.csv$", re.IGNORECASE)
_PRODUCTION_COLUMN = re.compile(r"^Prod_(?P<unit>t|kt|kg)_(?P<est>est_)?(?P<year>\d{4})$")
_RESERVES_COLUMN = re.compile(r"^Reserves_(?P<unit>t|kt|kg)$")
_UNIT_NAMES = {"t": "metric tons", "kt": "thousand metric tons", "kg": "kilograms"}
_FOOTNOTE = re.compile(r"(?<=[A-Za-z)])\d+$")


def world_table_files(directory: str | Path) -> list[Path]:
    """MCS world tables of earlier editions (``mcs<year>-<slug>_world.csv``) under ``directory``."""
    return sorted(p for p in Path(directory).rglob("*.csv") if WORLD_TABLE.match(p.name))


def _country_name(text: str) -> str:
    """The country cell without footnote numbers or the "(rounded)" note ("China6" -> "China")."""
    name = " ".join(text.replace("\xa0", " ").split())
    name = name.replace("(rounded)", "").strip()
    return _FOOTNOTE.sub("", name).strip()


def read_usgs_world_table(
    csv_path: str | Path,
    matcher: CountryMatcher,
    root: str | Path | None = None,
    *,
    commodity_map: CommodityMap | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read one world table of an earlier MCS edition into the same rows as `read_usgs_mcs`.

    Each production column gives a row per country and year (``est_`` columns are estimates); the
    reserves column gives a row dated the year before the edition (reserves are stated as of then).
    ``statistics_detail`` is the table's ``Type`` ("Mine production, phosphate rock ore") for
    production and "Reserves" for reserves. Footnote numbers are taken off country names. Rows whose
    country does not resolve, whose values are broken numbers or that have cells beyond the header
    are quarantined; empty rows and empty trailing columns are skipped.
    """
    csv_path = Path(csv_path)
    rel = source_path(csv_path, root)
    commodity_map = commodity_map or CommodityMap.from_csv()
    log = QuarantineLog(SOURCE)
    rows: list[dict[str, Any]] = []
    flags: dict[str, int] = {}
    stats: dict[str, Any] = {"rows_read": 0, "rows_world": 0, "rows_unmapped_commodity": 0, "rows_without_tonnes": 0}
    name = WORLD_TABLE.match(csv_path.name)
    if name is None:
        log.add(rel, 0, "file name is not mcs<edition>-<slug>_world.csv", "", kind="unexpected file name")
        return _finish(rows, log, stats, flags)
    edition_year = int(name["edition"])
    commodity = commodity_map.commodity_for_slug(name["slug"])
    if commodity is None:
        log.add(
            rel,
            0,
            f"no commodity for world-table slug {name['slug']!r} (usgs_commodity_map.csv mcs_slug)",
            "",
            kind="unknown commodity",
        )
        return _finish(rows, log, stats, flags)
    try:
        text = csv_path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        log.add(rel, 0, f"undecodable bytes: not valid UTF-8 (offset {error.start})", "", kind="undecodable file")
        return _finish(rows, log, stats, flags)
    physical = text.split("\n")
    reader = csv.reader(line + "\n" for line in physical)
    header = [h.strip() for h in next(reader, [])]
    while header and not header[-1]:
        header.pop()
    columns: list[tuple[int, str, str, int, bool]] = []  # (index, statistic, unit, year, is_estimate)
    for index, column in enumerate(header):
        if match := _PRODUCTION_COLUMN.match(column):
            columns.append((index, "production", match["unit"], int(match["year"]), bool(match["est"])))
        elif match := _RESERVES_COLUMN.match(column):
            columns.append((index, "reserves", match["unit"], edition_year - 1, False))
    if header[:3] != ["Source", "Country", "Type"] or not columns:
        shown = ",".join(header)
        log.add(rel, 1, f"unexpected header {shown!r}", shown, kind="unexpected header")
        return _finish(rows, log, stats, flags)

    reserves_seen: set[tuple[str, int]] = set()
    start = reader.line_num + 1
    for fields in reader:
        line, start = start, reader.line_num + 1
        if not any(field.strip() for field in fields):
            continue
        stats["rows_read"] += 1
        record = physical[line - 1].rstrip("\r")
        if any(field.strip() for field in fields[len(header) :]):
            log.add(rel, line, f"row has cells beyond the header's {len(header)} columns", record, kind="wrong field count")
            continue
        fields = fields + [""] * (len(header) - len(fields))
        country = _country_name(fields[1])
        iso3 = matcher.match(country)
        if iso3 is None:
            log.add(rel, line, f"unknown country name {fields[1]!r}", record, kind="unknown country name")
            continue
        stats["rows_world"] += 1
        detail = " ".join(fields[2].split())
        for index, statistic, unit, year, is_estimate in columns:
            cell = fields[index]
            if statistic == "reserves" and (iso3, year) in reserves_seen:
                continue  # a country's reserves are repeated on each of its rows (mine and refinery)
            value, flag = parse_value(cell)
            if problem := _bad_number(cell, value, flag):
                log.add(rel, line, f"{header[index]}: {problem}", record, kind="bad value")
                continue
            if flag == "NA" and not cell.strip():
                continue  # an empty cell: no figure given
            flags[flag or "NUMBER"] = flags.get(flag or "NUMBER", 0) + 1
            if statistic == "reserves":
                reserves_seen.add((iso3, year))
            unit_name = _UNIT_NAMES[unit]
            factor = tonnes_factor(unit_name)
            row_detail = detail if statistic == "production" else "Reserves"
            mineral, stage = commodity_map.lookup(commodity, row_detail)
            stats["rows_unmapped_commodity"] += int(mineral is None)
            rows.append(
                {
                    "edition": f"MCS {edition_year}",
                    "chapter": commodity.upper(),
                    "commodity": commodity,
                    "section": "World production and reserves",
                    "country_name": fields[1],
                    "iso3": iso3,
                    "statistic": statistic,
                    "statistics_detail": row_detail,
                    "mineral": mineral,
                    "stage": stage,
                    "unit": unit_name,
                    "to_tonnes": factor,
                    "year": year,
                    "value": value,
                    "value_t": value * factor if factor is not None else math.nan,
                    "value_raw": cell,
                    "value_flag": flag,
                    "is_estimate": is_estimate,
                    "notes": fields[header.index("Prod_notes")] if "Prod_notes" in header else "",
                    "source_file": rel,
                    "source_line": line,
                }
            )
    return _finish(rows, log, stats, flags)
