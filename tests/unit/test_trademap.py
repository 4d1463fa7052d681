"""Trade Map reader on real-format samples (lines copied from the shipped exports)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from pipelines.lib.countries import CountryMatcher
from pipelines.lib.frames import FLOW_COLUMNS, QUARANTINE_COLUMNS
from pipelines.lib.trademap import MIRROR_VINTAGE, VINTAGE, parse_file_name, read_trademap

FIXTURES = Path(__file__).parents[1] / "fixtures" / "readers"
PREFIX = "Trade_Map_-_List_of_supplying_markets_for_a_product_imported_by_"


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_reference()


@pytest.fixture(scope="module")
def result(matcher: CountryMatcher) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    return read_trademap(FIXTURES / "trademap", matcher, FIXTURES)


def flow(flows: pd.DataFrame, **where: object) -> pd.DataFrame:
    mask = pd.Series(True, index=flows.index)
    for column, value in where.items():
        mask &= flows[column] == value
    return flows[mask]


def test_columns_and_dtypes(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, quarantine, _ = result
    assert list(flows.columns) == FLOW_COLUMNS
    assert list(quarantine.columns) == QUARANTINE_COLUMNS
    assert flows["year"].dtype == "int64" and flows["source_line"].dtype == "int64"
    assert flows["quantity_t"].dtype == "float64" and flows["value_usd"].isna().all()
    assert set(flows["source"]) == {"trademap"}
    assert set(flows["hs_version"]) == {"HS2017"}


def test_bom_file_world_and_partner_rows(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, _, _ = result
    norway = flow(flows, hs_code="810520", importer_iso3="USA", exporter_iso3="NOR", year=2021)
    assert len(norway) == 1
    row = norway.iloc[0]
    assert row.quantity_t == 3149.0
    assert row.reported_by == "importer"
    assert row.source_vintage == VINTAGE
    assert row.source_line == 3
    assert row.source_file == (
        f"trademap/810520 Unwrought cobalt; powders/{PREFIX}United_States_of_America.txt"
    )
    world = flow(flows, hs_code="810520", importer_iso3="USA", exporter_iso3="XWD")
    assert dict(zip(world["year"], world["quantity_t"], strict=True)) == {
        2017: 9940.0,
        2018: 9773.0,
        2019: 12314.0,
        2020: 8414.0,
        2021: 7458.0,
    }
    assert set(world["source_line"]) == {2}


def test_typo_partner_is_quarantined_not_guessed(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, quarantine, _ = result
    typo = quarantine[quarantine["reason"] == "unknown partner name 'Belgiuml'"]
    assert len(typo) == 1
    assert typo.iloc[0].source_line == 5
    assert typo.iloc[0].record == '"Belgiuml"\t31\t474\t947\t76\t136\t'
    assert flow(flows, importer_iso3="NGA", exporter_iso3="BEL").empty
    # the rest of the file (no BOM, years 2018-2022) flows
    nigeria = flow(flows, hs_code="280920", importer_iso3="NGA")
    assert sorted(nigeria["year"].unique()) == [2018, 2019, 2020, 2021, 2022]
    assert flow(nigeria, exporter_iso3="VNM", year=2022)["quantity_t"].tolist() == [83.0]
    assert len(flow(nigeria, exporter_iso3="IND")) == 4  # 2019 is empty


def test_no_quantity_and_missing_unit_text(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, _, stats = result
    finland = flow(flows, hs_code="810530", importer_iso3="FIN")
    world = flow(finland, exporter_iso3="XWD").set_index("year")["quantity_t"]
    assert world[2018] == 319.0 and world[2021] == 0.0
    assert math.isnan(world[2019]) and math.isnan(world[2020])  # "No Quantity"
    assert 2017 not in world.index  # empty cell under a header without unit text
    assert stats["cells_no_quantity"] == 4
    assert stats["cells_without_quantity"] == 4


def test_unit_column_layout_and_mixed_unit(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, quarantine, _ = result
    croatia = flow(flows, hs_code="7502", importer_iso3="HRV")
    assert flow(croatia, exporter_iso3="NLD", year=2020)["quantity_t"].tolist() == [10.0]
    assert flow(croatia, exporter_iso3="NLD", year=2021)["quantity_t"].tolist() == [38.0]
    slovenia = flow(croatia, exporter_iso3="SVN")
    assert sorted(slovenia["year"]) == [2017, 2018, 2019, 2021]
    mixed = quarantine[quarantine["reason"] == "2020 quantity '0' has unit 'Mixed', not tonnes"]
    assert mixed["source_line"].tolist() == [6]
    assert flow(croatia, exporter_iso3="CZE", year=2020).empty  # empty quantity, empty unit


def test_non_numeric_cell_quarantined_rest_of_line_kept(
    result: tuple[pd.DataFrame, pd.DataFrame, dict],
) -> None:
    flows, quarantine, _ = result
    bad = quarantine[quarantine["reason"] == "2017 quantity '2-2' is not a number"]
    assert bad["source_line"].tolist() == [2]
    world = flow(flows, hs_code="282200", importer_iso3="HKG", exporter_iso3="XWD")
    assert sorted(world["year"]) == [2018, 2019, 2020, 2021]


def test_line_without_trailing_tab_is_read(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, _, _ = result
    slovenia = flow(flows, hs_code="810520", exporter_iso3="HKG", importer_iso3="SVN")
    assert slovenia[["year", "quantity_t", "reported_by", "source_line"]].values.tolist() == [
        [2019, 0.0, "exporter", 11]
    ]


def test_value_exports_are_quarantined(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, quarantine, _ = result
    assert flow(flows, hs_code="282540").empty
    assert flow(flows, hs_code="282200", exporter_iso3="HKG").empty
    values = quarantine[quarantine["reason"].str.contains("holds trade values", regex=False)]
    assert len(values) == 2 + 4
    assert set(values.loc[values["source_file"].str.contains("282540"), "source_line"]) == {2, 3}


def test_duplicate_download_is_quarantined(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, quarantine, _ = result
    zimbabwe = flow(flows, hs_code="282690", importer_iso3="ZWE")
    assert set(zimbabwe["source_file"]) == {f"trademap/282690 Lithium Fluorine salts/{PREFIX}Zimbabwe.txt"}
    assert len(flow(zimbabwe, exporter_iso3="ZAF")) == 5
    dup = quarantine[quarantine["source_file"].str.endswith("Zimbabwe (1).txt")]
    assert len(dup) == 4
    assert dup["reason"].str.contains("duplicate export").all()
    assert dup["reason"].str.contains("identical content").all()


def test_mirror_file(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, _, stats = result
    korea = flow(flows, hs_code="260200", importer_iso3="PRK")
    assert set(korea["reported_by"]) == {"exporter"}  # mirror data: partners' declarations
    assert set(korea["source_vintage"]) == {MIRROR_VINTAGE}
    assert flow(korea, exporter_iso3="XWD", year=2018)["quantity_t"].tolist() == [265.0]  # "Total" row
    assert flow(korea, exporter_iso3="CHN", year=2018)["quantity_t"].tolist() == [265.0]
    assert stats["mirror_files"] == 1


def test_stats(result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, quarantine, stats = result
    assert stats["files_read"] == 11
    assert stats["files_quarantined"] == 3
    assert stats["rows_kept"] == len(flows)
    assert stats["rows_quarantined"] == len(quarantine)
    assert sum(stats["quarantine_reasons"].values()) == len(quarantine)
    assert stats["quarantine_reasons"]["unknown partner name"] == 1


def write_export(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" + text).encode("utf-8"))
    return path


def test_numbers_under_header_without_unit_text_are_tonnes(tmp_path: Path, matcher: CountryMatcher) -> None:
    header = (
        "Importers\t2017-Exported quantity, Tons\t2018-Exported quantity, \t2019-Exported quantity, \t"
        "2020-Exported quantity, \t2021-Exported quantity, Tons\t\n"
    )
    write_export(
        tmp_path / "260200 Manganese ores and concentrates",
        "Trade_Map_-_List_of_importing_markets_for_a_product_exported_by_Guatemala.txt",
        header + '"World"\t\t\t1\t\t263\t\n',
    )
    flows, quarantine, stats = read_trademap(tmp_path, matcher)
    assert quarantine.empty
    assert flows[["year", "exporter_iso3", "importer_iso3", "quantity_t"]].values.tolist() == [
        [2019, "GTM", "XWD", 1.0],
        [2021, "GTM", "XWD", 263.0],
    ]
    assert stats["cells_unit_unstated"] == 1
    assert flows["source_file"].tolist()[0].startswith("260200 Manganese ores and concentrates/")


def test_unknown_reporter_and_bad_lines(tmp_path: Path, matcher: CountryMatcher) -> None:
    header = "Exporters\t2020-Imported quantity, Tons\t2021-Imported quantity, Tons\t\n"
    write_export(tmp_path / "260500 Cobalt ores", PREFIX + "Atlantis.txt", header + '"World"\t1\t2\t\n')
    write_export(
        tmp_path / "260500 Cobalt ores",
        PREFIX + "Congo__Democratic_Republic_of_the.txt",
        header + '"World"\t1\t2\t\n"Zambia"\t1\t2\t3\t4\n"China"\t-5\t2\t\n"Chile"\n',
    )
    flows, quarantine, stats = read_trademap(tmp_path, matcher)
    found = [
        (Path(name).stem.removeprefix(PREFIX), line, reason)
        for name, line, reason in quarantine[["source_file", "source_line", "reason"]].values.tolist()
    ]
    congo = "Congo__Democratic_Republic_of_the"
    assert found == [
        ("Atlantis", 2, "unknown reporter 'Atlantis' in file name"),
        (congo, 3, "line has 5 TAB-separated fields, header has 4"),
        (congo, 4, "2020 quantity '-5' is negative"),
        (congo, 5, "line has 1 TAB-separated fields, header has 4"),
    ]
    assert flows[["exporter_iso3", "importer_iso3", "year", "quantity_t"]].values.tolist() == [
        ["XWD", "COD", 2020, 1.0],
        ["XWD", "COD", 2021, 2.0],
        ["CHN", "COD", 2021, 2.0],
    ]
    assert stats["files_quarantined"] == 1


def test_unusable_header(tmp_path: Path, matcher: CountryMatcher) -> None:
    write_export(
        tmp_path / "260500 Cobalt ores",
        PREFIX + "Chile.txt",
        'Importers\t2021-Imported quantity, Tons\t\n"World"\t1\t\n',
    )
    write_export(tmp_path / "not an hs folder", PREFIX + "Chile.txt", "whatever\n")
    flows, quarantine, _ = read_trademap(tmp_path, matcher)
    assert flows.empty
    assert sorted(quarantine["reason"]) == [
        "unrecognised Trade Map file name or HS folder",
        "unusable header: first header column is 'Importers', expected 'Exporters' for an imported file",
    ]


@pytest.mark.parametrize(
    ("folder", "name", "expected"),
    [
        (
            "2510 Phosphate, Ground or Unground",
            PREFIX + "Côte_d'Ivoire.txt",
            ("2510", "imported", "Côte d'Ivoire", False, False),
        ),
        (
            "260400 Nickel ores",
            PREFIX + "Macedonia__North (1).txt",
            ("260400", "imported", "Macedonia, North", False, True),
        ),
        (
            "260200 Manganese",
            PREFIX + "Korea__Democratic_People's_Republic_of_(Mirror).txt",
            ("260200", "imported", "Korea, Democratic People's Republic of", True, False),
        ),
        (
            "282690 Lithium Fluorine salts",
            PREFIX + "Korea__Democratic_People's_Republic_of_.txt",
            ("282690", "imported", "Korea, Democratic People's Republic of", False, False),
        ),
        (
            "810520 Unwrought cobalt; powders",
            "Trade_Map_-_List_of_importing_markets_for_a_product_exported_by_Congo__Democratic_Republic_of_the.txt",
            ("810520", "exported", "Congo, Democratic Republic of the", False, False),
        ),
    ],
)
def test_parse_file_name(folder: str, name: str, expected: tuple) -> None:
    described = parse_file_name(Path(folder) / name)
    assert described is not None
    assert (
        described.hs_code,
        described.flow,
        described.reporter_name,
        described.mirror,
        described.copy,
    ) == expected


@pytest.mark.parametrize(
    "path",
    [
        "LICENSE_cheng2024_MIT.txt",
        "Cobalt/" + PREFIX + "Chile.txt",
        "260500 Cobalt ores/notes.txt",
        "12345 x/" + PREFIX + "Chile.txt",
    ],
)
def test_parse_file_name_rejects(path: str) -> None:
    assert parse_file_name(Path(path)) is None
