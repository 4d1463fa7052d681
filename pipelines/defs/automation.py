"""Jobs and schedules: announcements daily, trade and production monthly, everything on demand."""

from __future__ import annotations

import dagster as dg

everything = dg.define_asset_job("everything", selection=dg.AssetSelection.all(),
                                 description="Every asset and check: ingest, dbt build, quality gate, publish.")

announcements_job = dg.define_asset_job(
    "announcements_daily",
    selection=dg.AssetSelection.assets(["raw", "announcements"], ["raw", "diplomacy_events"]).downstream(),
    description="Read the announcement sources and rebuild what depends on them.",
)

trade_and_production_job = dg.define_asset_job(
    "trade_and_production_monthly",
    selection=dg.AssetSelection.groups("reference", "ingest").downstream()
    - dg.AssetSelection.assets(["raw", "announcements"], ["raw", "diplomacy_events"]),
    description="Reload reference, trade and production inputs and rebuild the marts.",
)

defs = dg.Definitions(
    jobs=[everything, announcements_job, trade_and_production_job],
    schedules=[
        dg.ScheduleDefinition(job=announcements_job, cron_schedule="0 6 * * *",
                              default_status=dg.DefaultScheduleStatus.RUNNING, execution_timezone="UTC"),
        dg.ScheduleDefinition(job=trade_and_production_job, cron_schedule="0 7 1 * *",
                              default_status=dg.DefaultScheduleStatus.RUNNING, execution_timezone="UTC"),
    ],
)
