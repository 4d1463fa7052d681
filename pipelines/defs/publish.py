"""Quality gate (Great Expectations, blocking) and publication of the marts."""


import json

import dagster as dg
import pandas as pd

from pipelines.defs.partitions import run_years
from pipelines.defs.resources import WAREHOUSE_POOL, MineralsPaths, dbt_project
from pipelines.defs.transform import TRADE_MODELS
from pipelines.lib import quality
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
                parts.append(quality.validate_years(frame, total, f"{schema}_{table}", suite))
                if not parts[-1].success:
                    frames.append(frame)
                del frame
            outcome = quality.merge_outcomes(parts)
            if len(parts) > 1:
                scope += f" ({len(parts)} batches)"
        else:
            frames = [read_table(warehouse, schema, table)]
            outcome = quality.validate(frames[0], f"{schema}_{table}", suite)
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
            },
        )

    return _check


quality_checks = [_gx_check(schema, table) for schema, table in sorted(CHECKED_TABLES)]


@dg.asset(key=["published", "minerals"], group_name="publish", kinds={"duckdb", "parquet"},
          deps=[dg.AssetKey(["marts", name]) for name in MARTS] + [dg.AssetKey(["raw", "trade_flows"])],
          pool=WAREHOUSE_POOL)
def publication(context: dg.AssetExecutionContext, paths: MineralsPaths) -> dg.MaterializeResult:
    """The published DuckDB file (every mart plus the quarantine) and one Parquet file per table,
    written to temporary files and renamed into place. Runs only when every quality check passed."""
    settings = paths.settings()
    tables = {name: f"marts.{name}" for name in MARTS} | {"quarantine": "raw.quarantine"}
    result = publish_tables(settings.warehouse, settings.publish_dir, tables)
    context.log.info(f"published {len(tables)} tables to {result.database}")
    return dg.MaterializeResult(metadata={
        "database": dg.MetadataValue.path(str(result.database)),
        "parquet_dir": dg.MetadataValue.path(str(result.parquet_dir)),
        "published_at": result.published_at,
        "row_counts": dg.MetadataValue.json(result.row_counts),
        "dagster/row_count": sum(result.row_counts.values()),
    })
