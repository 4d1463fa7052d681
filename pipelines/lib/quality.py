"""Great Expectations (GX Core 1.x) suites and a small runner for pandas frames.

The suites are plain data: a list of expectations per table, each with the reason
it exists in its `meta`. `validate` runs one suite on a DataFrame in an ephemeral
GX context and returns a summary that is easy to show as Dagster metadata, with
what GX returned (the suite and its `ExpectationSuiteValidationResult`, as JSON)
kept for the Data Docs built at publication (see lib/data_docs.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig

STAGES = ["exploration", "mining", "processing", "recycling", "manufacturing"]
BASES = ["value_usd", "quantity_t"]
INSTRUMENTS = [
    "meeting", "joint_statement", "mou", "framework", "agreement",
    "partnership", "investment", "policy_list", "export_control", "none",
]
MIN_YEAR, MAX_YEAR = 1988, 2030

# GX logs a line per context and per validation; keep the run log readable.
logging.getLogger("great_expectations").setLevel(logging.WARNING)


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    reason: str
    unexpected_count: int | None = None
    unexpected_sample: list[Any] = field(default_factory=list)
    observed: Any = None


@dataclass
class SuiteOutcome:
    suite: str
    rows: int
    outcomes: list[ExpectationOutcome]
    # one entry per GX validation run: {"batch": label, "suite": suite JSON, "result": validation result JSON}
    validations: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def describe_failures(self) -> str:
        lines = []
        for o in self.failed:
            where = f" on {o.column}" if o.column else ""
            count = f", {o.unexpected_count} rows" if o.unexpected_count is not None else ""
            sample = f", e.g. {o.unexpected_sample[:5]}" if o.unexpected_sample else ""
            observed = f", observed {o.observed}" if o.observed is not None else ""
            lines.append(f"{o.expectation}{where}{count}{observed}{sample} ({o.reason})")
        return "; ".join(lines)


def _why(expectation: gxe.Expectation, reason: str) -> gxe.Expectation:
    """The reason an expectation exists, in its `meta` and as its `notes` (which Data Docs show)."""
    expectation.meta = {"reason": reason}
    expectation.notes = reason
    return expectation


def _not_null(columns: list[str], reason: str) -> list[gxe.Expectation]:
    return [_why(gxe.ExpectColumnValuesToNotBeNull(column=c), reason) for c in columns]


def _non_empty(table: str) -> gxe.Expectation:
    return _why(
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        f"an empty {table} means an input was lost or a join dropped everything",
    )


def _iso3(columns: list[str], known_codes: list[str]) -> list[gxe.Expectation]:
    return [
        _why(
            gxe.ExpectColumnValuesToBeInSet(column=c, value_set=known_codes),
            "country codes must be ISO 3166-1 alpha-3 (or a documented project code)",
        )
        for c in columns
    ]


def _years(column: str = "year") -> gxe.Expectation:
    return _why(
        gxe.ExpectColumnValuesToBeBetween(column=column, min_value=MIN_YEAR, max_value=MAX_YEAR),
        f"trade and production years outside {MIN_YEAR}-{MAX_YEAR} are parsing errors",
    )


def _unit_interval(columns: list[str], reason: str) -> list[gxe.Expectation]:
    return [
        _why(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1), reason) for c in columns
    ]


def suite_for(table: str, known_codes: list[str]) -> list[gxe.Expectation]:
    """The expectations for one table (raw trade flows or a published mart)."""
    if table == "trade_flows":
        return [
            _non_empty(table),
            *_not_null(["source", "year", "hs_code", "exporter_iso3", "importer_iso3", "source_file"],
                       "every flow needs its source, year, product, both countries and its origin file"),
            *_iso3(["exporter_iso3", "importer_iso3"], known_codes),
            _years(),
            _why(gxe.ExpectColumnValuesToMatchRegex(column="hs_code", regex=r"^\d{4}(?:\d{2})?$"),
                 "HS codes are 4- or 6-digit strings with leading zeros kept"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="value_usd", min_value=0, max_value=1e13),
                 "a trade value is never negative, and no bilateral mineral flow reaches 10 trillion USD"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="quantity_t", min_value=0, max_value=1e10),
                 "a quantity is never negative, and no bilateral mineral flow reaches 10 billion tonnes"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="reported_by", value_set=["importer", "exporter", "reconciled"]),
                 "each row says whose report it is, for the mirror rule"),
        ]
    if table == "supplier_shares":
        return [
            _non_empty(table),
            *_not_null(["importer_iso3", "exporter_iso3", "mineral", "stage", "year", "basis", "amount", "share"],
                       "the grain columns and the measure are always present"),
            *_iso3(["importer_iso3", "exporter_iso3"], known_codes),
            _years(),
            _why(gxe.ExpectColumnValuesToBeInSet(column="stage", value_set=STAGES), "stages come from one vocabulary"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="basis", value_set=BASES), "value and quantity are never mixed"),
            *_unit_interval(["share"], "a share is a fraction of the importer's total"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0, strict_min=True),
                 "suppliers with nothing supplied are not suppliers"),
        ]
    if table == "value_chain_dependency":
        return [
            _non_empty(table),
            *_not_null(["importer_iso3", "mineral", "stage", "year", "basis", "total_imports",
                        "n_suppliers", "top_supplier_iso3", "top_supplier_share", "hhi"],
                       "every dependency row is complete"),
            *_iso3(["importer_iso3", "top_supplier_iso3"], known_codes),
            _years(),
            _why(gxe.ExpectColumnValuesToBeInSet(column="stage", value_set=STAGES), "stages come from one vocabulary"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="basis", value_set=BASES), "value and quantity are never mixed"),
            *_unit_interval(["hhi", "top_supplier_share", "top3_share"], "HHI and shares are on a 0-1 scale"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="n_suppliers", min_value=1),
                 "a dependency has at least one supplier"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="hhi_change", min_value=-1, max_value=1),
                 "a change of HHI on a 0-1 scale stays within -1 and 1"),
        ]
    if table == "lookthrough_dependency":
        return [
            _non_empty(table),
            *_not_null(["importer_iso3", "mineral", "stage", "upstream_stage", "year", "basis", "origin_iso3",
                        "effective_share", "coverage_of_data"],
                       "every look-through row is complete"),
            *_iso3(["importer_iso3"], known_codes),
            _why(gxe.ExpectColumnValuesToBeInSet(column="origin_iso3", value_set=[*known_codes, "UNKNOWN"]),
                 "an origin is a country code, or UNKNOWN for suppliers with no upstream data"),
            _years(),
            _why(gxe.ExpectColumnValuesToBeInSet(column="stage", value_set=["processing", "manufacturing"]),
                 "only processing and manufacturing have an upstream stage to look through to"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="upstream_stage", value_set=["mining", "processing"]),
                 "processing looks through to mining, manufacturing to processing"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="basis", value_set=BASES), "value and quantity are never mixed"),
            *_unit_interval(["effective_share", "coverage_of_data"],
                            "shares and coverage are fractions of the importer's total"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="effective_share", min_value=0, strict_min=True),
                 "an origin with nothing traced to it is not an origin"),
        ]
    if table == "production_concentration":
        return [
            _non_empty(table),
            *_not_null(["mineral", "stage", "year", "n_producers", "top_producer_iso3", "top_producer_share", "hhi"],
                       "every concentration row is complete"),
            *_iso3(["top_producer_iso3"], known_codes),
            _years(),
            _why(gxe.ExpectColumnValuesToBeInSet(column="stage", value_set=["exploration", "mining", "processing"]),
                 "USGS gives mine and refinery production (mining, processing) and reserves (exploration)"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="basis",
                                                 value_set=["contained_content", "gross_weight", "oxide_equivalent"]),
                 "every figure states what is weighed, so bases are never mixed"),
            *_unit_interval(["hhi", "top_producer_share"], "HHI and shares are on a 0-1 scale"),
        ]
    if table == "net_import_reliance":
        return [  # may be empty: only inputs with a commensurate trade and production pair give rows
            *_not_null(["iso3", "mineral", "stage", "year", "imports_t", "exports_t", "production_t",
                        "trade_source", "is_net_exporter"], "every reliance row is complete"),
            *_iso3(["iso3"], known_codes),
            _years(),
            _why(gxe.ExpectColumnValuesToBeInSet(column="basis", value_set=["quantity_t"]),
                 "reliance compares tonnes with tonnes, never values"),
            *_unit_interval(["net_import_reliance", "usgs_net_import_reliance"],
                            "net import reliance is a share of apparent consumption"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="imports_t", min_value=0), "tonnages are not negative"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="exports_t", min_value=0), "tonnages are not negative"),
        ]
    if table == "announcements":
        return [
            _non_empty(table),
            *_not_null(["announcement_id", "title", "source"], "an announcement is identified and titled"),
            _why(gxe.ExpectColumnValuesToBeUnique(column="announcement_id"), "ids are stable and unique"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="instrument", value_set=INSTRUMENTS),
                 "instruments come from one vocabulary"),
        ]
    if table == "cooperation_agreements":
        return [
            _non_empty(table),
            *_not_null(["agreement_id", "instrument", "start_date", "parties"],
                       "an instrument is dated and has parties"),
            _why(gxe.ExpectColumnValuesToBeUnique(column="agreement_id"), "one row per instrument"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="instrument", value_set=INSTRUMENTS),
                 "instruments come from one vocabulary"),
        ]
    if table == "mirror_discrepancies":
        return [
            _non_empty(table),
            *_not_null(["source", "year", "exporter_iso3", "importer_iso3", "mineral", "stage", "basis",
                        "importer_reported", "exporter_reported"], "a mirror pair has both sides"),
            *_iso3(["importer_iso3", "exporter_iso3"], known_codes),
            _years(),
            _why(gxe.ExpectColumnValuesToBeInSet(column="basis", value_set=BASES), "value and quantity are never mixed"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="importer_reported", min_value=0),
                 "reported flows are never negative"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="exporter_reported", min_value=0),
                 "reported flows are never negative"),
        ]
    if table == "hs_mineral_map":
        return [
            _non_empty(table),
            *_not_null(["hs6", "hs_code", "mineral", "stage"], "each code maps to a mineral and a stage"),
            _why(gxe.ExpectColumnValuesToMatchRegex(column="hs_code", regex=r"^\d{4}(?:\d{2})?$"),
                 "HS codes are 4- or 6-digit strings with leading zeros kept"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="stage", value_set=STAGES), "stages come from one vocabulary"),
        ]
    if table == "cooperation_coverage":
        return [
            _non_empty(table),
            *_not_null(["importer_iso3", "mineral", "stage", "year", "basis", "total_imports", "hhi",
                        "covered_imports", "covered_share", "n_partner_suppliers", "partner_suppliers", "instruments"],
                       "every dependency has a coverage row, 0 and empty lists when no partner supplies it"),
            _why(gxe.ExpectCompoundColumnsToBeUnique(column_list=["importer_iso3", "mineral", "stage", "year", "basis"]),
                 "one row per dependency of value_chain_dependency"),
            *_iso3(["importer_iso3"], known_codes),
            _years(),
            _why(gxe.ExpectColumnValuesToBeInSet(column="stage", value_set=STAGES), "stages come from one vocabulary"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="basis", value_set=BASES), "value and quantity are never mixed"),
            *_unit_interval(["covered_share", "hhi"], "the covered share and HHI are on a 0-1 scale"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="covered_imports", min_value=0),
                 "imports from partners are never negative"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="n_partner_suppliers", min_value=0),
                 "a count of partner suppliers is never negative"),
        ]
    # coverage_gaps and cooperation_partner_potential may be empty without anything being wrong (every
    # dependency partly covered; no USGS year in which an instrument is in force), so no row-count floor.
    if table == "coverage_gaps":
        return [
            *_not_null(["importer_iso3", "mineral", "stage", "year", "basis", "total_imports", "hhi",
                        "hhi_weighted_imports", "top_supplier_iso3", "gap_rank"], "every gap row is complete and ranked"),
            _why(gxe.ExpectCompoundColumnsToBeUnique(column_list=["importer_iso3", "mineral", "stage", "year", "basis"]),
                 "one row per uncovered dependency"),
            _why(gxe.ExpectCompoundColumnsToBeUnique(column_list=["importer_iso3", "year", "basis", "gap_rank"]),
                 "ranks are 1, 2, 3, ... within an importer, year and basis"),
            *_iso3(["importer_iso3", "top_supplier_iso3"], known_codes),
            _years(),
            _why(gxe.ExpectColumnValuesToBeInSet(column="basis", value_set=BASES), "value and quantity are never mixed"),
            *_unit_interval(["hhi"], "HHI is on a 0-1 scale"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="hhi_weighted_imports", min_value=0),
                 "hhi × imports is never negative"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="gap_rank", min_value=1), "ranks start at 1"),
        ]
    if table == "cooperation_partner_potential":
        return [
            *_not_null(["agreement_id", "instrument", "partner_iso3", "is_named_party", "mineral", "stage", "year",
                        "measure", "partner_amount_t", "world_total_t", "partner_share_of_world"],
                       "every potential row names its instrument, partner and production or reserves"),
            _why(gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["agreement_id", "partner_iso3", "mineral", "stage", "year"]),
                 "one row per instrument, partner, mineral, stage and year"),
            *_iso3(["partner_iso3"], known_codes),
            _years(),
            _why(gxe.ExpectColumnValuesToBeInSet(
                column="instrument", value_set=["agreement", "framework", "mou", "partnership", "joint_statement"]),
                 "meetings and other kinds of instrument do not count as cooperation instruments"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="stage", value_set=["exploration", "mining", "processing"]),
                 "USGS gives mine and refinery production (mining, processing) and reserves (exploration)"),
            *_unit_interval(["partner_share_of_world"], "a country's share of world production or reserves"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="partner_amount_t", min_value=0, strict_min=True),
                 "partners without production or reserves have no row"),
        ]
    # disruption_impacts may be empty (no scenario's supplier sells its mineral at its stages in the data).
    if table == "disruption_impacts":
        return [
            *_not_null(["scenario_id", "supplier_iso3", "restricted_share", "importer_iso3", "mineral", "stage", "year",
                        "basis", "total_imports", "supplier_amount", "supplier_share", "lost_share", "lost_amount",
                        "remaining_imports", "n_suppliers_before", "n_suppliers_after", "hhi_before",
                        "supply_fully_lost", "partner_supplies", "partner_suppliers"],
                       "every impact row is complete; only the after-columns are NULL, when the supply is fully lost"),
            _why(gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["scenario_id", "importer_iso3", "mineral", "stage", "year", "basis"]),
                 "one row per scenario and affected dependency"),
            *_iso3(["supplier_iso3", "importer_iso3", "top_supplier_after"], known_codes),
            _years(),
            _why(gxe.ExpectColumnValuesToBeInSet(column="stage", value_set=STAGES), "stages come from one vocabulary"),
            _why(gxe.ExpectColumnValuesToBeInSet(column="basis", value_set=BASES), "value and quantity are never mixed"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="restricted_share", min_value=0, max_value=1, strict_min=True),
                 "a restricted share k is in (0, 1]: 1 removes the supplier, 0.5 halves its exports"),
            *_unit_interval(["supplier_share", "lost_share", "hhi_before", "hhi_after", "top_supplier_share_after"],
                            "shares and HHI are on a 0-1 scale"),
            _why(gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="supplier_share", column_B="lost_share",
                                                             or_equal=True),
                 "lost_share = k × supplier_share never exceeds the supplier's share"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="remaining_imports", min_value=0),
                 "what remains after the loss is never negative"),
            _why(gxe.ExpectColumnValuesToBeBetween(column="n_suppliers_after", min_value=0),
                 "a count of remaining suppliers is never negative"),
        ]
    raise KeyError(f"no quality suite is defined for table {table!r}")


def validate(df: pd.DataFrame, suite_name: str, expectations: list[gxe.Expectation], *,
             run_name: str | None = None, batch: str = "whole table") -> SuiteOutcome:
    """Run `expectations` on `df` with GX Core and summarise the outcome. `run_name` (the Dagster run)
    and `batch` (which rows: "whole table", "years 2020-2022") label the kept validation result."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name=f"{suite_name}_frames")
    asset = source.add_dataframe_asset(name=suite_name)
    batch_definition = asset.add_batch_definition_whole_dataframe(f"{suite_name}_whole")
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for expectation in expectations:  # copies: one expectation list may serve several suites
        suite.add_expectation(expectation.copy(update={"id": None}))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite_name}_validation", data=batch_definition, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": df},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": 10},
        run_id=RunIdentifier(run_name=run_name) if run_name else None,
    )
    outcomes = []
    for r in result.results:
        config = r.expectation_config
        details = r.result or {}
        outcomes.append(
            ExpectationOutcome(
                expectation=config.type,
                column=config.kwargs.get("column"),
                success=bool(r.success),
                reason=(config.meta or {}).get("reason", ""),
                unexpected_count=details.get("unexpected_count"),
                unexpected_sample=[_plain(v) for v in details.get("partial_unexpected_list", []) or []],
                observed=_plain(details.get("observed_value")),
            )
        )
    validation = {"batch": batch, "suite": suite.to_json_dict(), "result": result.to_json_dict()}
    return SuiteOutcome(suite=suite_name, rows=len(df), outcomes=outcomes, validations=[validation])


def validate_years(
    df: pd.DataFrame, table_rows: int, suite_name: str, expectations: list[gxe.Expectation], *,
    run_name: str | None = None, batch: str = "years",
) -> SuiteOutcome:
    """Validate the rows of some years of a table (`df`) and the row count of the whole table.

    Row-level expectations run on `df`; each table row-count expectation runs instead on the whole
    table's count, computed in DuckDB, as a one-row frame (column ``table_rows``)."""
    row_level = [e for e in expectations if not isinstance(e, gxe.ExpectTableRowCountToBeBetween)]
    table_level = [
        _why(
            gxe.ExpectColumnValuesToBeBetween(column="table_rows", min_value=e.min_value, max_value=e.max_value),
            (e.meta or {}).get("reason", ""),
        )
        for e in expectations
        if isinstance(e, gxe.ExpectTableRowCountToBeBetween)
    ]
    outcome = validate(df, suite_name, row_level, run_name=run_name, batch=batch)
    if table_level:
        counted = validate(pd.DataFrame({"table_rows": [table_rows]}), f"{suite_name}_table", table_level,
                           run_name=run_name, batch="whole table row count")
        outcome.outcomes.extend(counted.outcomes)
        outcome.validations.extend(counted.validations)
    return outcome


def merge_outcomes(parts: list[SuiteOutcome]) -> SuiteOutcome:
    """One outcome for a suite run batch by batch over a table: an expectation holds when it held
    in every batch; unexpected counts add up; samples and the observed value come from the first
    batches where it failed."""
    first = parts[0]
    merged = []
    for index, outcome in enumerate(first.outcomes):
        same = [part.outcomes[index] for part in parts]
        failed = [o for o in same if not o.success]
        counts = [o.unexpected_count for o in same if o.unexpected_count is not None]
        merged.append(ExpectationOutcome(
            expectation=outcome.expectation,
            column=outcome.column,
            success=not failed,
            reason=outcome.reason,
            unexpected_count=sum(counts) if counts else None,
            unexpected_sample=[v for o in failed for v in o.unexpected_sample][:10],
            observed=(failed[0] if failed else same[-1]).observed,
        ))
    return SuiteOutcome(suite=first.suite, rows=sum(part.rows for part in parts), outcomes=merged,
                        validations=[v for part in parts for v in part.validations])


def year_batches(rows_by_year: dict[int, int], max_rows: int) -> list[tuple[int, int]]:
    """Consecutive years grouped into (first, last) ranges of at most `max_rows` rows each (a year
    above the limit is a range of its own), so a long range is validated without holding it whole."""
    batches: list[list[int]] = []
    held = 0
    for year in sorted(rows_by_year):
        rows = rows_by_year[year]
        if not batches or held + rows > max_rows:
            batches.append([year, year])
            held = 0
        batches[-1][1] = year
        held += rows
    return [(first, last) for first, last in batches]


ORIGIN_COLUMNS = ["source_file", "source_line"]


def failing_rows(df: pd.DataFrame, outcome: ExpectationOutcome, limit: int = 5) -> pd.DataFrame:
    """A few rows of `df` that break a column expectation, with their file and line when the
    table has them, so a failure can be traced back to its input."""
    if outcome.success or outcome.column is None or outcome.column not in df.columns:
        return df.iloc[0:0]
    column = df[outcome.column]
    if outcome.expectation == "expect_column_values_to_not_be_null":
        mask = column.isna()
    elif outcome.expectation == "expect_column_values_to_be_unique":
        mask = column.duplicated(keep=False) & column.notna()
    else:
        sample = {v for v in outcome.unexpected_sample if v is not None}
        mask = column.astype(str).isin({str(v) for v in sample}) if sample else column.isna() & False
    keep = [c for c in [outcome.column, *ORIGIN_COLUMNS] if c in df.columns]
    return df.loc[mask, keep].head(limit)


def _plain(value: Any) -> Any:
    """Make GX result values JSON-friendly for metadata."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
