"""Jobs and schedules: announcements daily, trade and production monthly, everything on demand."""


import json

import dagster as dg

from pipelines.defs.partitions import trade_years
from pipelines.defs.resources import MineralsPaths
from pipelines.lib import trade_inputs

ANNOUNCEMENT_SOURCES = dg.AssetSelection.assets(
    ["raw", "announcement_documents"], ["raw", "announcements"], ["raw", "diplomacy_events"]
)

everything = dg.define_asset_job("everything", selection=dg.AssetSelection.all(),
                                 description="Every asset and check: ingest, dbt build, quality gate, publish.")

announcements_job = dg.define_asset_job(
    "announcements_daily",
    selection=ANNOUNCEMENT_SOURCES.downstream(),
    description="Read the announcement sources and rebuild what depends on them.",
)

trade_and_production_job = dg.define_asset_job(
    "trade_and_production_monthly",
    selection=dg.AssetSelection.groups("reference", "ingest").downstream()
    - ANNOUNCEMENT_SOURCES,
    description="Reload reference, trade and production inputs and rebuild the marts.",
)

announcements_schedule = dg.ScheduleDefinition(
    job=announcements_job, cron_schedule="0 6 * * *", execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

@dg.schedule(job=trade_and_production_job, cron_schedule="0 7 1 * *", execution_timezone="UTC",
             name="trade_and_production_monthly_schedule",
             default_status=dg.DefaultScheduleStatus.RUNNING)
def trade_and_production_schedule(context: dg.ScheduleEvaluationContext):
    """Monthly: rebuild the two most recent years in one run (late revisions land there);
    older years are rebuilt when their input files change (see the trade input sensor)."""
    keys = trade_years.get_partition_keys(current_time=context.scheduled_execution_time)
    recent = keys[-2:]
    return dg.RunRequest(
        run_key=f"monthly-{context.scheduled_execution_time:%Y-%m}",
        tags={"dagster/asset_partition_range_start": recent[0], "dagster/asset_partition_range_end": recent[-1]},
    )


@dg.sensor(job=trade_and_production_job, minimum_interval_seconds=300,
           default_status=dg.DefaultSensorStatus.RUNNING)
def trade_inputs_sensor(context: dg.SensorEvaluationContext, paths: MineralsPaths):
    """Notices new or changed files in the trade input folder and requests the years they hold:
    a BACI release its own year; any other trade file (Trade Map, Comtrade, extracts) every year."""
    trade_dir = paths.settings().trade_dir
    seen = json.loads(context.cursor) if context.cursor else {}
    current = trade_inputs.fingerprints(trade_dir)
    changed = sorted(path for path, stamp in current.items() if seen.get(path) != stamp)
    if not changed:
        yield dg.SkipReason(f"no new or changed files in {trade_dir}")
        return
    keys = trade_years.get_partition_keys()
    for request in trade_inputs.partition_requests(changed, keys):
        yield dg.RunRequest(run_key=request.run_key(current), tags=request.tags)
    context.update_cursor(json.dumps(current, sort_keys=True))
