"""Cross-source checks (lib/crosscheck.py) as blocking asset checks: they warn when a share of the
comparisons lies outside the tolerance, and block publication only above the blocking share."""


import dagster as dg

from pipelines.defs.partitions import run_years
from pipelines.defs.resources import WAREHOUSE_POOL, MineralsPaths
from pipelines.lib import crosscheck
from pipelines.lib.warehouse import connect

TRADE_FLOWS = dg.AssetKey(["raw", "trade_flows"])
USGS_PRODUCTION = dg.AssetKey(["raw", "usgs_production"])


def _result(comparison: crosscheck.Comparison, scope: str) -> dg.AssetCheckResult:
    verdict = comparison.verdict
    sample = comparison.sample()
    metadata: dict[str, object] = {
        "scope": scope,
        "rows_compared": comparison.compared,
        "rows_outside_tolerance": comparison.outside,
        "share_of_rows_outside": round(comparison.share_of_rows_outside, 6),
        "gated_on": comparison.measure,
        "share_outside": round(comparison.share_outside, 6),
        "tolerance": comparison.limits.tolerance,
        "warn_share": comparison.limits.warn_share,
        "max_share": comparison.limits.max_share,
        "verdict": verdict,
        "sample": dg.MetadataValue.md(sample.to_markdown(index=False) if len(sample) else "_nothing outside the tolerance_"),
    }
    metadata.update(comparison.counts)
    if comparison.by_basis:
        metadata["by_basis"] = dg.MetadataValue.json(comparison.by_basis)
    return dg.AssetCheckResult(
        passed=verdict == "pass",
        severity=dg.AssetCheckSeverity.WARN if verdict == "warn" else dg.AssetCheckSeverity.ERROR,
        description=comparison.describe(),
        metadata=metadata,
    )


def _trade_scope(context: dg.AssetCheckExecutionContext) -> tuple[tuple[int, int], str]:
    """The run's years (a partitioned run checks its own years, like the Great Expectations check), else all."""
    years = run_years(context.run.tags)
    if years is None:
        return crosscheck.ALL_YEARS, "whole table"
    return years, f"years {years[0]}-{years[1]}"


@dg.asset_check(asset=TRADE_FLOWS, name="mirror_flows", blocking=True, pool=WAREHOUSE_POOL,
                description="Importer- against exporter-reported figures of the same flow (source, pair, HS code, "
                            "year, basis): warns when over MINERALS_MIRROR_WARN_SHARE of the mirrored volume differs "
                            "by more than MINERALS_MIRROR_TOLERANCE, blocks over MINERALS_MIRROR_MAX_SHARE.")
def mirror_flows_check(context: dg.AssetCheckExecutionContext, paths: MineralsPaths) -> dg.AssetCheckResult:
    years, scope = _trade_scope(context)
    with connect(paths.settings().warehouse) as con:
        comparison = crosscheck.mirror_flows(con, crosscheck.limits("MIRROR"), years)
    context.log.info(f"raw.trade_flows mirror flows ({scope}): {comparison.describe()}")
    return _result(comparison, scope)


@dg.asset_check(asset=TRADE_FLOWS, name="world_totals", blocking=True, pool=WAREHOUSE_POOL,
                description="UN Comtrade partner-World control totals against the sum of the partner rows of the "
                            "same reporter, flow, code, year and basis (MINERALS_WORLD_TOTAL_* limits).")
def world_totals_check(context: dg.AssetCheckExecutionContext, paths: MineralsPaths) -> dg.AssetCheckResult:
    years, scope = _trade_scope(context)
    with connect(paths.settings().warehouse) as con:
        comparison = crosscheck.world_totals(con, crosscheck.limits("WORLD_TOTAL"), years)
    context.log.info(f"raw.trade_flows world totals ({scope}): {comparison.describe()}")
    return _result(comparison, scope)


@dg.asset_check(asset=USGS_PRODUCTION, name="world_totals", blocking=True, pool=WAREHOUSE_POOL,
                description="Each USGS 'World total' against the listed countries plus 'Other countries' "
                            "(USGS rounds the totals: MINERALS_USGS_TOTAL_* limits, 5% by default).")
def usgs_world_totals_check(context: dg.AssetCheckExecutionContext, paths: MineralsPaths) -> dg.AssetCheckResult:
    with connect(paths.settings().warehouse) as con:
        comparison = crosscheck.usgs_world_totals(con, crosscheck.limits("USGS_TOTAL"))
    context.log.info(f"raw.usgs_production world totals: {comparison.describe()}")
    return _result(comparison, "whole table")
