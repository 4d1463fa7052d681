"""Quality gate (Great Expectations, blocking) and publication of the marts."""


import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines.defs.partitions import run_years
from pipelines.defs.resources import WAREHOUSE_POOL, MineralsPaths, dbt_project
from pipelines.defs.transform import TRADE_MODELS
from pipelines.lib import data_docs, dbt_docs, quality
from pipelines.lib.publish import publish as publish_tables
from pipelines.lib.settings import REFERENCE_DIR
from pipelines.lib.warehouse import count_rows, read_table, rows_by_year


def _mart_names() -> list[str]:
    """Every dbt model in the marts schema, read from the prepared manifest."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    )


MARTS = _mart_names()
CHECKED_TABLES = {("raw", "trade_flows"), *(("marts", name) for name in MARTS)}
# Tables built by yearly partition: a partitioned run checks the rows of its own years (the other
# years were checked when they were written), plus the whole table's row count.
VALIDATION_BATCH_ROWS = 250_000
YEARLY_TABLES = {("raw", "trade_flows"), *(("marts", name) for name in TRADE_MODELS.split() if name in MARTS)}


def _known_codes() -> list[str]:
    return pd.read_csv(REFERENCE_DIR / "countries.csv", dtype=str, keep_default_na=False)["iso3"].tolist()


def _describe(outcome: quality.SuiteOutcome, failures: list[dict]) -> str:
    """The failures, each with the first offending input row's file and line when known."""
    where = [
        f"first at {rows[0]['source_file']} line {rows[0]['source_line']}"
        for failure in failures
        if (rows := failure["sample_rows"]) and "source_file" in rows[0]
    ]
    return outcome.describe_failures() + (f" [{'; '.join(where)}]" if where else "")


def _gx_check(schema: str, table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=dg.AssetKey([schema, table]), name="great_expectations", blocking=True,
                    pool=WAREHOUSE_POOL,
                    description=f"Great Expectations suite for {schema}.{table}; publication waits for it.")
    def _check(context: dg.AssetCheckExecutionContext, paths: MineralsPaths) -> dg.AssetCheckResult:
        warehouse = paths.settings().warehouse
        run_id = context.run.run_id
        suite = quality.suite_for(table, _known_codes())
        scope = "whole table"
        years = run_years(context.run.tags) if (schema, table) in YEARLY_TABLES else None
        if years is not None:
            # The run's years, in batches of at most VALIDATION_BATCH_ROWS rows (memory stays flat however
            # many years a backfill covers); the row count of the whole table once.
            scope = f"years {years[0]}-{years[1]}"
            total = count_rows(warehouse, schema, table)
            counts = rows_by_year(warehouse, schema, table, years) or {years[0]: 0}
            parts, frames = [], []
            for batch in quality.year_batches(counts, VALIDATION_BATCH_ROWS):
                frame = read_table(warehouse, schema, table, years=batch)
                parts.append(quality.validate_years(frame, total, f"{schema}_{table}", suite, run_name=run_id,
                                                    batch=f"years {batch[0]}-{batch[1]}"))
                if not parts[-1].success:
                    frames.append(frame)
                del frame
            outcome = quality.merge_outcomes(parts)
            if len(parts) > 1:
                scope += f" ({len(parts)} batches)"
        else:
            frames = [read_table(warehouse, schema, table)]
            outcome = quality.validate(frames[0], f"{schema}_{table}", suite, run_name=run_id)
        # what GX returned, kept for the Data Docs that the publication builds (lib/data_docs.py)
        results_file = data_docs.save(data_docs.results_path(warehouse, run_id, schema, table), {
            "asset": f"{schema}/{table}", "check": "great_expectations", "run_id": run_id, "scope": scope,
            "success": outcome.success, "validations": outcome.validations,
        })
        failures = []
        for failed in outcome.failed:
            rows = pd.DataFrame()
            for frame in frames:  # the first batch where the expectation failed shows its rows
                rows = quality.failing_rows(frame, failed)
                if not rows.empty:
                    break
            failures.append({
                "expectation": failed.expectation, "column": failed.column, "reason": failed.reason,
                "unexpected_rows": failed.unexpected_count, "observed": failed.observed,
                "sample": failed.unexpected_sample, "sample_rows": rows.astype(str).to_dict(orient="records"),
            })
            if not rows.empty:
                context.log.error(f"{schema}.{table}: {failed.expectation} on {failed.column}:\n"
                                  f"{rows.to_string(index=False)}")
        if not outcome.success:
            context.log.error(f"{schema}.{table} failed its quality suite: {outcome.describe_failures()}")
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=_describe(outcome, failures) if not outcome.success else "all expectations met",
            metadata={
                "scope": scope,
                "rows": outcome.rows,
                "expectations": len(outcome.outcomes),
                "failed_expectations": len(outcome.failed),
                "failures": dg.MetadataValue.json(failures),
                "validation_results": dg.MetadataValue.path(str(results_file)),
            },
        )

    return _check


quality_checks = [_gx_check(schema, table) for schema, table in sorted(CHECKED_TABLES)]


CHECK_KEYS = [dg.AssetCheckKey(dg.AssetKey([schema, table]), "great_expectations")
              for schema, table in sorted(CHECKED_TABLES)]


def _check_results(context: dg.AssetExecutionContext) -> dict:
    """The latest evaluation of the asset checks on the assets the publication is built from (the
    job's dbt tests and every Great Expectations check), read from the instance's event log.

    A check evaluated in this run has `this_run` true; a Great Expectations check the job did not select
    (the daily announcements job does not check the trade tables) shows its latest evaluation from an
    earlier run, or `never_run`. Were the event log unable to hold check results, only the names of the blocking
    checks would be recorded, as passed: publication runs only after the blocking checks of its run passed."""
    storage = context.instance.event_log_storage
    if not storage.supports_asset_checks:
        return {
            "source": "blocking checks (the event log does not record check results)",
            "passed": len(CHECK_KEYS),
            "failed": 0,
            "checks": [{"asset": key.asset_key.to_user_string(), "check": key.name, "blocking": True, "passed": True}
                       for key in CHECK_KEYS],
        }
    # the checks of this job on the publication's upstream assets, and the Great Expectations gate in any case
    graph = context.job_def.asset_layer.asset_graph
    blocking = {key: graph.get_check_spec(key).blocking
                for key in graph.get_check_keys_for_assets(graph.get_ancestor_asset_keys(context.asset_key))}
    blocking |= dict.fromkeys(CHECK_KEYS, True)
    keys = sorted(blocking, key=lambda key: (key.asset_key.to_user_string(), key.name))
    records = storage.get_latest_asset_check_execution_by_key(keys)
    checks = []
    for key in keys:
        entry: dict = {"asset": key.asset_key.to_user_string(), "check": key.name, "blocking": blocking[key]}
        record = records.get(key)
        evaluation = record.event.asset_check_evaluation if record is not None and record.event is not None else None
        if evaluation is None:
            entry |= {"status": record.status.value if record is not None else "never_run", "passed": None,
                      "this_run": record is not None and record.run_id == context.run_id}
        else:
            entry |= {
                "status": record.status.value,
                "passed": evaluation.passed,
                "severity": evaluation.severity.value,
                "description": evaluation.description,
                "run_id": record.run_id,
                "this_run": record.run_id == context.run_id,
                "evaluated_at": datetime.fromtimestamp(record.event.timestamp, UTC).isoformat(),
                "partition": record.partition,
                "metadata": {name: value.value for name, value in evaluation.metadata.items()
                             if isinstance(value.value, str | int | float | bool)},
            }
        checks.append(entry)
    return {
        "source": "dagster event log",
        "in_this_run": sum(check["this_run"] for check in checks),
        "passed": sum(check["passed"] is True for check in checks),
        # a check that failed at WARN severity (a cross-source check above its warning level) did not block
        "failed": sum(check["passed"] is False and check.get("severity") != "WARN" for check in checks),
        "warned": sum(check["passed"] is False and check.get("severity") == "WARN" for check in checks),
        "not_evaluated": sum(check["passed"] is None for check in checks),
        "checks": checks,
    }


def _validation_documents(context: dg.AssetExecutionContext, quality_checks: dict,
                          warehouse) -> tuple[list[dict], list[str]]:
    """The stored validation results of each Great Expectations check's latest evaluation (the file its
    metadata names, else this run's), and the checks that have none. The file's path is a build-side
    detail: it is taken out of the manifest's copy of the metadata."""
    documents, missing = [], []
    for check in quality_checks["checks"]:
        if check.get("check") != "great_expectations":
            continue
        named = check.get("metadata", {}).pop("validation_results", None)
        schema, table = check["asset"].split("/")
        path = Path(named) if named else data_docs.results_path(warehouse, context.run_id, schema, table)
        if path.is_file():
            documents.append(data_docs.load(path))
        else:
            missing.append(check["asset"])
    return documents, missing


def _run_is_active(context: dg.AssetExecutionContext, run_id: str) -> bool:
    run = context.instance.get_run_by_id(run_id)
    return run is not None and not run.is_finished


@dg.asset(key=["published", "minerals"], group_name="publish", kinds={"duckdb", "parquet"},
          deps=[dg.AssetKey(["marts", name]) for name in MARTS] + [dg.AssetKey(["raw", "trade_flows"])],
          pool=WAREHOUSE_POOL)
def publication(context: dg.AssetExecutionContext, paths: MineralsPaths) -> dg.MaterializeResult:
    """A new version of the published DuckDB file (every mart plus the quarantine), one Parquet file
    per table, the Great Expectations Data Docs of the checks (data_docs/index.html), the dbt docs of
    every table and column (dbt_docs/index.html, one self-contained page) and a manifest
    (version, code commit, source vintages, row counts, the quality checks' latest results), written
    to a temporary folder and switched to in one step (see lib/publish.py).
    Runs only when every blocking quality check of the run passed."""
    settings = paths.settings()
    tables = {name: f"marts.{name}" for name in MARTS} | {"quarantine": "raw.quarantine"}
    quality_checks = _check_results(context)
    documents, missing = _validation_documents(context, quality_checks, settings.warehouse)
    if missing:
        context.log.warning(f"no stored validation results for {', '.join(missing)}: not in the Data Docs")
    result = publish_tables(settings.warehouse, settings.publish_dir, tables, quality_checks=quality_checks,
                            data_docs=lambda folder: data_docs.build(folder, documents) | {"missing": missing},
                            dbt_docs=lambda folder: dbt_docs.generate(settings.warehouse, folder))
    context.log.info(f"published version {result.version} ({len(tables)} tables) to {result.version_dir}")
    data_docs.prune(data_docs.results_root(settings.warehouse), keep={d["run_id"] for d in documents} | {context.run_id},
                    active=lambda run_id: _run_is_active(context, run_id))
    return dg.MaterializeResult(metadata={
        "version": result.version,
        "database": dg.MetadataValue.path(str(result.database)),
        "version_dir": dg.MetadataValue.path(str(result.version_dir)),
        "parquet_dir": dg.MetadataValue.path(str(result.parquet_dir)),
        "data_docs": dg.MetadataValue.path(str(result.version_dir / result.manifest["data_docs"]["index"])),
        "dbt_docs": dg.MetadataValue.path(str(result.version_dir / result.manifest["dbt_docs"]["index"])),
        "published_at": result.created_at,
        "code_commit": result.manifest["code_commit"] or "unknown",
        "row_counts": dg.MetadataValue.json(result.row_counts),
        "dagster/row_count": sum(result.row_counts.values()),
    })
