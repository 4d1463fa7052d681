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
