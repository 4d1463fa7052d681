"""dbt models as Dagster assets: staging → intermediate → marts, tests as asset checks."""


import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from pipelines.defs.partitions import trade_years, year_range
from pipelines.defs.resources import WAREHOUSE_POOL, MineralsPaths, dbt_project
from pipelines.lib.faults import fault_point
from pipelines.lib.warehouse import connect, qualified_name


class MineralsDbtTranslator(DagsterDbtTranslator):
    """Asset keys are `<schema>/<table>` so they match the warehouse; groups follow the folders."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema")
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        schema = dbt_resource_props.get("config", {}).get("schema")
        return {"staging": "staging", "intermediate": "transform", "marts": "marts"}.get(schema, "transform")


translator = MineralsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    """Set an environment variable for the dbt process started inside the block."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def _warehouse_env(path: str):
    """Point dbt's profile at the warehouse this run uses (dbt reads MINERALS_WAREHOUSE)."""
    return _env("MINERALS_WAREHOUSE", path)


def _release_adapter_connection() -> None:
    """Close the DuckDB database that dbt's adapter opened in this process.

    dagster-dbt opens the adapter in-process to count rows; dbt-duckdb keeps that
    database open in a class-level environment. Left open, it holds the warehouse
    file and clashes with later connections of another configuration.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


TRADE_MODELS = ("stg_raw__trade_flows int_trade_flows_mapped supplier_shares value_chain_dependency "
                "mirror_discrepancies lookthrough_dependency")


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: MineralsPaths, args: list[str]):
    """Run `dbt build`, then report each model's row count (read from the warehouse by its
    schema and table once dbt has released the file, so any warehouse file name works)."""
    warehouse = paths.settings().warehouse
    # "buildable": a test runs in the invocation that builds all of its models (or their
    # ancestors), never in one where a model it reads is not built yet.
    with _warehouse_env(str(warehouse)), _env("DBT_INDIRECT_SELECTION", "buildable"):
        try:
            events = []
            for event in dbt.cli(["build", *args], context=context).stream():
                events.append(event)
                if isinstance(event, dg.Output):
                    fault_point("dbt.model_built", event.output_name)
        finally:
            _release_adapter_connection()
    with connect(warehouse) as con:
        for event in events:
            if isinstance(event, dg.Output):
                schema, table = context.asset_key_for_output(event.output_name).path
                is_table = con.execute(
                    "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
                ).fetchone()[0]
                if is_table:  # views have no stored rows to count
                    count = con.execute(f"select count(*) from {qualified_name(schema, table)}").fetchone()[0]
                    event = event.with_metadata({**event.metadata, "dagster/row_count": int(count)})
            yield event


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
            select=TRADE_MODELS, partitions_def=trade_years, backfill_policy=dg.BackfillPolicy.single_run(),
            pool=WAREHOUSE_POOL, name="dbt_trade_models")
def dbt_trade_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: MineralsPaths):
    """The trade path, built incrementally by year: a run rebuilds exactly the years of its partitions."""
    first, last = year_range(context)
    context.log.info(f"building trade models for {first}-{last}")
    # The years go to dbt as environment variables, not --vars: dbt re-parses the whole project
    # whenever --vars change, while the year window is read only when a model is compiled.
    with _env("MINERALS_MIN_YEAR", str(first)), _env("MINERALS_MAX_YEAR", str(last)):
        yield from _build(context, dbt, paths, [])


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
            exclude=TRADE_MODELS, pool=WAREHOUSE_POOL, name="dbt_models")
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: MineralsPaths):
    """Every other model: reference, production, announcements and agreements."""
    yield from _build(context, dbt, paths, [])
