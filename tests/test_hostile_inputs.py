"""Hostile inputs, each in the format its source delivers, through the real readers.

Every case adds one hostile input to a copy of the fixture inputs and reads that source family the
way its asset does. Each is checked to

1. be refused with a reason that names the source and the file (and the line or item, where that
   applies);
2. land in quarantine (the reader's quarantine records);
3. leave the other sources flowing: every clean fixture file gives exactly the rows it gives without
   the hostile input.

Nothing of /etc/passwd may appear anywhere, an entity bomb is refused at its declaration (never expanded), and no
reader may load a file over 20 MB into memory. One run of the whole asset graph then takes the
hostile inputs all at once and checks `raw.quarantine` and the published tables.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pandas as pd
import pytest

from pipelines.lib import announcements as ann
from pipelines.lib import trade, usgs
from pipelines.lib.countries import CountryMatcher
from pipelines.lib.documents import documents_frame, record_versions
from pipelines.lib.settings import REFERENCE_DIR, REPO_ROOT
from pipelines.lib.warehouse import replace_quarantine

FIXTURES = Path(__file__).parent / "fixtures"
COMTRADE_RESPONSE = FIXTURES / "inputs" / "trade" / "comtrade" / "china_imports_2846" / "2024.json"
PASSWD = Path("/etc/passwd")
# What must never show up: the lines of the local /etc/passwd (and its universal first line).
LEAK_NEEDLES = ["root:x:0:0", *(line for line in (PASSWD.read_text(errors="replace").splitlines()
                                                  if PASSWD.exists() else []) if len(line) >= 12)]
SQL_DROP_TRADE = "'; DROP TABLE raw.trade_flows; --"
SQL_TITLE = "US and Japan sign cobalt refining agreement'; DROP TABLE raw.announcements; --"
MAX_READ_BYTES = 20 * 1024 * 1024


@functools.cache
def matcher() -> CountryMatcher:
    return CountryMatcher.from_reference(REFERENCE_DIR)


# ----------------------------------------------------------------------------------------------
# Reading each source family the way its asset does
# ----------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    rows: Counter  # rows (or documents) kept, by source_file
    quarantine: list[dict[str, Any]]  # source, source_file, source_line, reason, record
    stored_text: str = ""  # every text a reader passed on (documents, quarantine), to search for leaks


def _quarantine_text(records: list[dict[str, Any]]) -> str:
    return "\n".join(f"{r['source']} {r['source_file']} {r['reason']} {r['record']}" for r in records)


def read_trade(inputs: Path) -> Outcome:
    """As the raw/trade_flows asset: every trade source, then repeated flows quarantined."""
    frames, quarantined, _ = trade.read_all(inputs / "trade", matcher(), inputs)
    flows = pd.concat(frames, ignore_index=True) if frames else trade.empty_flows()
    flows, duplicates = trade.quarantine_duplicates(flows)
    records = pd.concat([*quarantined, duplicates], ignore_index=True).to_dict("records")
    return Outcome(Counter(flows["source_file"]), records, _quarantine_text(records))


def read_production(inputs: Path) -> Outcome:
    """As the raw/usgs_production asset: every USGS MCS data release of production/."""
    rows, records = Counter(), []
    for path in sorted((inputs / "production").glob("usgs_mcs*_commodities_data.csv")):
        kept, quarantine, _ = usgs.read_usgs_mcs(path, matcher(), inputs)
        rows.update(kept["source_file"])
        records += quarantine.to_dict("records")
    return Outcome(rows, records, _quarantine_text(records))


def read_announcements(inputs: Path, fetch: Callable[[str], bytes] | None = None) -> Outcome:
    """As the raw/announcements asset: the sources of sources.yaml (events CSVs have their own asset)."""
    folder = inputs / "announcements"
    records: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    for source in ann.load_sources(folder / "sources.yaml", rejected=records):
        if source.enabled and source.kind != "events_csv":
            found, bad = ann.read_source(source, folder, fetch=fetch)
            documents += found
            records += bad
    text = "\n".join(f"{d['title']}\n{d['body']}\n{d['url']}" for d in documents)
    return Outcome(Counter(d["source_file"] for d in documents), records, text + "\n" + _quarantine_text(records))


def read_events(inputs: Path) -> Outcome:
    """As the raw/diplomacy_events asset: every CSV of announcements/events/."""
    rows, records = Counter(), []
    for path in sorted((inputs / "announcements" / "events").glob("*.csv")):
        events, bad = ann.read_events(path)
        rows[path.name] += len(events)
        records += bad
    return Outcome(rows, records, _quarantine_text(records))


READERS: dict[str, Callable[[Path], Outcome]] = {
    "trade": read_trade,
    "production": read_production,
    "announcements": read_announcements,
    "events": read_events,
}
ASSETS = {"trade": "trade_flows", "production": "usgs_production", "announcements": "announcements",
          "events": "diplomacy_events"}


# ----------------------------------------------------------------------------------------------
# Writing hostile inputs in their sources' formats
# ----------------------------------------------------------------------------------------------


def put(inputs: Path, relative: str, data: bytes | str) -> Path:
    path = inputs / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def add_source(inputs: Path, entry: str) -> None:
    """Append one entry (a YAML flow mapping) to announcements/sources.yaml."""
    config = inputs / "announcements" / "sources.yaml"
    config.write_text(config.read_text(encoding="utf-8").rstrip("\n") + f"\n  - {entry}\n", encoding="utf-8")


def feed_source(name: str, kind: str, data: bytes | str) -> Callable[[Path], None]:
    def write(inputs: Path) -> None:
        put(inputs, f"announcements/hostile/{name}", data)
        add_source(inputs, f"{{name: {name.split('.')[0]}, kind: {kind}, path: hostile/{name}}}")
    return write


# ITC Trade Map: UTF-8 with a BOM, TAB-separated with a trailing TAB, quoted partner names.
TRADEMAP_HEADER = "\ufeffExporters\t2020-Imported quantity, Tons\t2021-Imported quantity, Tons\t\n"


def trademap(reporter: str, body: str, header: str = TRADEMAP_HEADER, folder: str = "282200 Cobalt oxides",
             encoding: str = "utf-8") -> tuple[str, Callable[[Path], None]]:
    relative = f"trade/trademap/{folder}/Trade_Map_-_List_of_supplying_markets_for_a_product_imported_by_{reporter}.txt"
    return relative, lambda inputs: put(inputs, relative, (header + body).encode(encoding))


def trademap_line(partner: str, *cells: str) -> str:
    return f'"{partner}"\t' + "\t".join(cells) + "\t\n"


# UN Comtrade API v1: a real record of the fixture response (China's imports of HS 2846 from
# Austria, 2024), re-addressed so that it repeats no flow of the fixture.
PARTNERS = {36: ("AUS", "Australia"), 76: ("BRA", "Brazil"), 124: ("CAN", "Canada"), 152: ("CHL", "Chile"),
            251: ("FRA", "France"), 276: ("DEU", "Germany"), 392: ("JPN", "Japan"), 410: ("KOR", "Rep. of Korea")}


def comtrade_record(partner: int = 36, **changes: Any) -> dict[str, Any]:
    record = dict(json.loads(COMTRADE_RESPONSE.read_text(encoding="utf-8"))["data"][1])
    iso, name = PARTNERS[partner]
    record.update(refYear=2023, period="2023", refPeriodId=20230101, partnerCode=partner, partnerISO=iso,
                  partnerDesc=name)
    record.update(changes)
    return record


def comtrade_response(*records: dict[str, Any], **top: Any) -> str:
    payload = {"elapsedTime": "0.21 secs", "count": len(records), "data": list(records), "error": "", **top}
    return json.dumps(payload)


def comtrade(name: str, text: str | bytes) -> tuple[str, Callable[[Path], None]]:
    relative = f"trade/comtrade/downloads/{name}"
    return relative, lambda inputs: put(inputs, relative, text)


# CEPII BACI: native release t,i,j,k,v,q with the release's country codes beside it.
def baci_release(folder: str, name: str, data: bytes | str, codes: str | None = None) -> tuple[str, Callable]:
    relative = f"trade/{folder}/{name}"

    def write(inputs: Path) -> None:
        put(inputs, relative, data)
        put(inputs, f"trade/{folder}/country_codes_V202601.csv",
            codes if codes is not None else (REFERENCE_DIR / "baci_country_codes_V202601.csv").read_bytes())
    return relative, write


def baci_extract(name: str, data: bytes) -> tuple[str, Callable[[Path], None]]:
    relative = f"trade/baci_extract/{name}"
    return relative, lambda inputs: put(inputs, relative, data)


def truncated_gzip(text: str) -> bytes:
    packed = gzip.compress(text.encode("utf-8"))
    return packed[: len(packed) * 2 // 3]


def many_rows(header: str, line: str, count: int) -> str:
    return header + line * count


# USGS MCS data release: Windows-1252, CRLF, twelve columns.
USGS_HEADER = ("MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,Notes,"
               "Is critical mineral 2025,Other notes\r\n")
USGS_ROW = ("COBALT,World Mine Production and Reserves,Cobalt,{country},Production,Mine production,metric tons,"
            "2024,{value},,Yes,\r\n")


def usgs_release(edition: int, data: bytes | str) -> tuple[str, Callable[[Path], None]]:
    relative = f"production/usgs_mcs{edition}_commodities_data.csv"
    return relative, lambda inputs: put(inputs, relative, data.encode("cp1252") if isinstance(data, str) else data)


RSS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
            "<title>Press releases</title><link>https://www.state.gov/press-releases/</link>\n")
GOOD_TITLE = "United States and Australia sign critical minerals framework"
GOOD_ITEM = (f"<item><title>{GOOD_TITLE}</title>"
             "<link>https://www.state.gov/releases/us-australia-framework</link><guid>us-au-2025-10-20</guid>"
             "<pubDate>Mon, 20 Oct 2025 12:00:00 -0400</pubDate>"
             "<description>The two governments signed a framework on mining and processing of rare earths."
             "</description></item>\n")
RSS_TAIL = "</channel>\n</rss>\n"


def sql_title_feed(inputs: Path) -> None:
    """A good feed item whose title carries an SQL fragment (XML-escaped, as a feed writes it)."""
    item = GOOD_ITEM.replace(GOOD_TITLE, SQL_TITLE.replace("'", "&apos;")).replace("us-au-2025-10-20", "sql-title")
    feed_source("sql.xml", "rss", RSS_HEAD + item + RSS_TAIL)(inputs)


def billion_laughs() -> str:
    entities = '<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY lol{level} "{(f"&lol{level - 1};" if level > 1 else "&lol;") * 10}">\n' for level in range(1, 10)
    )
    return ('<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + entities + ']>\n<rss version="2.0"><channel>'
            "<title>&lol9;</title></channel></rss>\n")


def huge_document(inputs: Path) -> None:
    """A 100 MB feed: a real start, then sparse space (no 100 MB of writes)."""
    path = put(inputs, "announcements/hostile/huge.xml", RSS_HEAD + GOOD_ITEM)
    with path.open("r+b") as handle:
        handle.truncate(100 * 1024 * 1024)
    add_source(inputs, "{name: huge, kind: rss, path: hostile/huge.xml}")


def escaping_path(inputs: Path) -> None:
    folder = (inputs / "announcements").resolve()
    relative = "../" * (len(folder.parts) - 1) + "etc/passwd"
    add_source(inputs, f"{{name: leak_relative, kind: text, path: '{relative}'}}")


def symlink_out(inputs: Path) -> None:
    link = inputs / "announcements" / "hostile" / "notes.txt"
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(PASSWD, link)
    add_source(inputs, "{name: leak_symlink, kind: text, path: hostile/notes.txt}")


def huge_live_feed(url: str) -> bytes:
    """A live feed answering with 100 MB (chunked, no Content-Length); fails the test if the reader
    pulls more than 10 MB of it."""
    pulled = 0

    def body() -> Iterator[bytes]:
        nonlocal pulled
        for _ in range(100):
            pulled += 1
            if pulled > 10:
                raise AssertionError("the reader pulled more than 10 MB of a 100 MB response")
            yield b"<rss>" + b" " * (1024 * 1024 - 5)

    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body()))
    return ann.fetch_url(url, transport=transport)


EVENTS_HEADER = ("event_id,date,date_precision,event_type,title,parties,location,value_chain_scope,summary,"
                 "source_urls,confidence\n")


# ----------------------------------------------------------------------------------------------
# The cases
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    family: str  # trade | production | announcements | events
    file: str  # source_file the quarantine must name
    write: Callable[[Path], None]
    expect: tuple[tuple[int | None, str], ...]  # (source_line, reason pattern) that must be quarantined
    kept: int = 0  # rows of the hostile file that are fine and still kept
    read: Callable[[Path], Outcome] | None = None  # instead of the family's reader
    e2e: bool = True  # also part of the whole-graph run

    def reader(self) -> Callable[[Path], Outcome]:
        return self.read or READERS[self.family]


def _case(case_id: str, family: str, spec: tuple[str, Callable], *expect: tuple[int | None, str],
          **options: Any) -> Case:
    """A trade or production case: `spec` is (path under the inputs folder, writer)."""
    relative, write = spec
    return Case(case_id, family, relative, write, expect, **options)


def _feed(case_id: str, name: str, kind: str, data: bytes | str, *expect: tuple[int | None, str],
          **options: Any) -> Case:
    return Case(case_id, "announcements", f"hostile/{name}", feed_source(name, kind, data), expect, **options)


def _events(case_id: str, name: str, data: str, *expect: tuple[int | None, str], **options: Any) -> Case:
    relative = f"announcements/events/{name}"
    return Case(case_id, "events", name, lambda inputs: put(inputs, relative, data), expect, **options)


CASES = [
    # --- ITC Trade Map exports -----------------------------------------------------------------
    _case("trademap-wrong-unit", "trade", trademap(
        "Japan", trademap_line("Belgium", "120", "Kilograms", "95", "Kilograms"),
        header="\ufeffExporters\t2020-Imported quantity\t2020-Unit\t2021-Imported quantity\t2021-Unit\t\n"),
        (2, r"^2020 quantity '120' has unit 'Kilograms', not tonnes$"),
        (2, r"^2021 quantity '95' has unit 'Kilograms', not tonnes$")),
    _case("trademap-sql-in-country-name", "trade", trademap(
        "Korea__Republic_of", trademap_line("Belgium", "10", "12") + trademap_line(SQL_DROP_TRADE, "5", "6")),
        (3, re.escape(f"unknown partner name {SQL_DROP_TRADE!r}")), kept=2),
    _case("trademap-1e309", "trade", trademap("Germany", trademap_line("Belgium", "1e309", "40")),
          (2, r"^2020 quantity '1e309' is not a number$"), kept=1),
    _case("trademap-400-digit-number", "trade", trademap("France", trademap_line("Belgium", "9" * 400, "40")),
          (2, r"^2020 quantity '9{20}'\.\.\. \(400 digits\) is not a finite number$"), kept=1),
    _case("trademap-absurd-quantity", "trade", trademap("Italy", trademap_line("Belgium", "99999999999999", "40")),
          (2, r"^quantity_t 1e\+14 is impossible for one flow \(over 1e\+12 t"), kept=1),
    _case("trademap-negative-quantity", "trade", trademap("Spain", trademap_line("Belgium", "-250", "40")),
          (2, r"^2020 quantity '-250' is negative$"), kept=1),
    _case("trademap-wrong-delimiter", "trade", trademap(
        "Austria", '"Belgium",120,95,\n', header="\ufeffExporters,2020-Imported quantity, Tons,"
        "2021-Imported quantity, Tons,\n"),
        (2, r"^unusable header: first header column is 'Exporters,2020-Imported quantity, Tons,")),
    _case("trademap-shifted-column", "trade", trademap(
        "Netherlands", trademap_line("Belgium", "120", "95") + '"Finland"\t\t44\t37\t9\t\n'),
        (3, r"^line has 6 TAB-separated fields, header has 4$"), kept=2),
    _case("trademap-empty-file", "trade", trademap("Sweden", "", header=""), (0, r"^empty file$")),
    _case("trademap-undecodable-bytes", "trade", trademap(
        "Portugal", trademap_line("Côte d'Ivoire", "12", "14"), header=TRADEMAP_HEADER.lstrip("\ufeff"),
        encoding="cp1252"),
        (0, r"^file is not valid UTF-8 \(invalid continuation byte\)$")),
    # --- CEPII BACI ------------------------------------------------------------------------------
    _case("baci-extract-truncated-gzip", "trade", baci_extract(
        "baci_2023.csv.gz", truncated_gzip(many_rows("i,j,cmd,value\n", "NOR,USA,810520,1200.5\n", 4000))),
        (0, r"^truncated compressed file \(Compressed file ended before the end-of-stream marker was reached\); "
            r"file left out whole")),
    _case("baci-extract-gzip-that-is-not-gzip", "trade", baci_extract(
        "baci_2021.csv.gz", b"i,j,cmd,value\nNOR,USA,810520,1200.5\n"), (0, r"^not a gzip file \(")),
    _case("baci-extract-negative-value", "trade", baci_extract(
        "baci_2020.csv.gz", gzip.compress(b"i,j,cmd,value\nNOR,USA,810520,1200.5\nFIN,USA,810520,-300.0\n")),
        (3, r"^value '-300.0' is not a non-negative number$"), kept=1),
    _case("baci-release-bad-header", "trade", baci_release(
        "baci_bad_header", "BACI_HS17_Y2022_V202601.csv",
        "year,exporter,importer,product,value,quantity\n2022,579,842,810520,1200,100\n"),
        (1, r"^unexpected header 'year,exporter,importer,product,value,quantity', expected 't,i,j,k,v,q'$")),
    _case("baci-release-shifted-column", "trade", baci_release(
        "baci_shifted", "BACI_HS17_Y2022_V202601.csv",
        't,i,j,k,v,q\n2022,579,842,810520,1200,100\n2022,246,842,"810520",300,12,"NA"\n'),
        (3, r"^malformed CSV line \(too many columns: "), kept=1),
    _case("baci-release-1e309-and-nan", "trade", baci_release(
        "baci_infinite", "BACI_HS17_Y2022_V202601.csv",
        "t,i,j,k,v,q\n2022,579,842,810520,1e309,100\n2022,246,842,810520,NaN,12\n"),
        (2, r"^value v='1e309' is not a number$"), (3, r"^value v='NaN' is not a number$")),
    _case("baci-release-truncated-gzip", "trade", baci_release(
        "baci_truncated", "BACI_HS17_Y2022_V202601.csv.gz",
        truncated_gzip(many_rows("t,i,j,k,v,q\n", "2022,579,842,810520,1200,100\n", 20000))),
        (0, r"^unreadable BACI release \(.*GZIP.*\); file left out whole$")),
    _case("baci-release-bad-country-codes", "trade", baci_release(
        "baci_bad_codes", "BACI_HS17_Y2022_V202601.csv", "t,i,j,k,v,q\n2022,579,842,810520,1200,100\n",
        codes="code;name;iso3\n579;Norway;NOR\n"),
        (0, r"^unusable country codes file country_codes_V202601\.csv: unrecognised BACI country code header "
            r"'code;name;iso3'$")),
    _case("baci-zip-that-is-not-a-zip", "trade", (
        "trade/BACI_HS17_V202501.zip", lambda inputs: put(inputs, "trade/BACI_HS17_V202501.zip",
                                                          "<html><body><h1>403 Forbidden</h1></body></html>")),
        (0, r"^unreadable BACI archive: File is not a zip file$")),
    # --- UN Comtrade API responses ---------------------------------------------------------------
    _case("comtrade-error-payload", "trade", comtrade("2846_2025.json", json.dumps({
        "elapsedTime": "0.01 secs", "count": 0, "data": None,
        "error": "Rate limit is exceeded. Try again in 23 seconds."})),
        (0, r"^API returned an error: Rate limit is exceeded\. Try again in 23 seconds\.$")),
    _case("comtrade-nan", "trade", comtrade("2846_2023_nan.json", comtrade_response(
        comtrade_record(primaryValue=float("nan")), comtrade_record(partner=76))),
        (1, r"^non-numeric value or weight: nan is not finite$"), kept=1),
    _case("comtrade-1e309", "trade", comtrade("2846_2023_inf.json", comtrade_response(
        comtrade_record(partner=152, netWgt=12.5)).replace('"netWgt": 12.5', '"netWgt": 1e309')),
        (1, r"^non-numeric value or weight: inf is not finite$")),
    _case("comtrade-400-digit-number", "trade", comtrade("2846_2023_digits.json", comtrade_response(
        comtrade_record(partner=124, primaryValue=12.5)).replace('"primaryValue": 12.5',
                                                                     '"primaryValue": ' + "9" * 400)),
        (1, r"^non-numeric value or weight: 9{20}\.\.\. \(400 digits\) is not finite$")),
    _case("comtrade-absurd-year", "trade", comtrade("2846_20231.json", comtrade_response(
        comtrade_record(partner=251, refYear=20231))),
        (1, r"^year 20231 is impossible for an HS trade flow \(HS years run 1988-\d{4}\)$")),
    _case("comtrade-duplicate-records", "trade", comtrade("2846_2023_twice.json", comtrade_response(
        comtrade_record(partner=276), comtrade_record(partner=276))),
        (2, r"^duplicate flow: same comtrade importer report of 2023 2846 DEU->CHN as "
            r"trade/comtrade/downloads/2846_2023_twice\.json line 1$"), kept=1),
    _case("comtrade-repeated-json-key", "trade", comtrade("2846_2023_keys.json", comtrade_response(
        comtrade_record(partner=392, primaryValue=12.5)).replace(
        '"primaryValue": 12.5', '"primaryValue": 12.5, "primaryValue": -12.5')),
        (1, r"^record repeats key\(s\) \['primaryValue'\]: which value holds is ambiguous$")),
    _case("comtrade-deeply-nested-json", "trade", comtrade(
        "2846_2023_nested.json", '{"data": [' + "[" * 100_000 + "]" * 100_000 + "]}"),
        (0, r"^invalid JSON: nested too deeply to be a response$")),
    _case("comtrade-utf16-file", "trade", comtrade(
        "2846_2023_utf16.json", comtrade_response(comtrade_record(partner=410)).encode("utf-16")),
        (0, r"^undecodable bytes: not valid UTF-8 \(byte 0xff at offset 0\)$")),
    _case("comtrade-empty-file", "trade", comtrade("2846_2023_empty.json", b""), (0, r"^empty file$")),
    # --- USGS Mineral Commodity Summaries ---------------------------------------------------------
    _case("usgs-bad-numbers", "production", usgs_release(2025, USGS_HEADER + "".join(
        USGS_ROW.format(country=country, value=value) for country, value in [
            ("Australia", "1e309"), ("Canada", "-5"), ("Cuba", "12.5.3"), ("Indonesia", "NaN"),
            ("Morocco", "9" * 400)])),
        (2, r"^value '1e309' is not a finite number$"), (3, r"^value '-5' is negative$"),
        (4, r"^value '12\.5\.3' is not a number$"), (5, r"^value 'NaN' is not a finite number$"),
        (6, r"^value '9{20}'\.\.\. \(400 characters\) is not a finite number$")),
    _case("usgs-wrong-delimiter", "production", usgs_release(
        2024, USGS_HEADER.replace(",", ";") + USGS_ROW.format(country="Australia", value="3,600").replace(",", ";")),
        (1, r"^unexpected header 'MCS chapter;Section;")),
    _case("usgs-shifted-column", "production", usgs_release(
        2023, USGS_HEADER + USGS_ROW.format(country="Australia", value="3,600")),
        (2, r"^row has 13 fields, header has 12$")),
    _case("usgs-undecodable-bytes", "production", usgs_release(
        2022, (USGS_HEADER + USGS_ROW.format(country="Australia", value="3600")).encode("cp1252")
        .replace(b"Australia", b"Aus\x81tralia")),
        (0, r"^undecodable bytes: not valid cp1252 text \(byte 0x81 at offset \d+\)$")),
    _case("usgs-unterminated-quote", "production", usgs_release(
        2021, USGS_HEADER + USGS_ROW.format(country="Australia", value='"3,600') + "x,y\r\n" * 70_000),
        (2, r"^malformed CSV from line 2 on \(field larger than field limit \(131072\)\); "
            r"the rest of the file is not read$")),
    _case("usgs-utf16-file", "production", usgs_release(
        2020, (USGS_HEADER + USGS_ROW.format(country="Australia", value="3600")).encode("utf-16")),
        (0, r"^binary content \(NUL bytes; UTF-16 or not a text file\), not a CSV$")),
    _case("usgs-empty-file", "production", usgs_release(2019, b""), (0, r"^empty file$")),
    # --- announcement feeds, pages and files ------------------------------------------------------
    _feed("feed-malformed-xml", "malformed.xml", "rss", RSS_HEAD + GOOD_ITEM.replace("</title>", "</titel>", 1)
          + RSS_TAIL, (1, r"^malformed XML: mismatched tag: line \d+, column \d+$")),
    _feed("feed-truncated-xml", "truncated.xml", "rss", (RSS_HEAD + GOOD_ITEM + GOOD_ITEM)[:-150],
          (1, r"^malformed XML: (no element found|unclosed token): line \d+, column \d+$")),
    _feed("feed-billion-laughs", "bomb.xml", "rss", billion_laughs(),
          (1, r"^forbidden XML: entity 'lol' declared \(entity expansion\); DTDs are refused$")),
    _feed("feed-external-entity-etc-passwd", "xxe.xml", "rss",
          '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
          + '<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title>'
          + "<description>&xxe;</description></item></channel></rss>\n",
          (1, r"^forbidden XML: external entity 'xxe' \(SYSTEM 'file:///etc/passwd'\); DTDs are refused$")),
    _feed("feed-parameter-entity-etc-passwd", "xxe_param.xml", "atom",
          '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY % leak SYSTEM "file:///etc/passwd"> %leak;]>\n'
          + '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>\n',
          (1, r"^forbidden XML: external entity 'leak' \(SYSTEM 'file:///etc/passwd'\); DTDs are refused$")),
    _feed("feed-html-served-instead", "bot_check.xml", "rss",
          '<!DOCTYPE html>\n<html lang="en-US"><head><title>Just a moment...</title><meta charset="UTF-8">'
          "</head><body><p>Checking your browser before accessing www.state.gov.<br>&nbsp;</p></body></html>\n",
          (1, r"^not an RSS or Atom feed: an HTML page was served instead \(titled 'Just a moment\.\.\.'\)$")),
    Case("document-100-mb", "announcements", "hostile/huge.xml", huge_document,
         ((1, r"^document of 104,857,600 bytes is over the 5,242,880-byte limit$"),)),
    _feed("feed-undecodable-bytes", "cp1252.xml", "rss",
          (RSS_HEAD + GOOD_ITEM.replace("The two", "\u201cThe two\u201d") + RSS_TAIL).encode("cp1252"),
          (1, r"^undecodable bytes: not valid UTF-8 \(byte 0x93 at offset \d+\)$")),
    _feed("feed-empty-file", "empty.xml", "atom", b"", (1, r"^empty document$")),
    _feed("feed-item-without-title-link-or-id", "untitled.xml", "rss", RSS_HEAD
          + "<item><description>Critical minerals cooperation was discussed.</description></item>\n"
          + GOOD_ITEM + RSS_TAIL,
          (None, r"^feed item 1 has no title, link or id: it can be neither named nor traced to its source$"),
          kept=1),
    _feed("jsonl-broken-line", "items.jsonl", "jsonl",
          json.dumps({"id": "a1", "title": "India and Australia sign lithium deal", "body": "They signed."}) + "\n"
          + '{"id": "a2", "title": "Japan and the EU discuss graphite", "body": "They met in Bru\n'
          + json.dumps({"id": "a3", "title": "Canada joins the MSP", "body": "Canada joined."}) + "\n",
          (2, r"^line 2: Unterminated string starting at: line 1 column \d+"), kept=2),
    Case("sources-yaml-path-escaping-the-folder", "announcements", "sources.yaml", escaping_path,
         ((None, r"source #\d+ \('leak_relative'\): path '(\.\./)+etc/passwd' escapes the announcements folder"),)),
    Case("sources-yaml-absolute-path", "announcements", "sources.yaml",
         lambda inputs: add_source(inputs, "{name: leak_absolute, kind: rss, path: /etc/passwd}"),
         ((None, r"source #\d+ \('leak_absolute'\): path '/etc/passwd' must be relative to "),)),
    Case("sources-yaml-symlink-out-of-the-folder", "announcements", "sources.yaml", symlink_out,
         ((None, r"source #\d+ \('leak_symlink'\): path 'hostile/notes\.txt' escapes the announcements folder"),)),
    Case("live-feed-100-mb-response", "announcements", "https://feeds.example.org/press.rss",
         lambda inputs: add_source(inputs, "{name: live_press, kind: rss, url: 'https://feeds.example.org/press.rss'}"),
         ((None, r"^fetch failed: https://feeds\.example\.org/press\.rss: response is over the 5,242,880-byte limit$"),),
         read=functools.partial(read_announcements, fetch=huge_live_feed), e2e=False),
    # --- diplomacy events CSV ---------------------------------------------------------------------
    _events("events-wrong-delimiter", "added_events.csv", EVENTS_HEADER.replace(",", ";")
            + "us_cl_lithium;2025-05-02;day;mou;US-Chile lithium MoU;United States; Chile;;mining;Signed.;;high\n",
            (1, r"^missing column\(s\) \['event_id', 'date',")),
    _events("events-duplicate-id", "more_events.csv", EVENTS_HEADER
            + "us_cl_lithium,2025-05-02,day,mou,US-Chile lithium MoU,United States; Chile,,mining,"
              "A memorandum on lithium mining.,https://example.org/us-cl,high\n"
            + "us_cl_lithium,2025-05-03,day,mou,US-Chile lithium MoU (corrected),United States; Chile,,mining,"
              "A memorandum on lithium mining.,https://example.org/us-cl,high\n",
            (3, r"^duplicate event_id 'us_cl_lithium'$"), kept=1),
]


def test_the_suite_covers_many_hostile_inputs():
    assert len(CASES) >= 25
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def baselines(tmp_path_factory) -> dict[str, Counter]:
    """Rows by file of every source family on the clean fixture inputs."""
    inputs = tmp_path_factory.mktemp("clean") / "inputs"
    shutil.copytree(FIXTURES / "inputs", inputs)
    shutil.copytree(REPO_ROOT / "data" / "inputs" / "announcements", inputs / "announcements")
    found = {family: read(inputs).rows for family, read in READERS.items()}
    assert all(found.values()), found
    return found


def _refuse_big_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a reader loads a file of more than 20 MB into memory."""
    for method in ("read_bytes", "read_text"):
        original = getattr(Path, method)

        def guarded(self, *args, _original=original, **kwargs):
            size = self.stat().st_size
            assert size <= MAX_READ_BYTES, f"{self} ({size:,} bytes) was read into memory whole"
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Path, method, guarded)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input(case: Case, fixture_inputs: Path, baselines: dict[str, Counter], monkeypatch):
    case.write(fixture_inputs)
    _refuse_big_reads(monkeypatch)
    outcome = case.reader()(fixture_inputs)

    # 1 + 2: quarantined, with the file, the line or item, and the reason
    mine = [record for record in outcome.quarantine if record["source_file"] == case.file]
    found = [(record["source_line"], record["reason"]) for record in mine]
    for line, pattern in case.expect:
        assert any(_same_line(at, line) and re.search(pattern, reason) for at, reason in found), (
            f"no quarantine record for {case.file} line {line} matching {pattern!r}; found {found}")
    assert all(record["source"] for record in mine)
    # 3: the other sources flow as they do without the hostile input
    baseline = baselines[case.family]
    assert {file: outcome.rows[file] for file in baseline} == baseline
    assert outcome.rows[case.file] == case.kept
    # and no byte of /etc/passwd made it anywhere
    assert not [needle for needle in LEAK_NEEDLES if needle in outcome.stored_text]


def _same_line(found: Any, expected: int | None) -> bool:
    return pd.isna(found) if expected is None else found == expected


# ----------------------------------------------------------------------------------------------
# SQL fragments are data: stored as text, never executed
# ----------------------------------------------------------------------------------------------


def test_sql_in_a_feed_title_is_stored_as_text(fixture_inputs, tmp_path):
    sql_title_feed(fixture_inputs)
    folder = fixture_inputs / "announcements"
    documents, quarantine = ann.read_source(ann.Source("sql", "rss", path="hostile/sql.xml"), folder)
    assert [document["title"] for document in documents] == [SQL_TITLE] and not quarantine

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        record_versions(con, documents_frame(documents), datetime.now(UTC).replace(tzinfo=None))
        assert con.execute("select title from raw.announcement_documents").fetchall() == [(SQL_TITLE,)]
    finally:
        con.close()


def test_sql_in_a_country_name_is_quarantined_as_text(fixture_inputs, tmp_path):
    case = next(case for case in CASES if case.id == "trademap-sql-in-country-name")
    case.write(fixture_inputs)
    outcome = read_trade(fixture_inputs)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        con.execute("create schema raw")
        con.execute("create table raw.trade_flows as select 1 as x")
        replace_quarantine(con, "trade_flows", pd.DataFrame(outcome.quarantine))
        [(reason, record)] = con.execute(
            "select reason, record from raw.quarantine where source_line = 3 and source_file like '%Korea%'").fetchall()
        assert SQL_DROP_TRADE in reason and SQL_DROP_TRADE in record
        assert con.execute("select count(*) from raw.trade_flows").fetchone() == (1,)
    finally:
        con.close()


# ----------------------------------------------------------------------------------------------
# All at once, through the whole asset graph
# ----------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_hostile_inputs_all_at_once_through_the_pipeline(pipeline_settings, fixture_inputs, baselines, monkeypatch):
    from test_pipeline_e2e import _query, _run

    # the hostile trade rows are about 6% of the trade rows read, over the default 5% at which the
    # trade load fails (test_assets covers that); here every other source must go through
    monkeypatch.setenv("MINERALS_MAX_BAD_ROW_SHARE", "0.2")
    cases = [case for case in CASES if case.e2e]
    for case in cases:
        case.write(fixture_inputs)
    sql_title_feed(fixture_inputs)

    result = _run()
    assert result.success, [event.step_key for event in result.get_step_failure_events()]
    # a cross-source check may warn (the fixture's US and Chinese copper reports differ); none may fail
    assert all(e.passed or e.severity.value == "WARN" for e in result.get_asset_check_evaluations())

    warehouse, published = pipeline_settings.warehouse, pipeline_settings.publish_dir / "minerals.duckdb"
    quarantined = _query(warehouse, "select asset, source, source_file, source_line, reason from raw.quarantine")
    for case in cases:
        for line, pattern in case.expect:
            assert any(asset == ASSETS[case.family] and source and source_file == case.file and _same_line(at, line)
                       and re.search(pattern, reason) for asset, source, source_file, at, reason in quarantined), (
                case.id, line, pattern)
    assert _query(published, "select count(*) from quarantine") == [(len(quarantined),)]

    # the good sources still produce their rows
    for family, table in [("trade", "trade_flows"), ("production", "usgs_production"),
                          ("announcements", "announcements"), ("events", "diplomacy_events")]:
        rows = dict(_query(warehouse, f"select source_file, count(*) from raw.{table} group by all"))
        baseline = baselines[family]
        assert {file: rows.get(file, 0) for file in baseline} == baseline, family
    for table in ("supplier_shares", "value_chain_dependency", "production_concentration", "announcements"):
        assert _query(published, f"select count(*) from {table}")[0][0] > 0, table

    # SQL fragments are stored as text and the tables are still there
    assert _query(published, "select count(*) from announcements where title = ?", [SQL_TITLE]) == [(1,)]
    assert _query(warehouse, "select count(*) from raw.quarantine where reason like ?",
                  [f"%{SQL_DROP_TRADE}%"]) == [(1,)]
    assert _query(warehouse, "select count(*) from raw.trade_flows")[0][0] > 0

    # nothing of /etc/passwd anywhere in the warehouse or the publication
    for database in (warehouse, published):
        for schema, table in _query(database, "select table_schema, table_name from information_schema.tables"):
            text = str(_query(database, f'select * from "{schema}"."{table}"'))
            assert not [needle for needle in LEAK_NEEDLES if needle in text], (database, schema, table)
