"""Trade readers in one place: canonical flow / quarantine schemas and a reader for a whole
``trade/`` input folder.

Folder layout read by `read_all` (each part optional):

* ``trademap/<HS code> <label>/*.txt`` -- ITC Trade Map quantity exports (`read_trademap`);
* ``baci_extract/baci_<year>.csv.gz`` -- reconciled BACI value extracts (`read_baci_extract`);
* ``**/*.json`` outside ``trademap/`` and ``baci_extract/`` -- UN Comtrade API v1 responses
  (`read_comtrade`; ``manifest.json`` and ``*metadata*.json`` are skipped);
* ``**/BACI_HS<yy>_Y<year>_V<version>.csv[.gz]`` with ``country_codes_V<version>.csv`` beside
  it -- native CEPII BACI releases (`read_baci_release`), filtered to the HS6 codes of
  ``hs_mineral_map.csv`` unless ``hs6`` is given.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.lib.baci import (
    RELEASE_SOURCE,
    baci_extract_files,
    read_baci_country_codes,
    read_baci_extract,
    read_baci_release,
)
from pipelines.lib.comtrade import comtrade_files, read_comtrade
from pipelines.lib.countries import CountryMatcher
from pipelines.lib.frames import (
    FLOW_COLUMNS,
    FLOW_SCHEMA,
    QUARANTINE_COLUMNS,
    QUARANTINE_SCHEMA,
    QuarantineLog,
    source_path,
    typed_frame,
)
from pipelines.lib.settings import REFERENCE_DIR
from pipelines.lib.trademap import read_trademap, trademap_files

__all__ = [
    "FLOW_COLUMNS",
    "FLOW_SCHEMA",
    "QUARANTINE_COLUMNS",
    "QUARANTINE_SCHEMA",
    "baci_extract_files",
    "baci_release_files",
    "comtrade_files",
    "empty_flows",
    "empty_quarantine",
    "mineral_hs6_codes",
    "quarantine_impossible",
    "read_all",
    "read_baci_country_codes",
    "read_baci_extract",
    "read_baci_release",
    "read_comtrade",
    "read_trademap",
    "trademap_files",
]

HS_MINERAL_MAP = REFERENCE_DIR / "hs_mineral_map.csv"
DEFAULT_BACI_COUNTRY_CODES = REFERENCE_DIR / "baci_country_codes_V202601.csv"
_RELEASE_FILE = re.compile(r"^BACI_HS\d{2}_Y\d{4}_V(?P<version>\w+?)\.csv(?:\.gz)?$")


def empty_flows() -> pd.DataFrame:
    """A flows frame with no rows and the canonical columns and dtypes."""
    return typed_frame([], FLOW_SCHEMA)


def empty_quarantine() -> pd.DataFrame:
    """A quarantine frame with no rows and the canonical columns and dtypes."""
    return typed_frame([], QUARANTINE_SCHEMA)


def mineral_hs6_codes(path: str | Path = HS_MINERAL_MAP) -> list[str]:
    """Six-digit HS codes listed in ``hs_mineral_map.csv``."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        codes = {row["hs6"].strip() for row in csv.DictReader(handle)}
    return sorted(code for code in codes if code.isdigit() and len(code) == 6)


def baci_release_files(directory: str | Path) -> list[tuple[Path, Path]]:
    """``(release file, country codes file)`` pairs anywhere under ``directory``.

    The codes file of the same version (``country_codes_V<version>.csv``) is preferred, then the
    only codes file present, then ``data/reference/baci_country_codes_V202601.csv``."""
    pairs = []
    for path in sorted(Path(directory).rglob("BACI_HS*")):
        match = _RELEASE_FILE.match(path.name)
        if match is None:
            continue
        codes_files = sorted(path.parent.glob("country_codes_V*.csv"))
        same_version = path.parent / f"country_codes_V{match['version']}.csv"
        if same_version.exists():
            codes = same_version
        elif len(codes_files) == 1:
            codes = codes_files[0]
        else:
            codes = DEFAULT_BACI_COUNTRY_CODES
        pairs.append((path, codes))
    return pairs


def read_all(
    trade_dir: str | Path,
    matcher: CountryMatcher,
    root: str | Path | None = None,
    *,
    hs6: Iterable[str] | None = None,
    years: tuple[int, int] | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[list[pd.DataFrame], list[pd.DataFrame], dict[str, Any]]:
    """Read every trade source present under ``trade_dir``.

    Returns the flow frames and quarantine frames (one per source or release file, empty ones
    left out) and ``stats`` keyed by source (BACI releases by file name), plus ``stats["files_read"]``,
    the input files looked at (relative to ``root``). ``root`` is the folder ``source_file`` is
    relative to (default: ``trade_dir``). With ``years`` (first, last), only flows of those years are
    returned and BACI releases of other years are not read at all; problems found in multi-year
    files are quarantined whatever the years, and so are flows no trade can have
    (`quarantine_impossible`)."""
    trade_dir = Path(trade_dir)
    root = trade_dir if root is None else Path(root)
    say = log or (lambda message: None)
    flows: list[pd.DataFrame] = []
    quarantined: list[pd.DataFrame] = []
    stats: dict[str, Any] = {}

    files_read: list[Path] = []

    def keep(name: str, result: tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]) -> None:
        rows, quarantine, reader_stats = result
        rows, impossible = quarantine_impossible(rows)
        if len(impossible):
            quarantine = pd.concat([quarantine, impossible], ignore_index=True)
            reader_stats["rows_kept"] = reader_stats.get("rows_kept", 0) - len(impossible)
            reader_stats["rows_quarantined"] = reader_stats.get("rows_quarantined", 0) + len(impossible)
        if years is not None:
            rows = rows[rows["year"].between(*years)]
        if len(rows):
            flows.append(rows)
        if len(quarantine):
            quarantined.append(quarantine)
        stats[name] = reader_stats
        say(f"{name}: {len(rows)} rows kept, {len(quarantine)} quarantined")

    if (trade_dir / "trademap").is_dir() and (files := trademap_files(trade_dir / "trademap")):
        files_read.extend(files)
        keep("trademap", read_trademap(trade_dir / "trademap", matcher, root))
    if (trade_dir / "baci_extract").is_dir() and (files := baci_extract_files(trade_dir / "baci_extract")):
        files_read.extend(files)
        keep("baci_extract", read_baci_extract(files, matcher, root))
    other_sources = {trade_dir / "trademap", trade_dir / "baci_extract"}
    responses = [p for p in comtrade_files(trade_dir) if not other_sources.intersection(p.parents)]
    if responses:
        files_read.extend(responses)
        keep("comtrade", read_comtrade(responses, matcher, root))
    if trade_dir.is_dir():
        codes = sorted(set(hs6)) if hs6 is not None else mineral_hs6_codes()
        for release, country_codes in baci_release_files(trade_dir):
            year = release_year(release)
            if years is not None and year is not None and not years[0] <= year <= years[1]:
                continue
            say(f"reading {release.name} for {len(codes)} HS6 codes")
            files_read.append(release)
            result = read_baci_release(release, country_codes, root, hs6=codes, matcher=matcher)
            keep(f"baci/{release.name}", result)
        for archive in sorted(trade_dir.rglob("BACI_*.zip")):
            files_read.append(archive)
            for name, result in read_baci_zip(archive, root, hs6=codes, years=years, matcher=matcher):
                say(f"read {name} from {archive.name}")
                keep(f"baci/{archive.name}/{name}", result)
    stats["files_read"] = [source_path(path, root) for path in files_read]
    return flows, quarantined, stats


def read_baci_zip(
    archive: Path,
    root: str | Path | None,
    *,
    hs6: list[str],
    years: tuple[int, int] | None,
    matcher: CountryMatcher,
) -> Iterator[tuple[str, tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]]]:
    """Read the year files of a BACI release archive as CEPII ships it (``BACI_HS17_V202401b.zip``
    holding ``BACI_HS17_Y<year>_V<version>.csv`` and ``country_codes_V<version>.csv``).

    Each wanted member is streamed to a temporary folder and read like an extracted release;
    ``source_file`` then names the archive and the member (``trade/BACI_HS17_V202401b.zip/BACI_...csv``).
    A damaged archive is quarantined whole with the reason."""
    rel = source_path(archive, root)
    try:
        with zipfile.ZipFile(archive) as bundle, tempfile.TemporaryDirectory(prefix="baci-") as tmp:
            names = bundle.namelist()
            codes = [n for n in names if Path(n).name.startswith("country_codes_V") and n.endswith(".csv")]
            if not codes:
                raise zipfile.BadZipFile("no country_codes_V*.csv in the archive")
            codes_path = Path(tmp) / Path(codes[0]).name
            with bundle.open(codes[0]) as src, codes_path.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            for name in names:
                if not _RELEASE_FILE.match(Path(name).name):
                    continue
                year = release_year(name)
                if years is not None and year is not None and not years[0] <= year <= years[1]:
                    continue
                member = Path(tmp) / Path(name).name
                with bundle.open(name) as src, member.open("wb") as dst:
                    shutil.copyfileobj(src, dst, length=1 << 20)
                flows, quarantine, stats = read_baci_release(member, codes_path, tmp, hs6=hs6, matcher=matcher)
                for frame in (flows, quarantine):
                    frame["source_file"] = f"{rel}/" + frame["source_file"].astype("string")
                member.unlink()
                yield Path(name).name, (flows, quarantine, stats)
    except (zipfile.BadZipFile, OSError) as error:
        log = QuarantineLog(RELEASE_SOURCE)
        log.add(rel, 0, f"unreadable BACI archive: {error}", "", kind="unreadable archive")
        yield archive.name, (empty_flows(), log.frame(), {"files_quarantined": 1, "quarantine_reasons": log.reasons()})


def release_year(path: str | Path) -> int | None:
    """The year in a BACI release file name (``BACI_HS17_Y2022_V202601.csv`` → 2022)."""
    match = re.search(r"_Y(\d{4})_", Path(path).name)
    return int(match.group(1)) if match else None



# Bounds no single flow can cross: a figure beyond them is a parsing or unit error in that row, which
# is quarantined. Figures within them but implausible for one mineral flow (over 1e10 t or 1e13 USD)
# are left to the raw trade quality check, which stops publication.
FIRST_HS_YEAR = 1988  # the Harmonized System came into force on 1 January 1988
MAX_FLOW_VALUE_USD = 1e15  # about ten times world GDP
MAX_FLOW_QUANTITY_T = 1e12  # about ten times the mass of all materials extracted worldwide in a year


def quarantine_impossible(flows: pd.DataFrame, today: date | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split off flows no trade can have: a year before the HS existed or after this one, a value
    over `MAX_FLOW_VALUE_USD` or a quantity over `MAX_FLOW_QUANTITY_T`. Returns (kept, quarantine)."""
    if flows.empty:
        return flows, empty_quarantine()
    last_year = (today or date.today()).year
    bad_year = ~flows["year"].between(FIRST_HS_YEAR, last_year)
    bad_value = flows["value_usd"].fillna(0) > MAX_FLOW_VALUE_USD
    bad_quantity = flows["quantity_t"].fillna(0) > MAX_FLOW_QUANTITY_T
    bad = bad_year | bad_value | bad_quantity
    if not bad.any():
        return flows, empty_quarantine()
    records = []
    for row, year_wrong, value_wrong in zip(
        flows[bad].itertuples(index=False), bad_year[bad], bad_value[bad], strict=True
    ):
        if year_wrong:
            reason = f"year {row.year} is impossible for an HS trade flow (HS years run {FIRST_HS_YEAR}-{last_year})"
        elif value_wrong:
            reason = (f"value_usd {row.value_usd:.4g} is impossible for one flow "
                      f"(over {MAX_FLOW_VALUE_USD:.0e} USD, about ten times world GDP)")
        else:
            reason = (f"quantity_t {row.quantity_t:.4g} is impossible for one flow "
                      f"(over {MAX_FLOW_QUANTITY_T:.0e} t, about ten times all materials extracted in a year)")
        records.append({
            "source": row.source, "source_file": row.source_file, "source_line": row.source_line, "reason": reason,
            "record": f"{row.year} {row.hs_code} {row.exporter_iso3}->{row.importer_iso3} "
                      f"value_usd={row.value_usd} quantity_t={row.quantity_t}",
        })
    return flows[~bad], typed_frame(records, QUARANTINE_SCHEMA)


FLOW_KEY = ["source", "reported_by", "year", "hs_code", "exporter_iso3", "importer_iso3"]


def quarantine_duplicates(flows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the first row of each flow key (source, reporting side, year, code, exporter, importer);
    every repeat goes to quarantine naming the file and line it repeats. The same flow reported
    twice (a mirror file, two copies of a response) would otherwise be counted twice."""
    if flows.empty:
        return flows, empty_quarantine()
    ordered = flows.sort_values(["source_file", "source_line"], kind="stable")
    repeated = ordered.duplicated(FLOW_KEY, keep="first")
    if not repeated.any():
        return flows, empty_quarantine()
    first = ordered[~repeated].set_index(FLOW_KEY)[["source_file", "source_line"]]
    dupes = ordered[repeated]
    origin = first.loc[pd.MultiIndex.from_frame(dupes[FLOW_KEY])]
    reasons = [
        f"duplicate flow: same {source} {side} report of {year} {code} {exporter}->{importer} as {file} line {line}"
        for (source, side, year, code, exporter, importer), file, line in zip(
            dupes[FLOW_KEY].itertuples(index=False, name=None), origin["source_file"], origin["source_line"],
            strict=True)
    ]
    quarantine = typed_frame(
        [
            {"source": row.source, "source_file": row.source_file, "source_line": row.source_line,
             "reason": reason, "record": f"value_usd={row.value_usd} quantity_t={row.quantity_t}"}
            for row, reason in zip(dupes.itertuples(index=False), reasons, strict=True)
        ],
        QUARANTINE_SCHEMA,
    )
    return ordered[~repeated].sort_index(), quarantine


def bad_row_share(rows_kept: int, rows_quarantined: int) -> float:
    """Share of input rows that could not be used."""
    total = rows_kept + rows_quarantined
    return rows_quarantined / total if total else 0.0
