"""Reader for ITC Trade Map "List of supplying / importing markets" text exports.

Layout on disk: ``<trademap_dir>/<HS code> <label>/Trade_Map_-_List_of_<...>_by_<Country>.txt``.
Each file is UTF-8 (often with a BOM), TAB-separated with a trailing TAB; the first column is the
quoted partner name, the others are yearly quantities in tonnes. Header variants handled:

* ``2017-Imported quantity, Tons`` (unit in the header; sometimes the unit text is missing:
  ``2021-Imported quantity, `` -- read as tonnes and counted in ``cells_unit_unstated``);
* ``2019-Imported quantity`` followed by a ``2019-Unit`` column whose cells give the unit
  (``Tons``; other units such as ``Mixed`` are quarantined cell by cell).

Files whose columns are trade values (``Imported value in 2017``) carry no stated currency unit
and are quarantined. ``(Mirror)`` files hold the partners' declarations, so ``reported_by`` is the
other side of the flow. A second download of the same product / direction / reporter
(``Zambia (1).txt``) is quarantined as a duplicate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.lib.countries import CountryMatcher
from pipelines.lib.frames import QuarantineLog, finish_flows, source_path

SOURCE = "trademap"
VINTAGE = "ITC Trade Map export"
MIRROR_VINTAGE = "ITC Trade Map export (mirror data)"
HS_VERSION = "HS2017"

_FILE_NAME = re.compile(
    r"^Trade_Map_-_List_of_(?:supplying|importing)_markets_for_a_product_"
    r"(?P<flow>imported|exported)_by_(?P<country>.+?)(?P<mirror>_\(Mirror\))?(?P<copy> \(\d+\))?\.txt$"
)
_FOLDER = re.compile(r"^(?P<hs>\d{6}|\d{4})(?:\s|$)")
_QUANTITY_COLUMN = re.compile(r"^(?P<year>\d{4})-(?P<flow>Imported|Exported) quantity(?P<unit>,.*)?$")
_UNIT_COLUMN = re.compile(r"^(?P<year>\d{4})-Unit$")
_VALUE_COLUMN = re.compile(r"^(?:Imported|Exported) value in \d{4}$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_TONNES = {"tons", "ton", "tonnes", "tonne"}
_NO_QUANTITY = "No Quantity"


@dataclass(frozen=True)
class TradeMapFile:
    """What a Trade Map file name and its folder say about the file."""

    hs_code: str
    flow: str  # "imported" (reporter is the importer) or "exported"
    reporter_name: str
    mirror: bool  # data come from the partners' declarations
    copy: bool  # browser duplicate such as "Zambia (1).txt"


@dataclass(frozen=True)
class _Column:
    index: int
    year: int
    unit: str  # unit text from the header ("" when missing); ignored when unit_index is set
    unit_index: int | None  # separate "YYYY-Unit" column


def parse_file_name(path: Path) -> TradeMapFile | None:
    """Product, direction and reporter encoded in a Trade Map export path; ``None`` if unrecognised."""
    folder = _FOLDER.match(path.parent.name)
    name = _FILE_NAME.match(path.name)
    if folder is None or name is None:
        return None
    reporter = name["country"].replace("__", ", ").replace("_", " ").strip()
    return TradeMapFile(
        hs_code=folder["hs"],
        flow=name["flow"],
        reporter_name=reporter,
        mirror=name["mirror"] is not None,
        copy=name["copy"] is not None,
    )


def _parse_header(fields: list[str], flow: str) -> tuple[list[_Column], str | None]:
    """Quantity columns of a header line, or an error message."""
    expected_first = "Exporters" if flow == "imported" else "Importers"
    flow_word = "Imported" if flow == "imported" else "Exported"
    first = fields[0].lstrip("\ufeff").strip().strip('"')
    if first != expected_first:
        return [], f"first header column is {first!r}, expected {expected_first!r} for an {flow} file"
    columns: list[_Column] = []
    index = 1
    while index < len(fields):
        text = fields[index].strip()
        if text == "" and index == len(fields) - 1:
            break
        if _VALUE_COLUMN.match(text):
            return [], f"column {text!r} holds trade values with no stated unit, not quantities in tonnes"
        quantity = _QUANTITY_COLUMN.match(text)
        if quantity is None:
            return [], f"unrecognised header column {text!r}"
        if quantity["flow"] != flow_word:
            return [], f"column {text!r} does not match the {flow} direction of the file"
        year = int(quantity["year"])
        if quantity["unit"] is not None:
            columns.append(_Column(index, year, quantity["unit"][1:].strip(), None))
            index += 1
            continue
        unit_column = _UNIT_COLUMN.match(fields[index + 1].strip()) if index + 1 < len(fields) else None
        if unit_column is None or int(unit_column["year"]) != year:
            return [], f"column {text!r} has no unit in the header and no {year}-Unit column after it"
        columns.append(_Column(index, year, "", index + 1))
        index += 2
    if not columns:
        return [], "header has no quantity columns"
    years = [column.year for column in columns]
    if len(set(years)) != len(years):
        return [], "header repeats a year"
    return columns, None


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].replace('""', '"')
    return text.strip()


def _file_order(path: Path) -> tuple[str, str, int, str]:
    """Sort key putting browser copies ("X (1).txt") after the original ("X.txt")."""
    base = re.sub(r" \(\d+\)(?=\.txt$)", "", path.name)
    return (path.parent.name, base, int(base != path.name), path.name)


def _reject_file(
    log: QuarantineLog, rel: str, data_lines: list[tuple[int, str]], reason: str, kind: str
) -> None:
    """Quarantine every data line of a file (or the file itself when it has none)."""
    for number, line in data_lines or [(0, "")]:
        log.add(rel, number, reason, line, kind=kind)


def trademap_files(trademap_dir: Path) -> list[Path]:
    """All files inside the HS-code folders of a Trade Map directory, originals before copies."""
    return sorted((p for p in Path(trademap_dir).glob("*/*") if p.is_file()), key=_file_order)


def read_trademap(
    trademap_dir: str | Path,
    matcher: CountryMatcher,
    root: str | Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read every Trade Map export under ``trademap_dir`` into canonical flows.

    One flow per partner line and year with a non-empty cell; "No Quantity" cells give a flow
    with ``quantity_t`` NaN. ``source_file`` is relative to ``root`` (default: ``trademap_dir``).
    """
    trademap_dir = Path(trademap_dir)
    root = trademap_dir if root is None else Path(root)
    log = QuarantineLog(SOURCE)
    rows: list[dict[str, Any]] = []
    stats: dict[str, Any] = {
        "files_read": 0,
        "files_quarantined": 0,
        "mirror_files": 0,
        "rows_read": 0,
        "cells_empty": 0,
        "cells_no_quantity": 0,
        "cells_unit_unstated": 0,
    }
    seen: dict[tuple[str, str, str, bool], tuple[str, bytes]] = {}

    for path in trademap_files(trademap_dir):
        rel = source_path(path, root)
        stats["files_read"] += 1
        described = parse_file_name(path)
        if described is None:
            log.add(rel, 0, "unrecognised Trade Map file name or HS folder", "", kind="unrecognised file")
            stats["files_quarantined"] += 1
            continue
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            log.add(rel, 0, f"file is not valid UTF-8 ({error.reason})", "", kind="not UTF-8")
            stats["files_quarantined"] += 1
            continue
        if not text.strip():
            log.add(rel, 0, "empty file", "", kind="empty file")
            stats["files_quarantined"] += 1
            continue
        lines = [line.rstrip("\r") for line in text.split("\n")]
        data_lines = [(number, line) for number, line in enumerate(lines[1:], start=2) if line.strip()]
        stats["rows_read"] += len(data_lines)

        header = lines[0].split("\t")
        columns, problem = _parse_header(header, described.flow)
        if problem is not None:
            _reject_file(log, rel, data_lines, f"unusable header: {problem}", "unusable header")
            stats["files_quarantined"] += 1
            continue
        reporter = matcher.match(described.reporter_name)
        if reporter is None:
            reason = f"unknown reporter {described.reporter_name!r} in file name"
            _reject_file(log, rel, data_lines, reason, "unknown reporter")
            stats["files_quarantined"] += 1
            continue
        key = (described.hs_code, described.flow, reporter, described.mirror)
        if key in seen:
            first_file, first_bytes = seen[key]
            same = "identical content" if first_bytes == raw else "different content"
            reason = (
                f"duplicate export of the same product, direction and reporter as {first_file!r} ({same})"
            )
            _reject_file(log, rel, data_lines, reason, "duplicate file")
            stats["files_quarantined"] += 1
            continue
        seen[key] = (rel, raw)
        stats["mirror_files"] += int(described.mirror)

        if described.flow == "imported":
            reported_by = "exporter" if described.mirror else "importer"
        else:
            reported_by = "importer" if described.mirror else "exporter"
        trailing = 1 if header[-1].strip() == "" else 0
        for number, line in data_lines:
            fields = line.split("\t")
            if not len(header) - trailing <= len(fields) <= len(header):
                log.add(
                    rel,
                    number,
                    f"line has {len(fields)} TAB-separated fields, header has {len(header)}",
                    line,
                    kind="wrong field count",
                )
                continue
            partner_name = _unquote(fields[0])
            partner = matcher.match(partner_name)
            if partner is None:
                log.add(
                    rel, number, f"unknown partner name {partner_name!r}", line, kind="unknown partner name"
                )
                continue
            exporter, importer = (partner, reporter) if described.flow == "imported" else (reporter, partner)
            for column in columns:
                cell = fields[column.index].strip() if column.index < len(fields) else ""
                if cell == "":
                    stats["cells_empty"] += 1
                    continue
                if cell == _NO_QUANTITY:
                    stats["cells_no_quantity"] += 1
                    quantity = math.nan
                else:
                    if not _NUMBER.match(cell):
                        log.add(
                            rel,
                            number,
                            f"{column.year} quantity {cell!r} is not a number",
                            line,
                            kind="quantity is not a number",
                        )
                        continue
                    quantity = float(cell)
                    if not math.isfinite(quantity):  # hundreds of digits overflow to infinity
                        log.add(
                            rel,
                            number,
                            f"{column.year} quantity {cell[:20]!r}... ({len(cell)} digits) is not a finite number",
                            line,
                            kind="quantity is not a number",
                        )
                        continue
                    if quantity < 0:
                        log.add(
                            rel,
                            number,
                            f"{column.year} quantity {cell!r} is negative",
                            line,
                            kind="negative quantity",
                        )
                        continue
                    if column.unit_index is None:
                        unit = column.unit
                        if unit == "":
                            stats["cells_unit_unstated"] += 1
                            unit = "Tons"
                    else:
                        unit = fields[column.unit_index].strip() if column.unit_index < len(fields) else ""
                    if unit.casefold() not in _TONNES:
                        shown = f"unit {unit!r}" if unit else "no unit"
                        log.add(
                            rel,
                            number,
                            f"{column.year} quantity {cell!r} has {shown}, not tonnes",
                            line,
                            kind="quantity not in tonnes",
                        )
                        continue
                rows.append(
                    {
                        "source": SOURCE,
                        "source_vintage": MIRROR_VINTAGE if described.mirror else VINTAGE,
                        "reported_by": reported_by,
                        "year": column.year,
                        "hs_version": HS_VERSION,
                        "hs_code": described.hs_code,
                        "exporter_iso3": exporter,
                        "importer_iso3": importer,
                        "value_usd": math.nan,
                        "quantity_t": quantity,
                        "source_file": rel,
                        "source_line": number,
                    }
                )

    return finish_flows(rows, log, stats)
