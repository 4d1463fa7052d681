"""Ingestion assets materialized against a DuckDB file in tmp_path."""

import dagster as dg
import duckdb
import pytest

from pipelines.defs.ingest import announcements, diplomacy_events, reference_tables, trade_flows, usgs_production
from pipelines.defs.resources import MineralsPaths

ALL_YEARS = {"dagster/asset_partition_range_start": "1993", "dagster/asset_partition_range_end": "2025"}


def _load_trade(paths, **kwargs):
    """Materialize the reference tables and every year of the raw trade flows in one run."""
    return dg.materialize([reference_tables, trade_flows], resources={"paths": paths}, tags=ALL_YEARS, **kwargs)


@pytest.fixture
def paths(tmp_path, fixture_inputs):
    return MineralsPaths(input_dir=str(fixture_inputs), warehouse=str(tmp_path / "w.duckdb"),
                         publish_dir=str(tmp_path / "pub"))


def _rows(paths, sql):
    con = duckdb.connect(str(paths.settings().warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _metadata(result, key):
    """Metadata of the asset's materialization (a range run records one per partition, all alike)."""
    events = [m for m in result.get_asset_materialization_events() if m.asset_key == dg.AssetKey(key)]
    assert events, f"{key} was not materialized"
    return events[-1].materialization.metadata


def test_trade_flows_asset_writes_every_source_and_reports_counts(paths):
    result = _load_trade(paths)
    assert result.success
    by_source = dict(_rows(paths, "select source, count(*) from raw.trade_flows group by all"))
    assert set(by_source) == {"trademap", "baci_extract", "comtrade"}
    metadata = _metadata(result, ["raw", "trade_flows"])
    assert metadata["dagster/row_count"].value == sum(by_source.values())
    assert metadata["rows_by_source"].value == by_source
    assert "preview" in metadata
    # Norway's 3,149 t of HS 810520 to the US in 2021, with the file and line it came from.
    [(quantity, source_file, line)] = _rows(paths, """
        select quantity_t, source_file, source_line from raw.trade_flows
        where source = 'trademap' and importer_iso3 = 'USA' and exporter_iso3 = 'NOR'
          and hs_code = '810520' and year = 2021 and reported_by = 'importer'""")
    assert quantity == 3149 and source_file.endswith("United_States_of_America.txt") and line > 1


def test_a_bad_partner_name_is_quarantined_not_dropped(paths, fixture_inputs):
    export = next((fixture_inputs / "trade" / "trademap").rglob("*imported_by_Japan.txt"))
    text = export.read_text(encoding="utf-8-sig").replace('"Norway"', '"Norwayy"')
    export.write_text(text, encoding="utf-8")
    result = _load_trade(paths)
    assert result.success
    quarantined = _rows(paths, "select source_file, source_line, reason from raw.quarantine where asset = 'trade_flows'")
    assert any("Norwayy" in reason and "Japan" in file and line > 1 for file, line, reason in quarantined)
    assert _metadata(result, ["raw", "trade_flows"])["quarantined_rows"].value == len(quarantined)
    # Re-running replaces the asset's quarantine rows instead of adding to them.
    _load_trade(paths)
    assert len(_rows(paths, "select * from raw.quarantine where asset = 'trade_flows'")) == len(quarantined)


def test_production_and_announcement_assets(paths):
    result = dg.materialize([reference_tables, usgs_production, announcements, diplomacy_events],
                            resources={"paths": paths})
    assert result.success
    [(cobalt_cod,)] = _rows(paths, """
        select value_t from raw.usgs_production
        where mineral = 'cobalt' and stage = 'mining' and iso3 = 'COD' and year = 2024 and statistic = 'production'""")
    assert cobalt_cod == 226000
    [(parties, instrument)] = _rows(paths, """
        select parties, instrument from raw.announcements where published_date = date '2026-02-03'""")
    assert parties == ["IND", "USA"] and instrument == "meeting"
    assert _rows(paths, "select count(*) from raw.diplomacy_events")[0][0] == 18


def test_missing_input_folder_fails_with_the_path(tmp_path):
    paths = MineralsPaths(input_dir=str(tmp_path / "nowhere"), warehouse=str(tmp_path / "w.duckdb"))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        dg.materialize([usgs_production], resources={"paths": paths})


def test_a_baci_release_and_a_comtrade_response_dropped_into_trade_are_picked_up(paths, fixture_inputs):
    from pipelines.lib.settings import REFERENCE_DIR

    trade_dir = fixture_inputs / "trade"
    (trade_dir / "comtrade" / "china_imports_2846" / "2024.json").rename(trade_dir / "china_rare_earths_2024.json")
    (trade_dir / "BACI_HS17_Y2023_V202601.csv").write_text(
        "t,i,j,k,v,q\n"
        "2023,579,842,810520,1234.5,   210.0\n"   # Norway -> USA, unwrought cobalt
        "2023,246,842,810520,99.0,NA\n"           # Finland -> USA, quantity not available
        "2023,156,842,010121,5.0,1.0\n"           # live horses: not a mapped mineral code
    )
    (trade_dir / "country_codes_V202601.csv").write_bytes((REFERENCE_DIR / "baci_country_codes_V202601.csv").read_bytes())
    assert _load_trade(paths).success
    baci = _rows(paths, """
        select exporter_iso3, importer_iso3, hs_code, value_usd, quantity_t, source_line from raw.trade_flows
        where source = 'baci' order by source_line""")
    assert baci == [("NOR", "USA", "810520", 1234500.0, 210.0, 2), ("FIN", "USA", "810520", 99000.0, None, 3)]
    [(n_comtrade, files)] = _rows(paths, """
        select count(*), list(distinct source_file order by source_file) from raw.trade_flows where source = 'comtrade'""")
    assert n_comtrade > 0 and files == [
        "trade/china_rare_earths_2024.json", "trade/comtrade/us_china_key_minerals/copper_trade_data.csv"]


def test_announcements_are_incremental_and_versioned(paths, fixture_inputs):
    first = dg.materialize([announcements], resources={"paths": paths})
    meta = _metadata(first, ["raw", "announcement_documents"])
    n = meta["new_documents"].value
    assert n > 0 and meta["changed_documents"].value == 0

    second = dg.materialize([announcements], resources={"paths": paths})
    meta = _metadata(second, ["raw", "announcement_documents"])
    assert (meta["new_documents"].value, meta["unchanged_documents"].value) == (0, n)
    assert _rows(paths, "select count(*) from raw.announcement_documents")[0][0] == n

    text_file = next((fixture_inputs / "announcements" / "documents").glob("*.txt"))
    text_file.write_text(text_file.read_text() + "\nThe two sides will meet again next year.\n")
    third = dg.materialize([announcements], resources={"paths": paths})
    assert _metadata(third, ["raw", "announcement_documents"])["changed_documents"].value == 1
    [(versions, latest)] = _rows(paths, """
        select count(*), max(version) from raw.announcement_documents
        group by announcement_id having count(*) > 1""")
    assert (versions, latest) == (2, 2)
    assert _rows(paths, "select count(*) from raw.announcements")[0][0] == n


def test_too_many_bad_rows_fail_the_load_but_keep_the_quarantine(paths, fixture_inputs, monkeypatch):
    monkeypatch.setenv("MINERALS_MAX_BAD_ROW_SHARE", "0.0001")
    export = next((fixture_inputs / "trade" / "trademap").rglob("*imported_by_Japan.txt"))
    export.write_text(export.read_text(encoding="utf-8-sig").replace('"Norway"', '"Norwayy"'), encoding="utf-8")
    with pytest.raises(dg.Failure, match=r"MINERALS_MAX_BAD_ROW_SHARE=0\.0%.*raw\.quarantine"):
        _load_trade(paths)
    assert _rows(paths, "select count(*) from raw.quarantine where reason like '%Norwayy%'")[0][0] == 1


def test_duplicate_flows_are_quarantined_once(paths, fixture_inputs, monkeypatch):
    monkeypatch.setenv("MINERALS_MAX_BAD_ROW_SHARE", "0.5")  # a whole repeated file is well over 5% of the fixture
    # The same Comtrade response saved twice (e.g. downloaded again into another folder).
    source = fixture_inputs / "trade" / "comtrade" / "china_imports_2846" / "2024.json"
    (fixture_inputs / "trade" / "comtrade" / "again.json").write_bytes(source.read_bytes())
    result = _load_trade(paths)
    assert result.success
    duplicates = _metadata(result, ["raw", "trade_flows"])["duplicate_rows"].value
    [(n_dupes,)] = _rows(paths, "select count(*) from raw.quarantine where reason like 'duplicate%'")
    assert duplicates == n_dupes > 0
    assert _rows(paths, """
        select count(*) from (select 1 from raw.trade_flows
        group by source, reported_by, year, hs_code, exporter_iso3, importer_iso3 having count(*) > 1)""")[0][0] == 0
