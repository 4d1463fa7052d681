"""The readers over the full shipped inputs in data/inputs (skipped when they are absent)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from pipelines.lib import trade
from pipelines.lib.countries import CountryMatcher
from pipelines.lib.frames import FLOW_COLUMNS
from pipelines.lib.settings import REPO_ROOT
from pipelines.lib.trademap import parse_file_name, trademap_files
from pipelines.lib.usgs import read_usgs_mcs

INPUTS = REPO_ROOT / "data" / "inputs"
TRADE = INPUTS / "trade"
USGS = INPUTS / "production" / "usgs_mcs2026_commodities_data.csv"

pytestmark = pytest.mark.skipif(not (TRADE / "trademap").is_dir(), reason="shipped inputs not present")


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_reference()


@pytest.fixture(scope="module")
def trade_result(matcher: CountryMatcher) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    frames, quarantined, stats = trade.read_all(TRADE, matcher, INPUTS)
    flows = pd.concat(frames, ignore_index=True)
    quarantine = pd.concat(quarantined, ignore_index=True) if quarantined else trade.empty_quarantine()
    return flows, quarantine, stats


def test_every_trademap_name_resolves_except_the_typo(matcher: CountryMatcher) -> None:
    partners: set[str] = set()
    reporters: set[str] = set()
    for path in trademap_files(TRADE / "trademap"):
        described = parse_file_name(path)
        assert described is not None, path
        reporters.add(described.reporter_name)
        for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]:
            if line.strip():
                partners.add(line.split("\t")[0].strip().strip('"'))
    assert len(partners) > 200
    unresolved = sorted(name for name in partners | reporters if matcher.match(name) is None)
    assert unresolved == ["Belgiuml"]


def test_every_usgs_world_country_resolves(matcher: CountryMatcher) -> None:
    with USGS.open(encoding="cp1252", newline="") as handle:
        names = {row["Country"] for row in csv.DictReader(handle) if row["Section"].startswith("World")}
    assert {name for name in names if matcher.match(name) is None} == set()


def test_trade_sources(trade_result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, quarantine, stats = trade_result
    assert list(flows.columns) == FLOW_COLUMNS
    assert set(flows["source"]) == {"trademap", "baci_extract", "comtrade"}
    assert flows["exporter_iso3"].notna().all() and flows["importer_iso3"].notna().all()
    assert not flows.duplicated(
        ["source_file", "source_line", "year", "exporter_iso3", "importer_iso3"]
    ).any()
    assert stats["trademap"]["rows_quarantined"] == (quarantine["source"] == "trademap").sum()
    assert stats["baci_extract"]["rows_quarantined"] == 0
    assert stats["comtrade"]["rows_quarantined"] == 0


def test_trademap_us_cobalt_imports_from_norway(
    trade_result: tuple[pd.DataFrame, pd.DataFrame, dict],
) -> None:
    flows, quarantine, _ = trade_result
    rows = flows[
        (flows["source"] == "trademap")
        & (flows["hs_code"] == "810520")
        & (flows["importer_iso3"] == "USA")
        & (flows["exporter_iso3"] == "NOR")
        & (flows["year"] == 2021)
    ]
    assert rows["quantity_t"].tolist() == [3149.0]
    typo = quarantine[quarantine["reason"].str.contains("Belgiuml", regex=False)]
    assert typo["source_file"].tolist() == [
        "trade/trademap/280920 Phosphoric Acid/"
        "Trade_Map_-_List_of_supplying_markets_for_a_product_imported_by_Nigeria.txt"
    ]
    assert set(flows.loc[flows["source"] == "trademap", "hs_code"].str.len()) == {4, 6}


def test_comtrade_china_rare_earth_imports_from_myanmar(
    trade_result: tuple[pd.DataFrame, pd.DataFrame, dict],
) -> None:
    flows, _, _ = trade_result
    comtrade = flows[(flows["source"] == "comtrade") & flows["source_file"].str.contains("china_imports_2846")]
    assert sorted(comtrade["year"].unique()) == list(range(1993, 2025))
    myanmar = comtrade[(comtrade["year"] == 2024) & (comtrade["exporter_iso3"] == "MMR")]
    assert len(myanmar) == 1
    row = myanmar.iloc[0]
    assert (row.importer_iso3, row.hs_code, row.hs_version) == ("CHN", "2846", "HS2022")
    assert row.value_usd > 0 and row.quantity_t > 0
    world = comtrade[(comtrade["year"] == 2024) & (comtrade["exporter_iso3"] == "XWD")]
    partners = comtrade[(comtrade["year"] == 2024) & (comtrade["exporter_iso3"] != "XWD")]
    assert partners["value_usd"].sum() == pytest.approx(world["value_usd"].iloc[0], abs=1.0)


def test_baci_extract_aggregates_mapped(trade_result: tuple[pd.DataFrame, pd.DataFrame, dict]) -> None:
    flows, _, stats = trade_result
    baci = flows[flows["source"] == "baci_extract"]
    assert set(baci["year"]) == {2022, 2024}
    assert "S19" not in set(baci["exporter_iso3"]) | set(baci["importer_iso3"])
    assert (baci["exporter_iso3"] == "XAS").any()
    assert stats["baci_extract"]["rows_kept"] == stats["baci_extract"]["rows_read"]


def test_usgs_cobalt_drc_2024(matcher: CountryMatcher) -> None:
    rows, quarantine, stats = read_usgs_mcs(USGS, matcher, INPUTS)
    assert quarantine.empty and stats["rows_kept"] == stats["rows_world"] + stats["rows_net_import_reliance"]
    assert stats["rows_net_import_reliance"] == 527  # the United States' net import reliance rows
    cobalt = rows[
        (rows["commodity"] == "Cobalt")
        & (rows["iso3"] == "COD")
        & (rows["year"] == 2024)
        & (rows["statistic"] == "production")
    ]
    assert cobalt["value_t"].tolist() == [226000.0]
    assert cobalt["statistics_detail"].tolist() == ["Mine production"]
    assert set(rows.loc[rows["country_name"] == "World total", "iso3"]) == {"XWD"}
    assert set(rows.loc[rows["country_name"] == "Other countries", "iso3"]) == {"XOT"}
    assert rows["source_file"].eq("production/usgs_mcs2026_commodities_data.csv").all()
    copper = rows[(rows["statistic"] == "net import reliance") & (rows["commodity"] == "Copper")]
    assert copper.set_index("year")["value"].to_dict() == {2021: 44.0, 2022: 41.0, 2023: 42.0, 2024: 45.0, 2025: 57.0}
    assert set(copper["mineral"]) == {"copper"} and set(copper["stage"]) == {"processing"}


def test_empty_trade_folder(tmp_path: Path, matcher: CountryMatcher) -> None:
    frames, quarantined, stats = trade.read_all(tmp_path, matcher)
    assert frames == [] and quarantined == [] and stats == {"files_read": []}
    assert list(trade.empty_flows().columns) == FLOW_COLUMNS
