"""Jobs and schedules: announcements daily, trade and production monthly, everything on demand."""


import dagster as dg

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

trade_and_production_schedule = dg.ScheduleDefinition(
    job=trade_and_production_job, cron_schedule="0 7 1 * *", execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
