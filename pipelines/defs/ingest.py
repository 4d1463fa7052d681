"""Ingestion assets: one per raw table, each reading files from the input folder."""


from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from pipelines.defs.partitions import trade_years, year_range
from pipelines.defs.resources import WAREHOUSE_POOL, MineralsPaths
from pipelines.lib import announcements as ann
from pipelines.lib import scenarios, trade, usgs
from pipelines.lib.countries import CountryMatcher
from pipelines.lib.documents import documents_frame, latest_documents, load_validators, record_versions, save_validators
from pipelines.lib.faults import fault_point
from pipelines.lib.settings import REFERENCE_DIR, max_bad_row_share
from pipelines.lib.warehouse import connect, replace_quarantine, replace_table, replace_years

REFERENCE_FILES = {
    "countries": "countries.csv",
    "trade_country_codes": "trade_country_codes.csv",
    "hs_mineral_map": "hs_mineral_map.csv",
    "hs_nomenclature": "hs2022_nomenclature.csv",
    "hs_concordance": "hs_concordance.csv",
    "critical_mineral_lists": "critical_mineral_lists.csv",
    "usgs_series": "usgs_series.csv",
    "import_reliance_basis": "import_reliance_basis.csv",
}


def _preview(df: pd.DataFrame, rows: int = 10) -> dg.MetadataValue:
    return dg.MetadataValue.md(df.head(rows).to_markdown(index=False) if len(df) else "_no rows_")


def _describe(df: pd.DataFrame, quarantine: pd.DataFrame | None, settings) -> dict[str, object]:
    """Metadata every raw table shows in the UI: columns, preview, quarantine summary."""
    metadata: dict[str, object] = {
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name=str(c), type=str(t)) for c, t in df.dtypes.items()]
        ),
        "quarantined_rows": 0 if quarantine is None else len(quarantine),
        "warehouse": dg.MetadataValue.path(str(settings.warehouse)),
        "preview": _preview(df),
    }
    if quarantine is not None and len(quarantine):
        metadata["quarantine_reasons"] = dg.MetadataValue.md(
            quarantine.groupby("reason").size().sort_values(ascending=False).head(15)
            .rename("rows").reset_index().to_markdown(index=False)
        )
    return metadata


def _write(context: dg.AssetExecutionContext, paths: MineralsPaths, table: str, df: pd.DataFrame,
           quarantine: pd.DataFrame | None = None, **extra: object) -> dg.MaterializeResult:
    """Write a raw table (and its quarantined rows) and describe it in the UI."""
    settings = paths.settings()
    with connect(settings.warehouse) as con:
        n = replace_table(con, "raw", table, df)
        fault_point(f"ingest.{table}.raw_written")
        if quarantine is not None:
            replace_quarantine(con, table, quarantine)
    context.log.info(f"raw.{table}: {n} rows written, {0 if quarantine is None else len(quarantine)} quarantined")
    return dg.MaterializeResult(metadata={**_describe(df, quarantine, settings), "dagster/row_count": n, **extra})


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["raw", name], description=f"Reference table from data/reference/{file}.",
                     group_name="reference", kinds={"csv", "duckdb"})
        for name, file in REFERENCE_FILES.items()
    ],
    pool=WAREHOUSE_POOL,
)
def reference_tables(context: dg.AssetExecutionContext, paths: MineralsPaths):
    """Project-owned reference data: countries, trade country codes, HS map and nomenclature, mineral lists."""
    settings = paths.settings()
    with connect(settings.warehouse) as con:
        for name, file in REFERENCE_FILES.items():
            df = pd.read_csv(REFERENCE_DIR / file, dtype=str, keep_default_na=False, na_values=[""])
            n = replace_table(con, "raw", name, df)
            fault_point("ingest.reference_table")
            yield dg.MaterializeResult(
                asset_key=["raw", name],
                metadata={"dagster/row_count": n, "file": str(REFERENCE_DIR / file), "preview": _preview(df)},
            )


def _matcher() -> CountryMatcher:
    return CountryMatcher.from_reference(REFERENCE_DIR)


@dg.asset(key=["raw", "trade_flows"], group_name="ingest", kinds={"python", "duckdb"}, pool=WAREHOUSE_POOL,
          deps=[["raw", "countries"], ["raw", "trade_country_codes"]],
          partitions_def=trade_years, backfill_policy=dg.BackfillPolicy.single_run())
def trade_flows(context: dg.AssetExecutionContext, paths: MineralsPaths) -> dg.MaterializeResult:
    """All trade rows in one canonical layout: ITC Trade Map quantity exports (trade/trademap/),
    BACI reconciled value extracts (trade/baci_extract/), CEPII BACI releases (trade/baci/) and
    UN Comtrade API responses (trade/comtrade/). Unmatched partners and malformed rows go to
    raw.quarantine with file, line and reason. Partitioned by year: a run replaces exactly the
    years it covers, and reads BACI releases of those years only."""
    settings = paths.settings()
    limit = max_bad_row_share()
    matcher = _matcher()
    first, last = year_range(context)
    frames, quarantined, stats = trade.read_all(settings.trade_dir, matcher, settings.input_dir,
                                                years=(first, last), log=context.log.info)
    flows = pd.concat(frames, ignore_index=True) if frames else trade.empty_flows()
    flows, duplicates = trade.quarantine_duplicates(flows)
    quarantine = pd.concat([*quarantined, duplicates], ignore_index=True)
    share = trade.bad_row_share(len(flows), len(quarantine))
    by_source = flows.groupby("source").size().to_dict() if len(flows) else {}
    fault_point("ingest.trade_flows.read")
    with connect(settings.warehouse) as con:
        n = replace_years(con, "raw", "trade_flows", flows, first, last)
        fault_point("ingest.trade_flows.raw_written")
        replace_quarantine(con, "trade_flows", quarantine, source_files=stats["files_read"])
    context.log.info(f"raw.trade_flows {first}-{last}: {n} rows written, {len(quarantine)} quarantined")
    result = dg.MaterializeResult(metadata={
        **_describe(flows, quarantine, settings),
        "dagster/row_count": n,
        "years": f"{first}-{last}",
        "rows_by_source": dg.MetadataValue.json(by_source),
        "duplicate_rows": len(duplicates),
        "bad_row_share": round(share, 6),
        "reader_stats": dg.MetadataValue.json({k: v for k, v in stats.items() if k != "files_read"}),
        "files_read": len(stats["files_read"]),
    })
    if share > limit:
        raise dg.Failure(
            description=f"{len(quarantine):,} of {len(flows) + len(quarantine):,} trade rows ({share:.1%}) were "
                        f"quarantined, more than MINERALS_MAX_BAD_ROW_SHARE={limit:.1%}; see raw.quarantine "
                        "(asset = 'trade_flows') for each file, line and reason.",
            metadata=dict(result.metadata),
        )
    return result


@dg.asset(key=["raw", "usgs_production"], group_name="ingest", kinds={"python", "duckdb"},
          pool=WAREHOUSE_POOL, deps=[["raw", "countries"]])
def usgs_production(context: dg.AssetExecutionContext, paths: MineralsPaths) -> dg.MaterializeResult:
    """World mine and refinery production, reserves and capacity by country from the USGS Mineral
    Commodity Summaries data release (production/usgs_mcs*_commodities_data.csv), the world tables of
    earlier editions (production/**/mcs<edition>-<slug>_world.csv) and USGS's US net import reliance."""
    settings = paths.settings()
    files = sorted(settings.production_dir.glob("usgs_mcs*_commodities_data.csv"))
    if not files:
        raise FileNotFoundError(f"no USGS MCS data release (usgs_mcs*_commodities_data.csv) in {settings.production_dir}")
    matcher = _matcher()
    frames, quarantined, stats = [], [], {}
    readers = [(path, usgs.read_usgs_mcs) for path in files]
    readers += [(path, usgs.read_usgs_world_table) for path in usgs.world_table_files(settings.production_dir)]
    for path, read in readers:
        rows, quarantine, file_stats = read(path, matcher, settings.input_dir)
        frames.append(rows)
        quarantined.append(quarantine)
        stats[path.name] = file_stats
        context.log.info(f"{path.name}: {len(rows)} rows, {len(quarantine)} quarantined")
    return _write(context, paths, "usgs_production", pd.concat(frames, ignore_index=True),
                  pd.concat(quarantined, ignore_index=True), reader_stats=dg.MetadataValue.json(stats))


EXTRACTED_COLUMNS = ["parties", "mentioned_countries", "minerals", "stages", "instrument", "is_cooperation"]


def _with_extraction(latest: pd.DataFrame) -> pd.DataFrame:
    """The latest version of every document with the extracted fields (recomputed each run,
    so an improved extractor applies to the whole history)."""
    found = [ann.extract(title or "", body or "") for title, body in zip(latest["title"], latest["body"], strict=True)]
    frame = latest[["announcement_id", "version", "source", "kind", "url", "title", "published_date", "body",
                    "source_file", "content_hash", "first_seen_at"]].copy()
    for column in EXTRACTED_COLUMNS:
        frame[column] = [f[column] for f in found]
    return frame


def _sources(settings_dir: Path, rejected: list) -> list:
    """The usable sources of sources.yaml; a bad entry (a path leaving the folder, an unknown kind)
    goes to `rejected` as a quarantine record and the other sources are still read."""
    config = settings_dir / "sources.yaml"
    if not config.exists():
        raise FileNotFoundError(f"announcement sources config not found: {config}")
    return ann.load_sources(config, rejected=rejected)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["raw", "announcement_documents"], group_name="ingest", kinds={"python", "duckdb"},
                     description="Every version of every announcement document ever read (append-only history)."),
        dg.AssetSpec(["raw", "announcements"], group_name="ingest", kinds={"python", "duckdb"},
                     deps=[["raw", "announcement_documents"]],
                     description="The latest version of each announcement with parties, minerals, stages and "
                                 "instrument extracted."),
    ],
    pool=WAREHOUSE_POOL,
)
def announcements(context: dg.AssetExecutionContext, paths: MineralsPaths):
    """Announcement documents from the sources in announcements/sources.yaml (RSS/Atom feeds, HTML pages,
    text files). Incremental: documents already stored are not added again; a changed document is stored
    as a new version of the same id."""
    settings = paths.settings()
    with connect(settings.warehouse) as con:
        validators = load_validators(con)
    fetcher = ann.ConditionalFetcher(validators)  # online sources: unchanged feeds answer 304, cost nothing
    documents, quarantined, per_source = [], [], {}
    for source in _sources(settings.announcements_dir, quarantined):
        if not source.enabled or source.kind == "events_csv":
            continue
        docs, bad = ann.read_source(source, settings.announcements_dir, fetch=fetcher)
        documents.extend(docs)
        quarantined.extend(bad)
        per_source[source.name] = {"documents": len(docs), "quarantined": len(bad)}
        context.log.info(f"{source.name}: {len(docs)} documents, {len(bad)} quarantined")
    with connect(settings.warehouse) as con:
        counts = record_versions(con, documents_frame(documents), datetime.now(UTC).replace(tzinfo=None))
        fault_point("ingest.documents.recorded")
        save_validators(con, validators)
        n_versions = con.execute("select count(*) from raw.announcement_documents").fetchone()[0]
        latest = latest_documents(con)
    context.log.info(f"announcement documents: {counts['new']} new, {counts['changed']} changed, "
                     f"{counts['unchanged']} unchanged; {n_versions} versions stored")
    yield dg.MaterializeResult(
        asset_key=["raw", "announcement_documents"],
        metadata={"dagster/row_count": n_versions, "new_documents": counts["new"],
                  "changed_documents": counts["changed"], "unchanged_documents": counts["unchanged"]},
    )
    frame = _with_extraction(latest)
    result = _write(context, paths, "announcements", frame, pd.DataFrame(quarantined),
                    documents_by_source=dg.MetadataValue.json(per_source),
                    cooperation_documents=int(frame["is_cooperation"].sum()) if len(frame) else 0)
    yield dg.MaterializeResult(asset_key=["raw", "announcements"], metadata=result.metadata)


@dg.asset(key=["raw", "diplomacy_events"], group_name="ingest", kinds={"python", "duckdb"}, pool=WAREHOUSE_POOL)
def diplomacy_events(context: dg.AssetExecutionContext, paths: MineralsPaths) -> dg.MaterializeResult:
    """Dated critical-minerals diplomacy events (announcements/events/*.csv): agreements, frameworks,
    partnerships, meetings and list releases, each with its sources."""
    settings = paths.settings()
    files = sorted((settings.announcements_dir / "events").glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no events CSV in {settings.announcements_dir / 'events'}")
    frames, quarantined = [], []
    for path in files:
        events, bad = ann.read_events(path)
        frames.append(events)
        quarantined.append(pd.DataFrame(bad))
        context.log.info(f"{path.name}: {len(events)} events, {len(bad)} quarantined")
    return _write(context, paths, "diplomacy_events", pd.concat(frames, ignore_index=True),
                  pd.concat(quarantined, ignore_index=True))


class AdhocScenario(dg.Config):
    """An ad hoc disruption scenario typed in the launchpad, added to the scenario files' scenarios
    with id 'adhoc'. Leave every field empty to load the files alone."""

    supplier_iso3: str | None = Field(
        default=None, description="The supplier whose exports are restricted, ISO 3166-1 alpha-3 (e.g. CHN).")
    mineral: str | None = Field(
        default=None, description="A mineral of data/reference/hs_mineral_map.csv (e.g. gallium, rare earths).")
    stage: str | None = Field(
        default=None, description="A stage (mining, processing, ...), several separated by commas, or 'all' "
                                  "(the default: every stage the mineral has).")
    restricted_share: float | None = Field(
        default=None, description="k, the share of the supplier's exports lost, 0 < k <= 1 (default 1.0: "
                                  "removed entirely; 0.5: half lost).")
    description: str | None = Field(default=None, description="What the scenario stands for (optional).")


@dg.asset(key=["raw", "disruption_scenarios"], group_name="ingest", kinds={"python", "duckdb"}, pool=WAREHOUSE_POOL,
          deps=[["raw", "countries"], ["raw", "hs_mineral_map"]])
def disruption_scenarios(context: dg.AssetExecutionContext, config: AdhocScenario,
                         paths: MineralsPaths) -> dg.MaterializeResult:
    """Disruption scenarios from scenarios/*.yaml (one row per scenario and stage): a supplier whose
    exports of a mineral at some stages are restricted by a share k. A bad scenario (unknown mineral,
    stage or country, k outside (0, 1]) goes to raw.quarantine with file, line and reason, and the
    others are loaded. An ad hoc scenario given in the launchpad config is added with id 'adhoc'."""
    settings = paths.settings()
    vocabulary = scenarios.Vocabulary.from_reference(REFERENCE_DIR)
    frame, quarantine, per_file = scenarios.read_scenarios(settings.input_dir / "scenarios", vocabulary,
                                                           root=settings.input_dir)
    try:
        adhoc = scenarios.adhoc_scenario(vocabulary, **config.model_dump())
    except scenarios.ScenarioConfigError as error:
        raise dg.Failure(description=str(error)) from error
    if len(adhoc):
        frame = pd.concat([frame, adhoc], ignore_index=True)
        context.log.info(f"ad hoc scenario added: {adhoc.iloc[0]['description']}")
    for reason in quarantine["reason"]:
        context.log.warning(f"scenario quarantined: {reason}")
    listed = frame.groupby("scenario_id", sort=False).agg(
        supplier_iso3=("supplier_iso3", "first"), mineral=("mineral", "first"),
        stages=("stage", ", ".join), restricted_share=("restricted_share", "first"),
    ).reset_index()
    no_codes = scenarios.without_dependency_codes(frame, vocabulary)
    if no_codes:
        context.log.warning("only basket trade codes (left out of the dependency tables), so no rows in "
                            f"disruption_impacts: {'; '.join(no_codes)}")
    return _write(context, paths, "disruption_scenarios", frame, quarantine,
                  scenarios=dg.MetadataValue.md(listed.to_markdown(index=False) if len(listed) else "_no scenarios_"),
                  scenario_count=len(listed),
                  scenarios_by_file=dg.MetadataValue.json(per_file),
                  adhoc_scenario=bool(len(adhoc)),
                  stages_without_dependency_codes=dg.MetadataValue.json(no_codes))

