"""Cross-source checks on small hand-made tables: each passes on consistent figures and fails on the
inconsistency it is there to catch."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from pipelines.lib import crosscheck
from pipelines.lib.crosscheck import Limits

TRADE_COLUMNS = "source, reported_by, year, hs_code, exporter_iso3, importer_iso3, value_usd, quantity_t"
USGS_COLUMNS = "edition, commodity, section, statistic, statistics_detail, unit, year, iso3, value"


def _warehouse(trade=(), usgs=()) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.trade_flows (source varchar, reported_by varchar, year bigint, hs_code varchar, "
                "exporter_iso3 varchar, importer_iso3 varchar, value_usd double, quantity_t double)")
    con.execute("create table raw.usgs_production (edition varchar, commodity varchar, section varchar, "
                "statistic varchar, statistics_detail varchar, unit varchar, year bigint, iso3 varchar, value double)")
    if trade:
        con.executemany(f"insert into raw.trade_flows ({TRADE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)", list(trade))
    if usgs:
        con.executemany(f"insert into raw.usgs_production ({USGS_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        list(usgs))
    return con


def _mirror(year, hs, exporter, importer, by_importer, by_exporter, basis="quantity_t", source="trademap"):
    """The two reports of one flow (None: that side did not report)."""
    rows = []
    for side, amount in (("importer", by_importer), ("exporter", by_exporter)):
        if amount is not None:
            value, quantity = (amount, None) if basis == "value_usd" else (None, amount)
            rows.append((source, side, year, hs, exporter, importer, value, quantity))
    return rows


MIRROR = Limits(tolerance=0.25, warn_share=0.25, max_share=0.5)


# --- mirror flows ----------------------------------------------------------------------------------

def test_mirror_flows_within_the_tolerance_pass():
    con = _warehouse([*_mirror(2021, "810520", "NOR", "USA", 3149, 3000),
                      *_mirror(2021, "810520", "CAN", "USA", 1000, 1100),
                      *_mirror(2021, "810520", "CAN", "JPN", 50, None),            # one side only: not compared
                      ("trademap", "importer", 2021, "810520", "USA", "USA", None, 9.0),  # re-import
                      ("baci_extract", "reconciled", 2021, "810520", "NOR", "USA", 5.0, None)])
    result = crosscheck.mirror_flows(con, MIRROR)
    assert (result.compared, result.outside, result.verdict) == (2, 0, "pass")
    assert result.share_outside == 0 and result.sample().empty
    assert result.by_basis["quantity_t"]["compared"] == 2
    row = result.rows.set_index("exporter_iso3").loc["CAN"]
    assert row["relative_difference"] == pytest.approx(100 / 1100)


def test_a_large_share_of_mirrored_volume_outside_the_tolerance_blocks():
    # a file read in kilograms instead of tonnes: the exporter's figures are 1000 times too large
    con = _warehouse([*_mirror(2021, "810520", "NOR", "USA", 3149, 3_149_000),
                      *_mirror(2021, "810520", "CAN", "USA", 1000, 1000)])
    result = crosscheck.mirror_flows(con, MIRROR)
    assert (result.compared, result.outside, result.verdict) == (2, 1, "error")
    assert result.share_outside == pytest.approx(3_149_000 / (3_149_000 + 1000))
    assert result.sample().iloc[0][["exporter_iso3", "importer_iso3", "exporter_reported"]].tolist() == [
        "NOR", "USA", 3_149_000]
    assert "1 of 2 compared (50.0%) outside ±25%" in result.describe()
    # by default mirror flows warn and never block: sources disagree for reasons of their own
    default = crosscheck.mirror_flows(con, crosscheck.limits("MIRROR", env={}))
    assert default.verdict == "warn" and "never block" in default.describe()


def test_small_flows_outside_the_tolerance_only_warn_and_the_worst_basis_counts():
    con = _warehouse([*_mirror(2021, "282200", "COD", "CHN", 10_000, 9_900),
                      *_mirror(2021, "282200", "ZMB", "CHN", 900, 4_000),                    # 4,000 of 14,000 off
                      *_mirror(2021, "282200", "COD", "CHN", 5e6, 5.1e6, basis="value_usd")])  # values agree
    result = crosscheck.mirror_flows(con, MIRROR)
    assert result.verdict == "warn" and result.outside == 1 and result.compared == 3
    assert result.by_basis["value_usd"]["volume_share_outside"] == 0
    assert result.share_outside == pytest.approx(4_000 / 14_000)
    assert crosscheck.mirror_flows(con, Limits(0.25, 0.2, 0.25)).verdict == "error"
    assert crosscheck.mirror_flows(con, Limits(0.8, 0.0, 0.5)).verdict == "pass"   # within a factor of five


def test_mirror_flows_are_compared_for_the_years_asked_only():
    con = _warehouse([*_mirror(2020, "810520", "NOR", "USA", 1, 1000), *_mirror(2021, "810520", "NOR", "USA", 10, 10)])
    assert crosscheck.mirror_flows(con, MIRROR, years=(2021, 2021)).verdict == "pass"
    assert crosscheck.mirror_flows(con, MIRROR).verdict == "error"


def test_values_in_the_data_never_reach_the_sql_text():
    hostile = "USA'); drop table raw.trade_flows; --"
    con = _warehouse([*_mirror(2021, "810520", hostile, "CHN", 10, 10)])
    assert crosscheck.mirror_flows(con, MIRROR).compared == 1
    assert con.execute("select count(*) from raw.trade_flows").fetchone()[0] == 2


# --- world control totals --------------------------------------------------------------------------

def _reported(reporter, partner, value, flow="M", year=2024, hs="2846", source="comtrade", quantity=None):
    exporter, importer = (partner, reporter) if flow == "M" else (reporter, partner)
    return (source, "importer" if flow == "M" else "exporter", year, hs, exporter, importer, value, quantity)


def test_world_totals_equal_to_the_partner_rows_pass():
    con = _warehouse([
        _reported("CHN", "XWD", 300.0, quantity=30.0), _reported("CHN", "MMR", 150.0, quantity=15.0),
        _reported("CHN", "LAO", 50.0, quantity=5.0),
        _reported("CHN", "XAS", 100.0, quantity=10.0),            # "Other Asia, nes" is a partner too
        *[_reported("USA", partner, value, flow="X") for partner, value in (("XWD", 50.0), ("CAN", 30.0),
                                                                             ("MEX", 10.0), ("JPN", 9.8))],  # 1% off
        _reported("USA", "XWD", 999.0, source="trademap"),        # not a like-for-like control total
    ])
    result = crosscheck.world_totals(con, crosscheck.DEFAULT_LIMITS["WORLD_TOTAL"])
    assert (result.compared, result.outside, result.verdict) == (3, 0, "pass")
    by_group = result.rows.set_index(["reporter_iso3", "reported_by", "basis"])
    assert by_group.loc[("CHN", "importer", "value_usd"), ["world_total", "partner_sum", "partner_rows"]].tolist() == [
        300.0, 300.0, 3]
    assert by_group.loc[("USA", "exporter", "value_usd"), "partner_sum"] == pytest.approx(49.8)


def _full(reporter, world, partners, **kwargs):
    return [_reported(reporter, "XWD", world, **kwargs),
            *[_reported(reporter, partner, value, **kwargs) for partner, value in partners.items()]]


def test_partner_rows_missing_from_or_added_to_a_world_total_fail():
    con = _warehouse([
        *_full("CHN", 300.0, {"MMR": 100.0, "LAO": 50.0, "VNM": 50.0}),                 # 100 lost
        *_full("CHN", 80.0, {"MMR": 40.0, "LAO": 40.0, "VNM": 40.0}, hs="2805"),        # one counted twice
        *_full("CHN", 30.0, {"MMR": 10.0, "LAO": 10.0, "VNM": 10.0}, year=2023),
    ])
    result = crosscheck.world_totals(con, crosscheck.DEFAULT_LIMITS["WORLD_TOTAL"])
    assert (result.compared, result.outside, result.verdict) == (3, 2, "error")
    assert set(result.sample()["hs_code"]) == {"2846", "2805"}
    assert crosscheck.world_totals(con, crosscheck.DEFAULT_LIMITS["WORLD_TOTAL"], years=(2023, 2023)).verdict == "pass"
    # one group of many outside only warns
    many = [row for year in range(2001, 2041) for row in _full("CHN", 30.0, {"MMR": 10.0, "LAO": 10.0, "VNM": 10.0},
                                                                 year=year)]
    con = _warehouse([*many, *_full("CHN", 300.0, {"MMR": 100.0, "LAO": 50.0, "VNM": 50.0})])
    assert crosscheck.world_totals(con, crosscheck.DEFAULT_LIMITS["WORLD_TOTAL"]).verdict == "warn"


def test_a_download_of_named_partners_is_compared_one_way():
    # partners World and China only: the World row is an upper bound of the China row, never its sum
    con = _warehouse([_reported("USA", "XWD", 1000.0, hs="7403"), _reported("USA", "CHN", 20.0, hs="7403"),
                      _reported("USA", "XWD", 80.0, hs="2805")])
    result = crosscheck.world_totals(con, crosscheck.DEFAULT_LIMITS["WORLD_TOTAL"])
    assert (result.compared, result.outside, result.verdict) == (2, 0, "pass")
    assert result.counts == {"partial_breakdowns_compared_one_way": 2}
    con = _warehouse([_reported("USA", "XWD", 1000.0, hs="7403"), _reported("USA", "CHN", 2000.0, hs="7403")])
    assert crosscheck.world_totals(con, crosscheck.DEFAULT_LIMITS["WORLD_TOTAL"]).verdict == "error"


# --- USGS world totals -----------------------------------------------------------------------------

def _usgs(country_values, world, commodity="Cobalt", detail="Mine production", year=2024, unit="metric tons",
          statistic="production"):
    section = "World Mine Production and Reserves"
    rows = [("MCS 2026", commodity, section, statistic, detail, unit, year, iso3, value)
            for iso3, value in country_values]
    rows.append(("MCS 2026", commodity, section, statistic, f"{detail}: rounded", unit, year, "XWD", world))
    return rows


def test_usgs_world_totals_within_rounding_pass():
    con = _warehouse(usgs=[
        *_usgs([("COD", 226_000), ("IDN", 35_000), ("RUS", 8_000), ("XOT", 33_590)], 302_000),
        *_usgs([("AUS", 88_000), ("CHL", 49_000), ("USA", None), ("XOT", 1_000)], 140_000, commodity="Lithium"),
    ])
    result = crosscheck.usgs_world_totals(con, crosscheck.DEFAULT_LIMITS["USGS_TOTAL"])
    assert (result.compared, result.outside, result.verdict) == (2, 0, "pass")
    lithium = result.rows.set_index("commodity").loc["Lithium"]
    assert (lithium["rows_listed"], lithium["rows_without_number"], lithium["listed_total"]) == (4, 1, 138_000)
    assert lithium["detail"] == "Mine production"  # ": rounded" is not part of what is compared


def test_usgs_world_total_far_from_its_countries_fails():
    con = _warehouse(usgs=[
        *_usgs([("COD", 226_000), ("XOT", 7_780)], 302_000),                  # producers missing
        *_usgs([("AUS", 88_000), ("XOT", 1_000)], 89_000, commodity="Lithium"),
    ])
    result = crosscheck.usgs_world_totals(con, crosscheck.DEFAULT_LIMITS["USGS_TOTAL"])
    assert (result.compared, result.outside, result.verdict) == (2, 1, "error")
    assert result.sample()[["commodity", "world_total", "listed_total"]].values.tolist() == [
        ["Cobalt", 302_000, 233_780]]


def test_usgs_tables_with_several_totals_are_matched_by_product_and_bare_totals_are_not_comparable():
    con = _warehouse(usgs=[
        *_usgs([("USA", 12_000), ("TUR", 6_000)], 18_000, commodity="Soda Ash", detail="Mine production: natural"),
        *_usgs([("CHN", 40_000), ("XOT", 12_000)], 52_000, commodity="Soda Ash", detail="Mine production: synthetic"),
        ("MCS 2026", "Scandium", "World Mine Production and Reserves", "production", "global production",
         "metric tons", 2025, "XWD", 80.0),
    ])
    result = crosscheck.usgs_world_totals(con, crosscheck.DEFAULT_LIMITS["USGS_TOTAL"])
    assert (result.compared, result.outside, result.counts["not_comparable"], result.verdict) == (2, 0, 1, "pass")
    assert sorted(result.rows["listed_total"]) == [18_000, 52_000]


# --- limits and the Dagster result -----------------------------------------------------------------

def test_limits_come_from_the_environment_and_are_checked():
    assert crosscheck.limits("MIRROR", env={}) == crosscheck.DEFAULT_LIMITS["MIRROR"]
    custom = crosscheck.limits("MIRROR", env={"MINERALS_MIRROR_TOLERANCE": "0.1", "MINERALS_MIRROR_MAX_SHARE": "0.9"})
    assert (custom.tolerance, custom.warn_share, custom.max_share) == (0.1, 0.25, 0.9)
    for bad in ({"MINERALS_USGS_TOTAL_TOLERANCE": "five"}, {"MINERALS_USGS_TOTAL_TOLERANCE": "-1"},
                {"MINERALS_USGS_TOTAL_WARN_SHARE": "0.5", "MINERALS_USGS_TOTAL_MAX_SHARE": "0.4"}):
        with pytest.raises(ValueError, match="MINERALS_USGS_TOTAL"):
            crosscheck.limits("USGS_TOTAL", env=bad)


def test_the_verdict_becomes_the_check_severity():
    from pipelines.defs.crosschecks import _result

    con = _warehouse([*_mirror(2021, "282200", "COD", "CHN", 10_000, 9_900),
                      *_mirror(2021, "282200", "ZMB", "CHN", 900, 3_000)])
    expected = {Limits(0.25, 0.5, 0.9): (True, "pass"), Limits(0.25, 0.1, 0.9): (False, "warn"),
                Limits(0.25, 0.0, 0.1): (False, "error")}
    for limits, (passed, verdict) in expected.items():
        result = _result(crosscheck.mirror_flows(con, limits), "whole table")
        assert result.passed is passed and result.metadata["verdict"].value == verdict
        assert result.severity == (dg.AssetCheckSeverity.WARN if verdict == "warn" else dg.AssetCheckSeverity.ERROR)
        assert result.metadata["rows_compared"].value == 2 and result.metadata["rows_outside_tolerance"].value == 1
        assert "ZMB" in result.metadata["sample"].value
