"""Materialize every asset (and every partition) in one run, without a daemon, then summarize.

Used by `make run`. Runs are recorded in $DAGSTER_HOME when it is set, so they show
in the Dagster UI afterwards. Exits non-zero, naming the failed asset or check, on any failure.
A run holds the warehouse for its whole length (lib/runlock.py): a second run started on the
same warehouse meanwhile stops at once, saying which process holds it. A run of the same warehouse
that an earlier process left unfinished (the process was killed) is marked failed first, and the
warehouse pool slot it held is released, so that this run does not wait for it forever.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import dagster as dg

from pipelines.lib.runlock import WarehouseBusy, warehouse_lock
from pipelines.lib.settings import Settings

WAREHOUSE_TAG = "minerals/warehouse"  # the warehouse a run of this script writes to


def _instance() -> dg.DagsterInstance:
    """The persistent instance in $DAGSTER_HOME (so the run shows in the UI), else an in-memory one."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    print("DAGSTER_HOME is not set: this run is not recorded (make run sets it).", file=sys.stderr)
    return dg.DagsterInstance.ephemeral()


def _root_cause(error: Any) -> str:
    """The innermost error message: the one that names the file, table or test at fault."""
    if error is None:
        return "unknown error"
    while error.cause is not None:
        error = error.cause
    return " ".join(error.message.split())[:800]


def _release_abandoned_runs(instance: dg.DagsterInstance, warehouse: str) -> None:
    """Mark failed the runs of this warehouse that never finished, and free their pool slots.

    This process holds the warehouse lock, so no other run of this warehouse is alive: an unfinished
    one had its process killed (SIGKILL, out of memory, power loss) and nothing recorded its end.
    It would hold the `duckdb_warehouse` pool slot for good, and every later run would wait for it.
    """
    unfinished = instance.get_runs(filters=dg.RunsFilter(
        statuses=[dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
                  dg.DagsterRunStatus.CANCELING],
        tags={WAREHOUSE_TAG: warehouse},
    ))
    for abandoned in unfinished:
        instance.report_run_failed(abandoned, message="The process running it ended before the run finished "
                                                      "(killed); marked failed by the next run of the warehouse.")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(abandoned.run_id)
        print(f"Run {abandoned.run_id} of this warehouse was left unfinished by a killed process: marked failed, "
              "its pool slot released.", file=sys.stderr)


def _partition_range(job: dg.JobDefinition) -> dict[str, str]:
    """Run tags that cover every partition in a single run (the partitioned assets use a
    single-run backfill policy, so one run builds the whole range)."""
    partitions = job.partitions_def
    if partitions is None:
        return {}
    keys = partitions.get_partition_keys()
    return {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}


def run(job_name: str = "everything") -> int:
    started = time.monotonic()
    settings = Settings.from_env()
    try:
        with warehouse_lock(settings.warehouse):
            return _run(job_name, settings, started)
    except WarehouseBusy as busy:
        print(f"The pipeline did not run: {busy}", file=sys.stderr)
        return 1


def _run(job_name: str, settings: Settings, started: float) -> int:
    from pipelines.definitions import defs

    job = defs.resolve_job_def(job_name)
    instance = _instance()
    _release_abandoned_runs(instance, str(settings.warehouse))
    problems: list[str] = []
    warned: list[str] = []
    tags = _partition_range(job)
    label = f" (partitions {tags['dagster/asset_partition_range_start']}-{tags['dagster/asset_partition_range_end']})" \
        if tags else ""
    print(f"Materializing every asset of job '{job_name}'{label} ...", flush=True)
    result = job.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        instance=instance, tags={**tags, WAREHOUSE_TAG: str(settings.warehouse)}, raise_on_error=False,
    )
    for event in result.get_step_failure_events():
        problems.append(f"step '{event.step_key}' failed: {_root_cause(event.step_failure_data.error)}")
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            key = evaluation.asset_check_key
            # a check failing at WARN severity (a cross-source check above its warning level) does not block
            found = warned if evaluation.severity == dg.AssetCheckSeverity.WARN else problems
            found.append(
                f"check '{key.name}' on {key.asset_key.to_user_string()} failed: {evaluation.description}"
            )
    for event in result.get_step_skipped_events():
        problems.append(f"step '{event.step_key}' did not run (an upstream step or blocking check failed)")
    elapsed = time.monotonic() - started

    if problems:
        print("\nThe pipeline did not publish:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print(f"\nFailed after {elapsed:.1f} s. The last good publication (if any) is unchanged.", file=sys.stderr)
        return 1

    publication = json.loads((settings.publish_dir / "publication.json").read_text())
    if warned:
        print("\nWarnings (published all the same):")
        for warning in warned:
            print(f"  - {warning}")
    print(f"\nPublished version {publication['version']} ({publication['created_at']}) in {elapsed:.1f} s")
    print(f"  DuckDB : {settings.publish_dir / 'minerals.duckdb'} (open it read-only)")
    print(f"  Parquet: {settings.publish_dir / 'parquet'}/<table>.parquet")
    print(f"  Version: {settings.publish_dir / 'versions' / publication['version']} (manifest.json)")
    if publication.get("data_docs"):
        print(f"  Checks : {settings.publish_dir / 'latest' / publication['data_docs']['index']} (Data Docs)")
    if publication.get("dbt_docs"):
        print(f"  Tables : {settings.publish_dir / 'latest' / publication['dbt_docs']['index']} (dbt docs)")
    print(f"  Warehouse (build file, not for readers): {settings.warehouse}")
    width = max(len(name) for name in publication["row_counts"])
    for name, count in sorted(publication["row_counts"].items()):
        print(f"    {name:<{width}}  {count:>9,} rows")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", default="everything", help="job to run (default: everything)")
    args = parser.parse_args()
    sys.exit(run(args.job))


if __name__ == "__main__":
    main()
