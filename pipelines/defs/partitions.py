"""Yearly partitions for the trade path (raw trade flows and the dbt models built from them).

Dagster has no yearly preset: a time-window partitioning with a yearly cron gives keys
"1993" … the last complete year. Runs over a range of years are single runs (one ingest,
one dbt build) so a backfill of N years costs about N single-year builds, not N runs' overhead.
"""

import dagster as dg

FIRST_TRADE_YEAR = "1993"  # the earliest year in the shipped inputs (UN Comtrade, HS 2846)

trade_years = dg.TimeWindowPartitionsDefinition(cron_schedule="0 0 1 1 *", start=FIRST_TRADE_YEAR, fmt="%Y")


def year_range(context: dg.AssetExecutionContext) -> tuple[int, int]:
    """First and last year (inclusive) of the partitions this run materializes."""
    window = context.partition_time_window
    return window.start.year, window.end.year - 1


def run_years(tags: dict[str, str]) -> tuple[int, int] | None:
    """First and last year of a run over yearly partitions, from its tags (None: not partitioned).

    Asset checks are not partitioned themselves; the run's tags say which years it builds."""
    if "dagster/partition" in tags:
        return int(tags["dagster/partition"]), int(tags["dagster/partition"])
    start, end = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    if start and end:
        return int(start), int(end)
    return None
