"""USGS MCS data release reader on real lines (Windows-1252 bytes kept as in the release)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from pipelines.lib.countries import CountryMatcher
from pipelines.lib.frames import QUARANTINE_COLUMNS
from pipelines.lib.settings import REFERENCE_DIR
from pipelines.lib.usgs import (
    USGS_COLUMNS,
    CommodityMap,
    parse_value,
    read_usgs_mcs,
    read_usgs_world_table,
    tonnes_factor,
    world_table_files,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "readers"
SAMPLE = FIXTURES / "usgs_mcs2026_sample.csv"
HEADER = (
    "MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,Notes,"
    "Is critical mineral 2025,Other notes\r\n"
)


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_reference()


@pytest.fixture(scope="module")
def result(matcher: CountryMatcher) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    return read_usgs_mcs(SAMPLE, matcher, FIXTURES)


def one(rows: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=rows.index)
    for column, value in where.items():
        mask &= rows[column] == value
    assert mask.sum() == 1, f"{mask.sum()} rows match {where}"
    return rows[mask].iloc[0]


def test_fixture_is_windows_1252() -> None:
    raw = SAMPLE.read_bytes()
    assert b"C\xf4te d\x92Ivoire" in raw  # ô and the curly apostrophe in cp1252
    assert b",\x97," in raw  # em dash marker
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_columns_and_world_sections_only(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    rows, quarantine, stats = result
    assert list(rows.columns) == USGS_COLUMNS
    assert list(quarantine.columns) == QUARANTINE_COLUMNS and quarantine.empty
    assert rows["section"].str.startswith("World").all()
    assert stats["rows_read"] == 13 and stats["rows_world"] == 12 and stats["rows_kept"] == 12
    assert set(rows["edition"]) == {"MCS 2026"}
    assert rows["year"].dtype == "int64" and rows["is_estimate"].dtype == "bool"


def test_cobalt_drc_2024(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    rows, _, _ = result
    row = one(rows, commodity="Cobalt", iso3="COD", year=2024)
    assert row.country_name == "Congo (Kinshasa)"
    assert row.statistic == "production" and row.statistics_detail == "Mine production"
    assert (row.mineral, row.stage) == ("cobalt", "mining")
    assert row.unit == "metric tons" and row.to_tonnes == 1.0
    assert row.value_raw == "226,000" and row.value == 226000.0 and row.value_t == 226000.0
    assert pd.isna(row.value_flag)
    assert bool(row.is_estimate) and row.notes == "Estimated."
    assert row.chapter == "COBALT" and row.section == "World Mine Production and Reserves"
    assert row.source_file == "usgs_mcs2026_sample.csv" and row.source_line == 2


def test_aggregate_rows(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    rows, _, _ = result
    world = one(rows, commodity="Cobalt", country_name="World total")
    assert (
        world.iso3 == "XWD"
        and world.value == 302000.0
        and world.statistics_detail == "Mine production: rounded"
    )
    other = one(rows, commodity="Cobalt", country_name="Other countries")
    assert other.iso3 == "XOT" and other.value == 7780.0


def test_markers(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    rows, _, stats = result
    withheld = one(rows, commodity="Antimony", iso3="USA")
    assert withheld.value_flag == "W" and math.isnan(withheld.value) and math.isnan(withheld.value_t)
    assert not withheld.is_estimate
    missing = one(rows, commodity="Antimony", iso3="GTM")
    assert missing.value_flag == "NA" and missing.value_raw == "NA" and missing.statistic == "reserves"
    zero = one(rows, commodity="Abrasives (Manufactured)", iso3="MEX")
    assert zero.value_flag == "ZERO" and zero.value == 0.0 and zero.value_raw == "\u2014"
    assert zero.statistic == "capacity" and pd.isna(zero.mineral) and pd.isna(zero.stage)
    bound = one(rows, commodity="Antimony", iso3="XWD")
    assert bound.value_flag == "BOUND" and bound.value_raw == ">2,000,000" and math.isnan(bound.value)
    span = one(rows, commodity="Iron And Steel Slag")
    assert span.value_flag == "RANGE" and span.value_raw == "330 - 390" and span.to_tonnes == 1e6
    text = one(rows, commodity="Bromine")
    assert text.value_flag == "TEXT" and text.value_raw == "Large"
    assert stats["value_flags"] == {
        "BOUND": 1,
        "NA": 1,
        "NUMBER": 6,
        "RANGE": 1,
        "TEXT": 1,
        "W": 1,
        "ZERO": 1,
    }


def test_units_and_commodity_map(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    rows, _, _ = result
    bauxite = one(rows, commodity="Bauxite", iso3="GIN")
    assert (bauxite.mineral, bauxite.stage) == ("aluminum", "mining")
    assert bauxite.unit == "thousand metric dry tons" and bauxite.value_t == 142_000_000.0
    gallium = one(rows, commodity="Gallium", iso3="CHN")
    assert (gallium.mineral, gallium.stage) == ("gallium", "processing")
    assert gallium.value == 839000.0 and gallium.value_t == pytest.approx(839.0)  # kilograms
    ivory = one(rows, commodity="Manganese")
    assert ivory.iso3 == "CIV" and ivory.country_name == "C\u00f4te d\u2019Ivoire"
    assert ivory.value_t == 340_000.0


def write_release(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "usgs_mcs2026_commodities_data.csv"
    path.write_bytes((HEADER + body).encode("cp1252"))
    return path


def test_quarantine_and_multiline_records(tmp_path: Path, matcher: CountryMatcher) -> None:
    world = "TIN,World Mine Production and Reserves,Tin,"
    mine = "Production,Mine production,metric tons"
    lines = [
        world + f'Burma,{mine},2024,"30,000","Estimated. -- Includes\r\nWa State.",Yes,',  # lines 2-3
        world + f"Atlantis,{mine},2024,5,,Yes,",
        world + f"Laos,{mine},2024e,5,,Yes,",
        world + "Laos,Shipments,Mine production,metric tons,2024,5,,Yes,",
        world + f"Laos,{mine},2024,5,,Yes",  # one field short
        "TIN,Salient Statistics\u2014United States,Tin,Atlantis,Production,Mine,metric tons,2024,5,,Yes,",
        world + f'"Korea, North",{mine},2025,<1,,Yes,',
    ]
    body = "".join(line + "\r\n" for line in lines)
    rows, quarantine, stats = read_usgs_mcs(write_release(tmp_path, body), matcher, tmp_path)
    burma = one(rows, iso3="MMR")
    assert (
        burma.source_line == 2 and burma.notes == "Estimated. -- Includes\r\nWa State." and burma.is_estimate
    )
    assert burma.value == 30000.0 and (burma.mineral, burma.stage) == ("tin", "mining")
    assert one(rows, iso3="PRK").source_line == 9  # the line numbers count the embedded line break
    assert one(rows, iso3="PRK").value_flag == "BOUND"
    assert quarantine[["source_line", "reason"]].values.tolist() == [
        [4, "unknown country name 'Atlantis'"],
        [5, "year '2024e' is not an integer"],
        [6, "statistic 'Shipments' is not production, reserves or capacity"],
        [7, "row has 11 fields, header has 12"],
    ]
    assert quarantine["record"].iloc[0].startswith("TIN,World Mine Production and Reserves,Tin,Atlantis,")
    assert stats["rows_quarantined"] == 4 and stats["rows_kept"] == 2


def test_unexpected_header(tmp_path: Path, matcher: CountryMatcher) -> None:
    path = tmp_path / "usgs.csv"
    path.write_bytes(b"Commodity,Country,Value\r\nTin,Burma,5\r\n")
    rows, quarantine, _ = read_usgs_mcs(path, matcher, tmp_path)
    assert rows.empty and quarantine["source_line"].tolist() == [1]


@pytest.mark.parametrize(
    ("text", "value", "flag"),
    [
        ("226,000", 226000.0, None),
        ("6,000,000", 6e6, None),
        ("0.5", 0.5, None),
        ("34000", 34000.0, None),
        ("W", math.nan, "W"),
        ("NA", math.nan, "NA"),
        ("", math.nan, "NA"),
        ("\u2014", 0.0, "ZERO"),
        (">50", math.nan, "BOUND"),
        ("<1", math.nan, "BOUND"),
        ("<200,000", math.nan, "BOUND"),
        ("330 - 390", math.nan, "RANGE"),
        ("10,000 - 15,000", math.nan, "RANGE"),
        ("Large", math.nan, "TEXT"),
        ("XX", math.nan, "TEXT"),
        ("s", math.nan, "TEXT"),
        ("22,00", math.nan, "TEXT"),
    ],
)
def test_parse_value(text: str, value: float, flag: str | None) -> None:
    parsed, parsed_flag = parse_value(text)
    assert parsed_flag == flag
    assert (math.isnan(parsed) and math.isnan(value)) or parsed == value


@pytest.mark.parametrize(
    ("unit", "factor"),
    [
        ("metric tons", 1.0),
        ("thousand metric tons", 1e3),
        ("kilograms", 1e-3),
        ("thousand metric dry tons", 1e3),
        ("million metric tons", 1e6),
        ("tons", 1.0),
        (" thousands of carats", None),
        ("million carats", None),
        ("million cubic meters", None),
        ("million liters", None),
    ],
)
def test_tonnes_factor(unit: str, factor: float | None) -> None:
    assert tonnes_factor(unit) == factor


def test_commodity_map_prefixes() -> None:
    commodities = CommodityMap.from_csv()
    assert commodities.lookup("Copper", "Mine production: rounded") == ("copper", "mining")
    assert commodities.lookup("Copper", "Refinery production") == ("copper", "processing")
    assert commodities.lookup("Copper", "Reserves") == ("copper", "mining")
    assert commodities.lookup("Alumina", "Alumina, refinery production") == ("aluminum", "processing")
    assert commodities.lookup("Titanium Sponge Metal", "Titanium sponge metal production") == (
        "titanium",
        "processing",
    )
    assert commodities.lookup("Graphite (Natural)", "Mine production") == ("graphite", "mining")
    assert commodities.lookup("Scandium", "Australia\u2019s reserves (accessible)") == ("scandium", "mining")
    assert commodities.lookup("Gold", "Mine production") == (None, None)


def test_commodity_map_minerals_use_project_names() -> None:
    def column(path: Path, name: str) -> set[str]:
        with path.open(encoding="utf-8", newline="") as handle:
            return {row[name] for row in csv.DictReader(handle)}

    minerals = column(REFERENCE_DIR / "usgs_commodity_map.csv", "mineral")
    known = column(REFERENCE_DIR / "hs_mineral_map.csv", "mineral") | column(
        REFERENCE_DIR / "critical_mineral_lists.csv", "mineral"
    )
    assert minerals <= known
    assert all(mineral == mineral.lower() for mineral in minerals)
    required = {
        "lithium",
        "cobalt",
        "nickel",
        "manganese",
        "graphite",
        "rare earths",
        "gallium",
        "germanium",
        "antimony",
        "tungsten",
        "copper",
        "platinum group metals",
        "tin",
        "tantalum",
        "niobium",
        "vanadium",
        "titanium",
        "aluminum",
        "silicon",
        "zinc",
        "tellurium",
        "indium",
        "bismuth",
        "magnesium",
        "beryllium",
        "chromium",
        "fluorspar",
        "barite",
        "phosphate",
        "potash",
        "zirconium",
        "hafnium",
        "silver",
    }
    assert required <= minerals


# --- net import reliance rows of the United States' salient statistics ---


def test_us_net_import_reliance_rows_are_read(matcher: CountryMatcher, tmp_path: Path) -> None:
    rows = [
        "COPPER,Salient Statistics\u2014United States,Copper,United States,Net import reliance,"
        "Net import reliance as a percentage of apparent consumption,percent,2021,44,,Yes,",
        "LITHIUM,Salient Statistics\u2014United States,Lithium,United States,Net import reliance,"
        "Net import reliance as a percentage of apparent consumption,percent,2023,>50,,Yes,",
        "BARITE,Salient Statistics\u2014United States,Barite,United States,Net import reliance,"
        "Net import reliance as a percentage of apparent consumption,percent,2025,E,,Yes,",
        "COPPER,Salient Statistics\u2014United States,Copper,United States,Production,Mine production,"
        "thousand metric tons,2021,\"1,230\",,Yes,",
    ]
    path = tmp_path / "MCS2026_Commodities_Data.csv"
    path.write_bytes((HEADER + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    found, quarantine, stats = read_usgs_mcs(path, matcher, tmp_path)
    assert quarantine.empty and stats["rows_net_import_reliance"] == 3
    assert set(found["statistic"]) == {"net import reliance"}  # other US salient rows are not read
    copper = one(found, commodity="Copper")
    assert (copper.mineral, copper.stage, copper.iso3, copper.year, copper.value) == (
        "copper", "processing", "USA", 2021, 44.0)
    assert math.isnan(copper.value_t)  # a percentage has no tonnage
    lithium = one(found, commodity="Lithium")
    assert (lithium.value_raw, lithium.value_flag) == (">50", "BOUND") and math.isnan(lithium.value)
    barite = one(found, commodity="Barite")
    assert (barite.value_raw, barite.value_flag) == ("E", "TEXT")  # E: net exporter


# --- world tables of earlier editions (real files of MCS 2023 and MCS 2024) ---
WORLD = FIXTURES / "usgs_world"


def test_world_table_files_are_found_by_name(tmp_path: Path) -> None:
    assert [p.name for p in world_table_files(WORLD)] == ["mcs2023-coppe_world.csv", "mcs2024-nicke_world.csv"]


def test_world_table_production_years_estimates_and_reserves(matcher: CountryMatcher) -> None:
    rows, quarantine, stats = read_usgs_world_table(WORLD / "mcs2023-coppe_world.csv", matcher, FIXTURES)
    assert list(rows.columns) == USGS_COLUMNS and quarantine.empty
    chile_mine = rows[(rows.iso3 == "CHL") & (rows.stage == "mining") & (rows.statistic == "production")]
    assert chile_mine.set_index("year")["value_t"].to_dict() == {2021: 5_620_000.0, 2022: 5_200_000.0}
    assert chile_mine.set_index("year")["is_estimate"].to_dict() == {2021: False, 2022: True}
    assert set(chile_mine["edition"]) == {"MCS 2023"}
    assert set(chile_mine["statistics_detail"]) == {"Mine production, recoverable copper content"}
    refinery = one(rows, iso3="CHL", stage="processing", year=2021)
    assert (refinery.mineral, refinery.value_t, refinery.source_line) == ("copper", 2_270_000.0, 23)
    # reserves are stated as of the year before the edition, once per country (the refinery row's
    # "XX", not applicable, is not a second figure)
    chile_reserves = rows[(rows.iso3 == "CHL") & (rows.statistic == "reserves")]
    assert chile_reserves[["year", "value_t", "stage"]].values.tolist() == [[2022, 190_000_000.0, "mining"]]
    assert one(rows, iso3="XWD", statistic="production", year=2021, stage="mining").value_t == 21_200_000.0
    assert one(rows, iso3="XOT", statistic="production", year=2021, stage="processing").value_t == 3_170_000.0


def test_world_table_footnotes_padding_and_bounds(matcher: CountryMatcher) -> None:
    rows, quarantine, stats = read_usgs_world_table(WORLD / "mcs2024-nicke_world.csv", matcher, FIXTURES)
    assert quarantine.empty
    caledonia = one(rows, iso3="NCL", statistic="production", year=2022)  # "New Caledonia9": footnote 9
    assert caledonia.value_t == 200_000.0 and caledonia.unit == "metric tons"
    other = one(rows, iso3="XOT", statistic="reserves")
    assert other.value_raw.strip() == ">9,100,000" and other.value_flag == "BOUND" and math.isnan(other.value_t)
    assert stats["value_flags"]["BOUND"] == 2


def test_world_table_problems_are_quarantined(matcher: CountryMatcher, tmp_path: Path) -> None:
    lines = (WORLD / "mcs2023-coppe_world.csv").read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].replace("Australia", "Atlantis")
    lines[3] = lines[3].replace(",550,", ",1e309,")
    lines[4] = lines[4] + ",surplus"
    path = tmp_path / "mcs2023-coppe_world.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, quarantine, _ = read_usgs_world_table(path, matcher, tmp_path)
    reasons = dict(zip(quarantine["source_line"], quarantine["reason"], strict=True))
    assert reasons[3] == "unknown country name 'Atlantis'"
    assert reasons[4] == "Prod_kt_2021: value '1e309' is not a finite number"
    assert reasons[5] == "row has cells beyond the header's 8 columns"
    assert not rows["iso3"].isin(["CHL"]).any() or 5 not in rows["source_line"].tolist()
    unknown = tmp_path / "mcs2023-zzzzz_world.csv"
    unknown.write_text(lines[0] + "\n", encoding="utf-8")
    _, quarantine, _ = read_usgs_world_table(unknown, matcher, tmp_path)
    assert "no commodity for world-table slug 'zzzzz'" in quarantine.iloc[0]["reason"]
