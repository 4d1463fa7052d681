"""BACI readers: reconciled extracts (i,j,cmd,value) and native CEPII releases (t,i,j,k,v,q)."""

from __future__ import annotations

import gzip
import math
import re
from pathlib import Path

import numpy as np
import pytest

from pipelines.lib.baci import read_baci_country_codes, read_baci_extract, read_baci_release
from pipelines.lib.countries import CountryMatcher
from pipelines.lib.frames import FLOW_COLUMNS, QUARANTINE_COLUMNS
from pipelines.lib.settings import REFERENCE_DIR

NEW_CODES_HEADER = "country_code,country_name,country_iso2,country_iso3\n"
OLD_CODES_HEADER = (
    "country_code,country_name_abbreviation,country_name_full,iso_2digit_alpha,iso_3digit_alpha\n"
)


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_reference()


# ----------------------------------------------------------------------------- extracts


def test_read_baci_extract(tmp_path: Path, matcher: CountryMatcher) -> None:
    path = tmp_path / "baci_2024.csv.gz"
    lines = [
        "i,j,cmd,value",
        "ABW,NLD,850511,235.0",  # 2: real line
        "S19,DZA,810411,77195.0",  # 3: Other Asia, nes -> XAS
        "AUS,S19,251010,2229083.0",  # 4
        "AUS,CHN,251010",  # 5: short row
        "AUS,CHN,251010,-5.0",  # 6: negative
        "AUS,ZZZ,251010,5.0",  # 7: unknown code
        "AUS,CHN,51010,5.0",  # 8: HS code lost its leading zero
        "AUS,CHN,251010,n/a",  # 9: not a number
    ]
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(lines) + "\n")
    flows, quarantine, stats = read_baci_extract([path], matcher, tmp_path)
    assert list(flows.columns) == FLOW_COLUMNS and list(quarantine.columns) == QUARANTINE_COLUMNS
    assert flows[
        ["exporter_iso3", "importer_iso3", "hs_code", "value_usd", "source_line"]
    ].values.tolist() == [
        ["ABW", "NLD", "850511", 235.0, 2],
        ["XAS", "DZA", "810411", 77195.0, 3],
        ["AUS", "XAS", "251010", 2229083.0, 4],
    ]
    assert set(flows["year"]) == {2024}
    assert set(flows["source"]) == {"baci_extract"} and set(flows["reported_by"]) == {"reconciled"}
    assert set(flows["hs_version"]) == {"HS2017"}
    assert flows["quantity_t"].isna().all()
    assert set(flows["source_file"]) == {"baci_2024.csv.gz"}
    assert dict(zip(quarantine["source_line"], quarantine["reason"], strict=True)) == {
        5: "row has 3 fields, expected 4",
        6: "value '-5.0' is not a non-negative number",
        7: "unknown country code 'ZZZ'",
        8: "HS code '51010' is not six digits",
        9: "value 'n/a' is not a non-negative number",
    }
    assert quarantine["record"].iloc[0] == "AUS,CHN,251010"
    assert stats["rows_read"] == 8 and stats["rows_kept"] == 3 and stats["rows_quarantined"] == 5


def test_read_baci_extract_bad_files(tmp_path: Path, matcher: CountryMatcher) -> None:
    no_year = tmp_path / "baci_latest.csv"
    no_year.write_text("i,j,cmd,value\nAUS,CHN,251010,1\n", encoding="utf-8")
    bad_header = tmp_path / "baci_2023.csv"
    bad_header.write_text("exporter,importer,hs6,usd\nAUS,CHN,251010,1\n", encoding="utf-8")
    flows, quarantine, stats = read_baci_extract([no_year, bad_header], matcher, tmp_path)
    assert flows.empty
    assert quarantine[["source_file", "source_line"]].values.tolist() == [
        ["baci_latest.csv", 0],
        ["baci_2023.csv", 1],
    ]
    assert stats["files_quarantined"] == 2


# ----------------------------------------------------------------------------- releases


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def old_codes(tmp_path: Path) -> Path:
    return write(
        tmp_path / "country_codes_V202301.csv",
        OLD_CODES_HEADER
        + "4,Afghanistan,Afghanistan,AF,AFG\n"
        + "10,Antarctica,Antarctica,AQ,ATA\n"  # not a trade code: resolved by its ISO3
        + "156,China,China,CN,CHN\n"
        + "490,Other Asia nes,Other Asia not elsewhere specified,N/A,N/A\n"
        + "699,India,India,IN,IND\n"
        + "842,USA,United States of America,US,USA\n"
        + "998,Atlantis,Atlantis,,\n",
    )


RELEASE = (
    "t,i,j,k,v,q\n"
    "2022,4,156,260500,1.5,         NA\n"  # 2: padded NA quantity
    "2022,842,156,260500,10.25,3.5\n"  # 3
    "\n"  # 4: blank line
    "2022,842,156,260500,10\n"  # 5: short row
    "2022,699,490,810520,0.5,\n"  # 6: empty quantity; 490 -> XAS
    "2022,842,156,10121,1,NA\n"  # 7: product code without its leading zero
    "2022,842,998,260500,1,1\n"  # 8: unknown country
    "2022,842,156,260500,-1,1\n"  # 9: negative value
    "2022,842,156,260500,abc,1\n"  # 10: not a number
    "2021,842,156,260500,1,1\n"  # 11: year differs from the file name
    "2022,842,156,260500,2,-3\n"  # 12: negative quantity
    "2022,842,156,260500,2,1,5\n"  # 13: long row
    "2022,10,156,260500,2,   4.5   \n"  # 14: space-padded quantity
    "2022,842,156,740311,7,7\n"  # 15: outside the HS6 filter
)


def test_read_baci_release(tmp_path: Path, old_codes: Path, matcher: CountryMatcher) -> None:
    path = write(tmp_path / "BACI_HS17_Y2022_V202301.csv", RELEASE)
    flows, quarantine, stats = read_baci_release(
        path, old_codes, tmp_path, hs6=["260500", "810520", "10121"], matcher=matcher
    )
    assert list(flows.columns) == FLOW_COLUMNS and list(quarantine.columns) == QUARANTINE_COLUMNS
    got = flows[["source_line", "exporter_iso3", "importer_iso3", "hs_code", "value_usd", "quantity_t"]]
    rows = [
        [None if isinstance(x, float) and math.isnan(x) else x for x in row] for row in got.values.tolist()
    ]
    assert rows == [
        [2, "AFG", "CHN", "260500", 1500.0, None],
        [3, "USA", "CHN", "260500", 10250.0, 3.5],
        [6, "IND", "XAS", "810520", 500.0, None],
        [7, "USA", "CHN", "010121", 1000.0, None],
        [14, "ATA", "CHN", "260500", 2000.0, 4.5],
    ]
    assert set(flows["source"]) == {"baci"} and set(flows["reported_by"]) == {"reconciled"}
    assert set(flows["source_vintage"]) == {"BACI HS17 V202301"} and set(flows["hs_version"]) == {"HS2017"}
    assert set(flows["year"]) == {2022} and set(flows["source_file"]) == {"BACI_HS17_Y2022_V202301.csv"}
    assert sorted(zip(quarantine["source_line"], quarantine["reason"], strict=True)) == [
        (5, "malformed CSV line (missing columns: Expected Number of Columns: 6 Found: 5)"),
        (8, "unknown importer country code '998' ('Atlantis')"),
        (9, "value v='-1' is negative"),
        (10, "value v='abc' is not a number"),
        (11, "year t='2021' differs from the file name year 2022"),
        (12, "quantity q='-3' is negative"),
        (13, "malformed CSV line (too many columns: Expected Number of Columns: 6 Found: 7)"),
    ]
    records = dict(zip(quarantine["source_line"], quarantine["record"], strict=True))
    assert records[5] == "2022,842,156,260500,10" and records[9] == "2022,842,156,260500,-1,1"
    assert stats["rows_read"] == 13  # 11 rows DuckDB accepted + 2 it rejected; the blank line is not a row
    assert stats["rows_filtered"] == 1
    assert stats["rows_kept"] == 5 and stats["rows_quarantined"] == 7
    assert stats["cells_without_quantity"] == 3


def test_read_baci_release_new_codes_header_gzip_and_no_filter(
    tmp_path: Path, matcher: CountryMatcher
) -> None:
    path = tmp_path / "BACI_HS22_Y2023_V202601.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("t,i,j,k,v,q\n2023,4,842,740311,1.25,NA\n2023,490,842,281820,2,0.5\n")
    codes = REFERENCE_DIR / "baci_country_codes_V202601.csv"
    assert (codes.read_text(encoding="utf-8").splitlines()[0] + "\n") == NEW_CODES_HEADER
    flows, quarantine, stats = read_baci_release(path, codes, tmp_path, matcher=matcher)
    assert quarantine.empty
    assert flows[
        ["exporter_iso3", "importer_iso3", "hs_code", "value_usd", "source_line"]
    ].values.tolist() == [
        ["AFG", "USA", "740311", 1250.0, 2],
        ["XAS", "USA", "281820", 2000.0, 3],
    ]
    assert set(flows["hs_version"]) == {"HS2022"} and set(flows["year"]) == {2023}
    assert stats["rows_filtered"] == 0


def test_read_baci_release_keeps_file_order_on_a_large_file(tmp_path: Path, matcher: CountryMatcher) -> None:
    """Rows come back from a parallel DuckDB scan in file order with the right line numbers."""
    n = 1_300_000  # about 40 MB: more than one DuckDB CSV buffer, so the scan runs in parallel
    r = np.arange(n)
    k = (250000 + (r * 13) % 5000).astype(str)
    lines = np.char.add(np.char.add("2021,842,156,", k), np.char.add(",", (r + 2).astype(str)))
    lines = np.char.add(lines, ",1")
    lines[1000] = "2021,842,156,250000"  # a short row in the middle shifts later line numbers
    path = tmp_path / "BACI_HS17_Y2021_V202601.csv"
    path.write_text("t,i,j,k,v,q\n" + "\n".join(lines.tolist()) + "\n", encoding="utf-8")
    wanted = [str(250000 + x) for x in range(0, 5000, 170)]
    flows, quarantine, stats = read_baci_release(
        path, REFERENCE_DIR / "baci_country_codes_V202601.csv", tmp_path, hs6=wanted, matcher=matcher
    )
    assert len(flows) == int(np.isin(k, wanted).sum()) - int(k[1000] in wanted)
    assert (flows["value_usd"] / 1000 == flows["source_line"]).all()  # v encodes the physical line
    assert flows["source_line"].is_monotonic_increasing
    assert quarantine["source_line"].tolist() == [1002]
    assert stats["rows_read"] == n


def test_read_baci_release_bad_file_name_and_header(
    tmp_path: Path, old_codes: Path, matcher: CountryMatcher
) -> None:
    renamed = write(tmp_path / "baci_hs17_2022.csv", RELEASE)
    flows, quarantine, _ = read_baci_release(renamed, old_codes, tmp_path, matcher=matcher)
    assert flows.empty and quarantine["source_line"].tolist() == [0]
    bad_header = write(
        tmp_path / "BACI_HS17_Y2022_V202301.csv", "year,exporter,importer,hs6,value,quantity\n"
    )
    flows, quarantine, _ = read_baci_release(bad_header, old_codes, tmp_path, matcher=matcher)
    assert flows.empty and quarantine["reason"].str.startswith("unexpected header").all()


def test_read_baci_country_codes(old_codes: Path, tmp_path: Path, matcher: CountryMatcher) -> None:
    resolved, unresolved = read_baci_country_codes(old_codes, matcher)
    assert resolved == {4: "AFG", 10: "ATA", 156: "CHN", 490: "XAS", 699: "IND", 842: "USA"}
    assert unresolved == {998: "Atlantis"}
    bad = write(tmp_path / "codes.csv", "code,name\n4,Afghanistan\n")
    with pytest.raises(ValueError, match="unrecognised BACI country code header"):
        read_baci_country_codes(bad, matcher)


def test_read_all_reads_releases_with_their_country_codes(
    tmp_path: Path, old_codes: Path, matcher: CountryMatcher
) -> None:
    from pipelines.lib import trade

    folder = tmp_path / "trade" / "baci"
    folder.mkdir(parents=True)
    old_codes.rename(folder / old_codes.name)
    write(
        folder / "BACI_HS17_Y2022_V202301.csv",
        "t,i,j,k,v,q\n2022,842,156,260500,1,2\n2022,842,156,999999,1,2\n",
    )
    assert [(a.name, b.name) for a, b in trade.baci_release_files(folder)] == [
        ("BACI_HS17_Y2022_V202301.csv", "country_codes_V202301.csv")
    ]
    assert "260500" in trade.mineral_hs6_codes()
    frames, quarantined, stats = trade.read_all(tmp_path / "trade", matcher, tmp_path)
    assert quarantined == []
    assert [frame[["source", "hs_code", "source_file"]].values.tolist() for frame in frames] == [
        [["baci", "260500", "trade/baci/BACI_HS17_Y2022_V202301.csv"]]
    ]
    assert stats["baci/BACI_HS17_Y2022_V202301.csv"]["rows_filtered"] == 1


def test_the_release_scan_is_a_join_free_plan(tmp_path: Path) -> None:
    """Line numbers come from row order: the scan must not contain a join (DuckDB reorders the rows of a
    large file through a hash join, which an IN list or list_contains over a constant list becomes)."""
    import duckdb

    from pipelines.lib.baci import _scan_query

    path = write(tmp_path / "BACI_HS22_Y2022_V202601.csv", RELEASE)
    with duckdb.connect() as con:
        plan = con.sql("EXPLAIN " + _scan_query(con, path, ["260500", "810520", "10121"])).fetchall()[0][1]
    operators = {name.upper() for name in re.findall(r"╭─ ([A-Za-z_ ]+?) ─", plan)}
    assert operators and operators <= {"PROJECTION", "READ CSV"} and "JOIN" not in plan.upper(), plan
