"""The raw/disruption_scenarios asset: scenario files into DuckDB, bad scenarios quarantined, the
launchpad's ad hoc scenario added."""

import dagster as dg
import duckdb
import pytest

from pipelines.defs.ingest import disruption_scenarios, reference_tables
from pipelines.defs.resources import MineralsPaths

KEY = dg.AssetKey(["raw", "disruption_scenarios"])


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


def _materialize(paths, adhoc=None, **kwargs):
    run_config = {"ops": {"raw__disruption_scenarios": {"config": adhoc}}} if adhoc else None
    return dg.materialize([reference_tables, disruption_scenarios], resources={"paths": paths},
                          run_config=run_config, **kwargs)


def _metadata(result):
    [event] = [m for m in result.get_asset_materialization_events() if m.asset_key == KEY]
    return event.materialization.metadata


def test_shipped_scenarios_load_one_row_per_scenario_and_stage(paths):
    result = _materialize(paths)
    assert result.success
    rows = _rows(paths, "select scenario_id, stage, supplier_iso3, restricted_share, origin "
                        "from raw.disruption_scenarios order by all")
    assert ("chn_gallium_export_controls", "processing", "CHN", 1.0, "file") in rows
    assert [(sid, stage) for sid, stage, *_ in rows if sid.startswith("cod")] == [
        ("cod_cobalt_export_suspension", "mining"), ("cod_cobalt_export_suspension", "processing")]
    metadata = _metadata(result)
    assert metadata["dagster/row_count"].value == len(rows) == 7
    assert metadata["scenario_count"].value == 5
    assert "chn_rare_earth_export_controls" in metadata["scenarios"].value
    assert metadata["adhoc_scenario"].value is False
    assert metadata["quarantined_rows"].value == 0


def test_bad_scenarios_are_quarantined_and_the_adhoc_scenario_is_added(paths, fixture_inputs):
    scenario_file = fixture_inputs / "scenarios" / "disruption_scenarios.yaml"
    scenario_file.write_text(scenario_file.read_text() + """
  - id: typo_mineral
    supplier_iso3: CHN
    mineral: galium
    stages: [processing]
    restricted_share: 1.0
""")
    adhoc = {"supplier_iso3": "NOR", "mineral": "cobalt", "stage": "processing", "restricted_share": 0.5,
             "description": "Half of Norway's processed cobalt"}
    result = _materialize(paths, adhoc)
    assert result.success
    [(sid, stage, k, origin, description)] = _rows(paths, """
        select scenario_id, stage, restricted_share, origin, description from raw.disruption_scenarios
        where scenario_id = 'adhoc'""")
    assert (sid, stage, k, origin, description) == ("adhoc", "processing", 0.5, "launchpad",
                                                    "Half of Norway's processed cobalt")
    [(source, source_file, line, reason)] = _rows(paths, """
        select source, source_file, source_line, reason from raw.quarantine where asset = 'disruption_scenarios'""")
    assert (source, source_file) == ("typo_mineral", "scenarios/disruption_scenarios.yaml") and line > 70
    assert f"line {line}, scenario 'typo_mineral': unknown mineral 'galium'" in reason
    metadata = _metadata(result)
    assert metadata["scenario_count"].value == 6 and metadata["adhoc_scenario"].value is True
    assert metadata["quarantined_rows"].value == 1
    # The next load without the bad scenario and without the ad hoc one leaves neither behind.
    scenario_file.write_text(scenario_file.read_text().split("\n  - id: typo_mineral")[0] + "\n")
    assert _materialize(paths).success
    assert _rows(paths, "select count(*) from raw.quarantine where asset = 'disruption_scenarios'") == [(0,)]
    assert _rows(paths, "select count(*) from raw.disruption_scenarios where scenario_id = 'adhoc'") == [(0,)]


def test_a_bad_adhoc_scenario_fails_the_run_with_the_reason(paths):
    result = _materialize(paths, {"supplier_iso3": "CHN", "mineral": "cobalt", "restricted_share": 1.5},
                          raise_on_error=False)
    assert not result.success
    [failure] = result.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert "ad hoc scenario 'adhoc'" in message and "restricted_share 1.5 is outside (0, 1]" in message
