"""The whole graph materialized on the fixture inputs, and the quality gate holding a bad run back."""

from __future__ import annotations

import hashlib
import json

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.lib.publish import list_versions
from pipelines.run import _partition_range

pytestmark = pytest.mark.e2e


def _run(instance=None):
    job = defs.resolve_job_def("everything")
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(), tags=_partition_range(job), raise_on_error=False
    )


def _query(path, sql, params=None):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_whole_graph_publishes_real_marts(pipeline_settings):
    result = _run()
    failures = [e.step_key for e in result.get_step_failure_events()]
    assert result.success, failures
    # every check passed, but a cross-source check may warn (the fixture's US and Chinese copper reports differ)
    assert all(e.passed or e.severity == dg.AssetCheckSeverity.WARN for e in result.get_asset_check_evaluations())

    published = pipeline_settings.publish_dir / "minerals.duckdb"
    tables = {row[0] for row in _query(published, "select table_name from information_schema.tables")}
    assert {"supplier_shares", "value_chain_dependency", "production_concentration", "announcements",
            "cooperation_agreements", "hs_mineral_map", "lookthrough_dependency", "quarantine", "publication",
            "cooperation_coverage", "coverage_gaps", "cooperation_partner_potential", "disruption_impacts"} <= tables
    for table in tables - {"publication", "quarantine"}:
        assert (pipeline_settings.publish_dir / "parquet" / f"{table}.parquet").exists()

    # The manifest records this run's quality checks (read from the instance), the row counts and vintages.
    manifest = json.loads((pipeline_settings.publish_dir / "publication.json").read_text())
    assert (pipeline_settings.publish_dir / "latest").resolve().name == manifest["version"]
    run_checks = {(e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations()}
    recorded = manifest["quality_checks"]["checks"]
    evaluated = {(c["asset"], c["check"]) for c in recorded if c["passed"] is not None}
    assert ("raw/trade_flows", "great_expectations") in evaluated and evaluated == run_checks
    assert manifest["quality_checks"]["failed"] == 0 and all(c["this_run"] for c in recorded)
    assert manifest["row_counts"]["supplier_shares"] == _query(published, "select count(*) from supplier_shares")[0][0]
    assert {"trade_flows", "usgs_production", "announcements"} <= set(manifest["source_vintages"])

    # The dbt docs of every table are published with the version: one page that opens from disk, with
    # the models, their column descriptions and the warehouse's catalog embedded.
    docs = pipeline_settings.publish_dir / "latest" / manifest["dbt_docs"]["index"]
    assert manifest["dbt_docs"]["index"] == "dbt_docs/index.html" and docs.is_file()
    page = docs.read_text(encoding="utf-8")
    assert "net_import_reliance" in page and "How much of a country's use of a mineral at a stage comes" in page
    catalog = json.loads((docs.parent / "catalog.json").read_text())
    assert "model.minerals.value_chain_dependency" in catalog["nodes"]
    assert "top3_share" in catalog["nodes"]["model.minerals.value_chain_dependency"]["columns"]

    # The cross-source checks ran, with what they compared in their metadata.
    cross = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()
             if e.check_name in ("mirror_flows", "world_totals")}
    assert set(cross) == {("raw/trade_flows", "mirror_flows"), ("raw/trade_flows", "world_totals"),
                          ("raw/usgs_production", "world_totals")}
    assert cross[("raw/trade_flows", "world_totals")].metadata["rows_compared"].value > 0   # Comtrade World rows
    assert cross[("raw/usgs_production", "world_totals")].metadata["rows_compared"].value > 0

    # The Data Docs of this version name every Great Expectations suite; each suite's page gives the reasons.
    version_dir = pipeline_settings.publish_dir / "versions" / manifest["version"]
    docs = manifest["data_docs"]
    assert docs["index"] == "data_docs/index.html" and docs["missing"] == []
    index = (pipeline_settings.publish_dir / "latest" / docs["index"]).read_text(encoding="utf-8")
    gx_checks = [c["asset"] for c in recorded if c["check"] == "great_expectations"]
    assert len(gx_checks) == len(docs["checks"]) >= 10
    for asset in gx_checks:
        suite = asset.replace("/", "_")
        assert suite in docs["suites"] and suite in index and f"expectations/{suite}.html" in index
    reasons = (version_dir / "data_docs" / "expectations" / "raw_trade_flows.html").read_text(encoding="utf-8")
    assert "no bilateral mineral flow reaches 10 billion tonnes" in reasons
    assert all("validation_results" not in c.get("metadata", {}) for c in recorded)  # a build-side path

    # US imports of processed cobalt in 2021, tonnes, from Trade Map: Norway shipped 3,149 t of 810520.
    norway = _query(published, """
        select amount, share, source from supplier_shares
        where importer_iso3 = 'USA' and exporter_iso3 = 'NOR' and mineral = 'cobalt'
          and stage = 'processing' and year = 2021 and basis = 'quantity_t'""")
    assert norway and norway[0][0] == pytest.approx(3149) and norway[0][2] == "trademap"
    assert 0 < norway[0][1] < 1

    # The same dependency by value for 2022 comes from BACI.
    by_value = _query(published, """
        select n_suppliers, hhi, source from value_chain_dependency
        where importer_iso3 = 'USA' and mineral = 'cobalt' and stage = 'processing'
          and year = 2022 and basis = 'value_usd'""")
    assert by_value and by_value[0][2] == "baci_extract" and by_value[0][0] >= 1
    assert 1 / by_value[0][0] - 1e-9 <= by_value[0][1] <= 1

    # Shares add up to one in every group.
    assert _query(published, """
        select count(*) from (
            select sum(share) as s from supplier_shares group by importer_iso3, mineral, stage, year, basis
        ) where abs(s - 1) > 1e-9""")[0][0] == 0

    # Look-through shares add up to one per group, and the UNKNOWN share is what coverage leaves out.
    groups = _query(published, """
        select sum(effective_share), max(coverage_of_data) + coalesce(sum(effective_share) filter (
            where origin_iso3 = 'UNKNOWN'), 0)
        from lookthrough_dependency group by importer_iso3, mineral, stage, upstream_stage, year, basis""")
    assert groups and all(total == pytest.approx(1) and known == pytest.approx(1) for total, known in groups)

    # Net import reliance of US refined copper in 2021: Comtrade World totals (imports 929,901 t,
    # exports 195,222 t) against USGS refinery production of 971 kt (MCS 2023 world table):
    # 734,679 / 1,705,679 = 0.431, next to the 44 % USGS publishes (MCS 2026).
    reliance = _query(published, """
        select imports_t, exports_t, production_t, net_import_reliance, usgs_net_import_reliance, production_edition
        from net_import_reliance where iso3 = 'USA' and mineral = 'copper' and stage = 'processing' and year = 2021""")
    assert len(reliance) == 1
    imports, exports, production, nir, usgs_nir, edition = reliance[0]
    assert (round(imports), round(exports), production, edition) == (929901, 195222, 971000.0, "MCS 2023")
    assert nir == pytest.approx((imports - exports) / (production + imports - exports)) and 0.42 < nir < 0.44
    assert usgs_nir == pytest.approx(0.44)
    # 2022-2024: the US reported no weight for its imports, so there is no figure rather than a wrong one.
    assert _query(published, """select count(*) from net_import_reliance
        where iso3 = 'USA' and mineral = 'copper' and year > 2021""")[0][0] == 0

    # Reserves are the exploration-stage view; the year-on-year change columns are filled where the
    # previous year of the same source exists.
    assert _query(published, """select count(*) from production_concentration
        where stage = 'exploration' and measure = 'reserves' and mineral = 'copper'""")[0][0] >= 1
    assert _query(published, """select count(*) from value_chain_dependency where has_previous_year""")[0][0] > 0
    assert _query(published, """select count(*) from value_chain_dependency
        where has_previous_year <> (hhi_change is not null)""")[0][0] == 0

    # World cobalt mine production is led by the DRC (USGS MCS 2026).
    top = _query(published, """
        select top_producer_iso3, top_producer_share from production_concentration
        where mineral = 'cobalt' and stage = 'mining' and year = 2024""")
    assert top and top[0][0] == "COD" and top[0][1] > 0.5

    # The US–India discussion of 2026-02-03 is an announcement between the two.
    us_india = _query(published, """
        select parties, stages from announcements
        where published_date = date '2026-02-03' and list_contains(parties, 'IND')""")
    assert us_india and us_india[0][0] == ["IND", "USA"]
    assert {"exploration", "mining", "processing"} <= set(us_india[0][1])

    # Agreement coverage has a row per dependency, and the gaps are exactly its uncovered rows.
    assert _query(published, "select count(*) from cooperation_coverage") == _query(
        published, "select count(*) from value_chain_dependency")
    assert _query(published, "select count(*) from coverage_gaps") == _query(
        published, "select count(*) from cooperation_coverage where covered_share = 0")
    # The US–Australia framework (2025-10-20) opens Australia's lithium mines, about a third of world
    # output in 2025 (USGS); it was not in force in 2024.
    australia = _query(published, """
        select year, partner_share_of_world from cooperation_partner_potential
        where agreement_id = 'event:us_au_framework' and partner_iso3 = 'AUS' and mineral = 'lithium'
          and stage = 'mining' order by year""")
    assert [year for year, _ in australia] == [2025] and 0.25 < australia[0][1] < 0.4

    # Disruption scenarios: one row per group of supplier_shares each shipped scenario hits (none in the
    # fixture trade data, which has neither the DRC's cobalt nor China's graphite; an empty table passes).
    hit = _query(published, """
        select count(*) from supplier_shares as s
        where (s.exporter_iso3 = 'COD' and s.mineral = 'cobalt' and s.stage in ('mining', 'processing'))
           or (s.exporter_iso3 = 'CHN' and s.mineral in ('gallium', 'germanium', 'rare earths', 'graphite')
               and s.stage in ('mining', 'processing'))""")
    assert _query(published, "select count(*) from disruption_impacts") == hit
    assert _query(published, """
        select count(*) from disruption_impacts
        where abs(lost_share - restricted_share * supplier_share) > 1e-12
           or supply_fully_lost <> (hhi_after is null) or not coalesce(hhi_after between 0 and 1, true)""") == [(0,)]


def _adhoc_run(config):
    """Reload the scenarios with a launchpad config and rebuild the impacts and the publication."""
    job = defs.resolve_job_def("everything")
    selection = [dg.AssetKey(["raw", "disruption_scenarios"]), dg.AssetKey(["staging", "stg_raw__disruption_scenarios"]),
                 dg.AssetKey(["marts", "disruption_impacts"]), dg.AssetKey(["published", "minerals"])]
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), asset_selection=selection,
                                  run_config={"ops": {"raw__disruption_scenarios": {"config": config}}},
                                  raise_on_error=False)


def test_an_adhoc_scenario_from_the_launchpad_reaches_the_publication(pipeline_settings):
    assert _run().success
    published = pipeline_settings.publish_dir / "minerals.duckdb"
    # Half of Norway's processed cobalt exports lost: the US imported 3,149 t of 810520 from Norway in 2021.
    result = _adhoc_run({"supplier_iso3": "NOR", "mineral": "cobalt", "stage": "processing", "restricted_share": 0.5})
    assert result.success, [e.step_key for e in result.get_step_failure_events()]
    assert all(e.passed for e in result.get_asset_check_evaluations())
    suppliers = dict(_query(published, """
        select exporter_iso3, amount from supplier_shares
        where importer_iso3 = 'USA' and mineral = 'cobalt' and stage = 'processing' and year = 2021
          and basis = 'quantity_t'"""))
    [(k, lost_share, lost_amount, hhi_before, hhi_after, fully_lost)] = _query(published, """
        select restricted_share, lost_share, lost_amount, hhi_before, hhi_after, supply_fully_lost
        from disruption_impacts
        where scenario_id = 'adhoc' and importer_iso3 = 'USA' and mineral = 'cobalt' and stage = 'processing'
          and year = 2021 and basis = 'quantity_t'""")
    total = sum(suppliers.values())
    after = {e: a * (0.5 if e == "NOR" else 1) for e, a in suppliers.items()}
    assert k == 0.5 and lost_amount == pytest.approx(0.5 * 3149) and not fully_lost
    assert lost_share == pytest.approx(0.5 * 3149 / total)
    assert hhi_before == pytest.approx(sum((a / total) ** 2 for a in suppliers.values()))
    assert hhi_after == pytest.approx(sum((a / sum(after.values())) ** 2 for a in after.values()))
    # One row per group in which Norway supplies processed cobalt, each with its partner flag.
    assert _query(published, "select count(*) from disruption_impacts where scenario_id = 'adhoc'") == _query(
        published, """select count(*) from supplier_shares
                      where exporter_iso3 = 'NOR' and mineral = 'cobalt' and stage = 'processing'""")
    assert _query(published, """
        select count(*) from disruption_impacts
        where partner_supplies <> (len(partner_suppliers) > 0) or list_contains(partner_suppliers, 'NOR')""") == [(0,)]


def test_failed_quality_check_blocks_publication_and_keeps_last_good(pipeline_settings, fixture_inputs, monkeypatch):
    # small validation batches: the yearly tables are checked a few years at a time, and a failure in
    # any batch still fails the check and names its input line
    monkeypatch.setattr("pipelines.defs.publish.VALIDATION_BATCH_ROWS", 25)
    assert _run().success
    published = pipeline_settings.publish_dir / "minerals.duckdb"
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    versions = list_versions(pipeline_settings.publish_dir)

    # An absurd quantity (100 billion tonnes) parses as a number but fails the raw trade suite.
    export = next((fixture_inputs / "trade" / "trademap").rglob("*imported_by_Japan.txt"))
    lines = export.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[2].split("\t")
    cells[1] = "100000000000"
    lines[2] = "\t".join(cells)
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = _run()
    assert not result.success
    failed = {e.asset_check_key: e for e in result.get_asset_check_evaluations() if not e.passed}
    raw_check = dg.AssetCheckKey(dg.AssetKey(["raw", "trade_flows"]), "great_expectations")
    assert raw_check in failed
    # The failure names the expectation, the value and the input file and line it came from.
    description = failed[raw_check].description
    assert "quantity_t" in description and "imported_by_Japan.txt line 3" in description
    assert "batches" in failed[raw_check].metadata["scope"].value
    assert "published__minerals" not in {e.step_key for e in result.get_step_success_events()}
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before
    # nothing of the failed run was published: no new version, no Data Docs outside the versions
    assert list_versions(pipeline_settings.publish_dir) == versions
    assert [p.parent.name for p in pipeline_settings.publish_dir.rglob("data_docs")] == versions


def test_a_new_year_is_an_incremental_partition(pipeline_settings, fixture_inputs):
    from pipelines.lib.settings import REFERENCE_DIR

    assert _run().success
    warehouse = pipeline_settings.warehouse

    def snapshot():
        return _query(warehouse, """
            select year, rowid, importer_iso3, exporter_iso3, mineral, basis, amount
            from marts.supplier_shares where year <> 2023 order by all""")

    before = snapshot()
    # A BACI release for 2023 arrives: Norway and Finland ship unwrought cobalt to the US.
    trade_dir = fixture_inputs / "trade"
    (trade_dir / "BACI_HS17_Y2023_V202601.csv").write_text(
        "t,i,j,k,v,q\n2023,579,842,810520,1200,100\n2023,246,842,810520,300,NA\n")
    (trade_dir / "country_codes_V202601.csv").write_bytes((REFERENCE_DIR / "baci_country_codes_V202601.csv").read_bytes())

    job = defs.resolve_job_def("everything")
    for _ in range(2):  # building the year twice must give the same rows, not twice the rows
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key="2023",
                                        raise_on_error=False)
        assert result.success
        scopes = {
            evaluation.asset_key.to_user_string(): evaluation.metadata["scope"].value
            for evaluation in result.get_asset_check_evaluations() if "scope" in evaluation.metadata
        }
        # the yearly tables are checked on the year's rows; the others whole
        assert scopes["raw/trade_flows"] == scopes["marts/supplier_shares"] == "years 2023-2023"
        assert scopes["marts/hs_mineral_map"] == "whole table"
    rows = _query(warehouse, """
        select exporter_iso3, amount, share from marts.supplier_shares
        where importer_iso3 = 'USA' and mineral = 'cobalt' and year = 2023 and basis = 'value_usd'
        order by exporter_iso3""")
    assert rows == [("FIN", 300000.0, 0.2), ("NOR", 1200000.0, 0.8)]
    # Every other year is untouched: same rows with the same row ids (nothing deleted and rebuilt).
    assert snapshot() == before


def test_a_new_instrument_reaches_agreement_coverage_with_the_daily_job(pipeline_settings, fixture_inputs):
    assert _run().success
    published = pipeline_settings.publish_dir / "minerals.duckdb"

    def us_processed_cobalt(year):
        return _query(published, """
            select covered_share, partner_suppliers, instruments from cooperation_coverage
            where importer_iso3 = 'USA' and mineral = 'cobalt' and stage = 'processing' and year = ?
              and basis = 'quantity_t'""", [year])[0]

    assert us_processed_cobalt(2021)[0] == 0
    # A US–Norway agreement on cobalt refining, signed in March 2021, arrives with the announcements.
    (fixture_inputs / "announcements" / "events" / "added_events.csv").write_text(
        "event_id,date,date_precision,event_type,title,parties,location,value_chain_scope,summary,source_urls,"
        "confidence\n"
        "us_no_cobalt,2021-03-01,day,trade_agreement,United States-Norway agreement on cobalt refining,"
        "United States; Norway,,processing,Cobalt refining supply agreement.,https://example.org/us-no,test\n")
    daily = defs.resolve_job_def("announcements_daily")
    assert daily.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False).success

    norway = _query(published, """
        select share from supplier_shares
        where importer_iso3 = 'USA' and exporter_iso3 = 'NOR' and mineral = 'cobalt' and stage = 'processing'
          and year = 2021 and basis = 'quantity_t'""")[0][0]
    share, partners, instruments = us_processed_cobalt(2021)
    assert share == pytest.approx(norway) and partners == ["NOR"] and instruments == ["event:us_no_cobalt"]
    assert us_processed_cobalt(2020)[0] == 0  # not in force before 2021
    still_gaps = _query(published, """
        select year from coverage_gaps
        where importer_iso3 = 'USA' and mineral = 'cobalt' and stage = 'processing' and basis = 'quantity_t'
        order by year""")
    assert [year for (year,) in still_gaps] == [2017, 2018, 2019, 2020]
