"""The code location loads and forms one connected graph from files to the publication."""

import dagster as dg

from pipelines.definitions import defs


def _graph():
    return defs.resolve_asset_graph()


def test_definitions_load_with_jobs_and_running_schedules():
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {"everything", "announcements_daily", "trade_and_production_monthly"} <= jobs
    schedules = {s.name: s for s in defs.schedules}
    assert {"announcements_daily_schedule", "trade_and_production_monthly_schedule"} <= set(schedules)
    assert all(s.default_status == dg.DefaultScheduleStatus.RUNNING for s in schedules.values())


def test_every_dbt_source_is_produced_by_a_python_asset():
    graph = _graph()
    materializable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    for key in graph.get_all_asset_keys():
        for parent in graph.get(key).parent_keys:
            assert parent in materializable, f"{key.to_user_string()} depends on unproduced {parent.to_user_string()}"


def test_publication_is_downstream_of_every_mart_and_gated_by_blocking_checks():
    graph = _graph()
    publication = dg.AssetKey(["published", "minerals"])
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert {"supplier_shares", "value_chain_dependency", "production_concentration", "announcements",
            "cooperation_agreements", "hs_mineral_map"} <= {key.path[-1] for key in marts}
    assert marts <= set(graph.get(publication).parent_keys)
    gx_checks = [key for key in graph.asset_check_keys if key.name == "great_expectations"]
    assert {key.asset_key for key in gx_checks} >= marts | {dg.AssetKey(["raw", "trade_flows"])}
    for key in gx_checks:
        assert graph.get_check_spec(key).blocking


def test_every_warehouse_writer_shares_one_pool():
    for assets_def in defs.assets:
        if isinstance(assets_def, dg.AssetsDefinition):
            for node in assets_def.node_def.iterate_node_defs():
                assert node.pool == "duckdb_warehouse", assets_def.keys


def test_code_location_validates_with_the_dagster_cli(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from pipelines.lib.settings import REPO_ROOT

    dagster = Path(sys.executable).parent / "dagster"
    completed = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env={"PATH": str(dagster.parent), "DAGSTER_HOME": str(tmp_path), "HOME": str(tmp_path)},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Validation successful for code location minerals" in completed.stdout + completed.stderr


def test_instance_config_limits_the_warehouse_pool_to_one(tmp_path):
    import shutil

    from pipelines.lib.settings import REPO_ROOT

    shutil.copy(REPO_ROOT / "dagster_instance.yaml", tmp_path / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
    finally:
        instance.dispose()


def test_trade_sensor_requests_the_year_of_a_new_release_once(tmp_path):
    from pipelines.defs.automation import trade_inputs_sensor
    from pipelines.defs.resources import MineralsPaths

    trade_dir = tmp_path / "inputs" / "trade"
    trade_dir.mkdir(parents=True)
    paths = MineralsPaths(input_dir=str(tmp_path / "inputs"))
    context = dg.build_sensor_context(resources={"paths": paths})
    [skip] = list(trade_inputs_sensor(context))
    assert isinstance(skip, dg.SkipReason) and "no new or changed files" in skip.skip_message

    (trade_dir / "BACI_HS22_Y2024_V202601.csv").write_text("t,i,j,k,v,q\n")
    context = dg.build_sensor_context(resources={"paths": paths})
    [request] = list(trade_inputs_sensor(context))
    assert request.tags["dagster/asset_partition_range_start"] == "2024" == request.tags["dagster/asset_partition_range_end"]
    # Same files, next tick: nothing new.
    again = dg.build_sensor_context(cursor=context.cursor, resources={"paths": paths})
    [skip] = list(trade_inputs_sensor(again))
    assert isinstance(skip, dg.SkipReason)


def test_monthly_schedule_rebuilds_the_two_latest_years():
    from datetime import UTC, datetime

    schedule = defs.resolve_schedule_def("trade_and_production_monthly_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 1, 7, tzinfo=UTC))
    [request] = schedule.evaluate_tick(context).run_requests
    assert (request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]) == (
        "2024", "2025")


def test_disruption_scenarios_feed_an_unpartitioned_published_mart():
    graph = _graph()
    scenarios = dg.AssetKey(["raw", "disruption_scenarios"])
    impacts = dg.AssetKey(["marts", "disruption_impacts"])
    node = graph.get(scenarios)
    assert node.group_name == "ingest" and node.partitions_def is None
    assert {dg.AssetKey(["raw", "countries"]), dg.AssetKey(["raw", "hs_mineral_map"])} <= set(node.parent_keys)
    # the launchpad config: every field optional, so a run needs no config
    assets_def = defs.resolve_assets_def(scenarios)
    fields = assets_def.op.config_schema.config_type.fields
    assert {"supplier_iso3", "mineral", "stage", "restricted_share", "description"} == set(fields)
    assert not any(field.is_required for field in fields.values())
    # the mart is built whole by the unpartitioned dbt asset, from the scenarios and the trade marts
    mart = graph.get(impacts)
    assert mart.partitions_def is None
    assert defs.resolve_assets_def(impacts).op.name.startswith("dbt_models")
    assert {dg.AssetKey(["staging", "stg_raw__disruption_scenarios"]), dg.AssetKey(["marts", "supplier_shares"]),
            dg.AssetKey(["marts", "value_chain_dependency"])} <= set(mart.parent_keys)
    assert impacts in graph.get(dg.AssetKey(["published", "minerals"])).parent_keys
    assert graph.get_check_spec(dg.AssetCheckKey(impacts, "great_expectations")).blocking


def test_every_published_table_and_column_is_documented():
    """Every mart and each of its columns has a dbt description (the same descriptions show in the
    Dagster UI and in the published dbt docs)."""
    import json

    from pipelines.defs.resources import dbt_project

    manifest = json.loads(dbt_project.manifest_path.read_text())
    marts = [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["config"].get("schema") == "marts"]
    assert len(marts) >= 13
    missing = [
        f"{node['name']}.{column}"
        for node in marts
        for column, spec in ({"": {"description": node["description"]}} | node["columns"]).items()
        if not spec.get("description", "").strip()
    ]
    assert not missing, f"undocumented: {missing}"
    # an enforced contract makes dbt fail when a built column is not declared (so not documented)
    uncontracted = [node["name"] for node in marts if not node["config"].get("contract", {}).get("enforced")]
    assert not uncontracted
