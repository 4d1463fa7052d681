"""Cross-source consistency checks: figures that two sources (or two parts of one source) both state
are compared in DuckDB, with a relative tolerance.

* **Mirror flows** (`mirror_flows`): where the importer and the exporter both report the flow of one
  product (HS code) between the same pair in the same year and source, the two figures. Importers
  report CIF and exporters FOB, at different times and with different confidentiality rules, so some
  disagreement is normal; the check is gated on the share of the mirrored *volume* (the larger of the
  two figures) outside the tolerance, per basis, since small flows are noisy. By default it warns and
  never blocks: the reports of two countries can differ several-fold for reasons of their own (the US
  and China book the same rare-earth and copper trade under different codes and values), and those
  differences are data for analysts (`mirror_discrepancies`), not a fault of the pipeline. Setting
  ``MINERALS_MIRROR_MAX_SHARE`` below 1 makes a larger share block publication.
* **World control totals** (`world_totals`): a UN Comtrade response holds, beside the partner rows,
  the reporter's total with partner World (stored in ``raw.trade_flows`` with the partner ``XWD``).
  It is compared with the sum of the partner rows of the same reporter, flow, code, year and basis; a
  difference means partner rows were lost (a truncated or edited response, quarantined rows) or
  counted twice. A download that asked for named partners only (such as the US–China collection:
  partners World, China and the United States) has fewer than `MIN_PARTNERS` partner rows beside its
  World row; such a partial breakdown is compared one way only: its partners may not add up to more
  than the World total.
* **USGS world totals** (`usgs_world_totals`): the "World total" row of each USGS table against the
  sum of the countries listed under it plus "Other countries". USGS rounds world totals (to two or
  three significant figures), hence a relative tolerance. Withheld (W), not available (NA) and other
  non-numeric entries are left out of the sum, as they are of USGS's own totals; a total with no
  number listed under it is counted as not comparable.

The relative difference of two figures a and b is |a - b| / max(|a|, |b|) (0 when both are 0), so a
tolerance of 0.5 means "within a factor of two". Each check's outcome (`Comparison.verdict`) is
``pass``, ``warn`` (the share outside the tolerance is above ``warn_share``: shown, does not block)
or ``error`` (above ``max_share``: publication is blocked). The limits come from
``MINERALS_<CHECK>_TOLERANCE``, ``MINERALS_<CHECK>_WARN_SHARE`` and ``MINERALS_<CHECK>_MAX_SHARE``
(CHECK = MIRROR, WORLD_TOTAL, USGS_TOTAL); see `DEFAULT_LIMITS`.

Every query takes its values as parameters; the SQL is constant text.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

WORLD = "XWD"        # partner World in raw.trade_flows and the "World total" rows of raw.usgs_production
ALL_YEARS = (0, 9999)
SAMPLE_ROWS = 10
# Sources whose World rows are control totals of their partner rows. Trade Map's "World" line also
# counts partners whose quantity is in another unit (and so not in raw.trade_flows), so it is not a
# like-for-like control total.
WORLD_TOTAL_SOURCES = ("comtrade",)
# Fewer partner rows than this beside a World row: a download of named partners, not a full breakdown.
MIN_PARTNERS = 3


@dataclass(frozen=True)
class Limits:
    """tolerance: relative difference above which a comparison is outside; warn_share / max_share:
    share outside above which the check warns / fails with ERROR (blocking)."""

    tolerance: float
    warn_share: float
    max_share: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.tolerance) and self.tolerance >= 0):
            raise ValueError(f"tolerance must be a number of at least 0, got {self.tolerance}")
        if not 0 <= self.warn_share <= self.max_share <= 1:
            raise ValueError(f"need 0 <= warn_share <= max_share <= 1, got {self.warn_share} and {self.max_share}")


DEFAULT_LIMITS = {
    # within 25%; warn when over a quarter of the mirrored volume (of any basis) is outside; never block by
    # default: the sources disagree for reasons of their own (US and Chinese reports of the same rare-earth
    # and copper flows differ several-fold), and those are published in mirror_discrepancies
    "MIRROR": Limits(tolerance=0.25, warn_share=0.25, max_share=1.0),
    # partner rows must add up to the World row within 1%; any group outside warns, over 5% of them block
    "WORLD_TOTAL": Limits(tolerance=0.01, warn_share=0.0, max_share=0.05),
    # USGS rounds world totals: 5%; any table outside warns, over a quarter of them block
    "USGS_TOTAL": Limits(tolerance=0.05, warn_share=0.0, max_share=0.25),
}


def limits(check: str, env: Mapping[str, str] | None = None) -> Limits:
    """The limits of `check` (a key of DEFAULT_LIMITS), each overridable by MINERALS_<CHECK>_<LIMIT>."""
    env = os.environ if env is None else env
    default = DEFAULT_LIMITS[check]
    values: dict[str, float] = {}
    for name in ("tolerance", "warn_share", "max_share"):
        variable = f"MINERALS_{check}_{name.upper()}"
        raw = env.get(variable, "").strip()
        try:
            values[name] = float(raw) if raw else getattr(default, name)
        except ValueError as error:
            raise ValueError(f"{variable} must be a number, got {raw!r}") from error
    try:
        return Limits(**values)
    except ValueError as error:
        raise ValueError(f"MINERALS_{check}_*: {error}") from error


@dataclass
class Comparison:
    """What a check compared and how much of it lies outside the tolerance.

    `share_outside` is the measure the verdict is taken on (`measure` says of what: compared rows, or
    the volume of the worst basis); `rows` holds every compared row with its `relative_difference`
    and `outside` flag; `counts` holds other counts worth showing ({"not_comparable": 3})."""

    check: str
    limits: Limits
    compared: int
    outside: int
    share_outside: float
    measure: str
    rows: pd.DataFrame = field(repr=False)
    counts: dict[str, int] = field(default_factory=dict)
    by_basis: dict[str, dict[str, Any]] = field(default_factory=dict)
    sample_columns: list[str] = field(default_factory=list)
    sample_order: tuple[str, ...] = ("relative_difference", "larger")

    @property
    def share_of_rows_outside(self) -> float:
        return self.outside / self.compared if self.compared else 0.0

    @property
    def verdict(self) -> str:
        if self.share_outside > self.limits.max_share:
            return "error"
        if self.share_outside > self.limits.warn_share:
            return "warn"
        return "pass"

    def sample(self, n: int = SAMPLE_ROWS) -> pd.DataFrame:
        """The comparisons outside the tolerance that matter most (`sample_order`, largest first)."""
        outside = self.rows[self.rows["outside"]]
        ordered = outside.sort_values(list(self.sample_order), ascending=False)
        return ordered[self.sample_columns].head(n).reset_index(drop=True)

    def describe(self) -> str:
        tolerance = f"±{self.limits.tolerance:.0%}" if self.limits.tolerance >= 0.01 else f"±{self.limits.tolerance:g}"
        text = (f"{self.outside:,} of {self.compared:,} compared ({self.share_of_rows_outside:.1%}) outside {tolerance}")
        if self.measure != "rows":
            text += f"; {self.share_outside:.1%} of the {self.measure} outside"
        for name, count in self.counts.items():
            text += f"; {count:,} {name.replace('_', ' ')}"
        limit = {"pass": "within", "warn": "above the warning level", "error": "above the blocking level"}[self.verdict]
        block = f"blocks above {self.limits.max_share:.0%}" if self.limits.max_share < 1 else "never blocks"
        return f"{text} — {limit} (warns above {self.limits.warn_share:.0%} of the {self.measure}; {block})"


def _relative(frame: pd.DataFrame, a: str, b: str) -> None:
    """Add `larger`, `difference` = |a - b| and `relative_difference` = |a - b| / max(|a|, |b|) (0 when
    both are 0)."""
    larger = frame[[a, b]].abs().max(axis=1)
    difference = (frame[a] - frame[b]).abs()
    frame["larger"] = larger
    frame["difference"] = difference
    frame["relative_difference"] = (difference / larger.where(larger > 0)).fillna(0.0)


MIRROR_SQL = """
with flows as (
    select source, year, hs_code, exporter_iso3, importer_iso3, reported_by, value_usd, quantity_t
    from raw.trade_flows
    where reported_by in ('importer', 'exporter')
      and exporter_iso3 <> importer_iso3
      and year between $first_year and $last_year
),
by_basis as (
    select source, year, hs_code, exporter_iso3, importer_iso3, reported_by, 'value_usd' as basis, value_usd as amount
    from flows where value_usd is not null and not isnan(value_usd)
    union all
    select source, year, hs_code, exporter_iso3, importer_iso3, reported_by, 'quantity_t' as basis, quantity_t as amount
    from flows where quantity_t is not null and not isnan(quantity_t)
),
pairs as (
    select source, year, hs_code, exporter_iso3, importer_iso3, basis,
        sum(amount) filter (where reported_by = 'importer') as importer_reported,
        sum(amount) filter (where reported_by = 'exporter') as exporter_reported,
    from by_basis
    group by source, year, hs_code, exporter_iso3, importer_iso3, basis
)
select * from pairs
where importer_reported is not null and exporter_reported is not null
order by source, basis, year, hs_code, exporter_iso3, importer_iso3
"""


def mirror_flows(con: duckdb.DuckDBPyConnection, limits: Limits, years: tuple[int, int] = ALL_YEARS) -> Comparison:
    """Importer- against exporter-reported figures of the same flow (source, pair, HS code, year, basis)."""
    rows = con.execute(MIRROR_SQL, {"first_year": years[0], "last_year": years[1]}).df()
    _relative(rows, "importer_reported", "exporter_reported")
    rows["outside"] = rows["relative_difference"] > limits.tolerance
    by_basis: dict[str, dict[str, Any]] = {}
    for basis, group in rows.groupby("basis", sort=True):
        volume = float(group["larger"].sum())
        outside_volume = float(group.loc[group["outside"], "larger"].sum())
        by_basis[str(basis)] = {
            "compared": len(group),
            "outside": int(group["outside"].sum()),
            "volume": volume,
            "volume_outside": outside_volume,
            "volume_share_outside": outside_volume / volume if volume > 0 else 0.0,
        }
    worst = max((b["volume_share_outside"] for b in by_basis.values()), default=0.0)
    return Comparison(
        check="mirror_flows", limits=limits, compared=len(rows), outside=int(rows["outside"].sum()),
        share_outside=worst, measure="mirrored volume", rows=rows, by_basis=by_basis,
        sample_columns=["source", "year", "hs_code", "exporter_iso3", "importer_iso3", "basis", "importer_reported",
                        "exporter_reported", "relative_difference"],
        sample_order=("difference", "relative_difference"),  # the gate weighs volume: the largest gaps first
    )


WORLD_TOTALS_SQL = """
with flows as (
    select source, reported_by, year, hs_code, value_usd, quantity_t,
        case reported_by when 'importer' then importer_iso3 else exporter_iso3 end as reporter_iso3,
        case reported_by when 'importer' then exporter_iso3 else importer_iso3 end as partner_iso3,
    from raw.trade_flows
    where reported_by in ('importer', 'exporter')
      and list_contains($sources, source)
      and year between $first_year and $last_year
),
by_basis as (
    select source, reported_by, reporter_iso3, partner_iso3, hs_code, year, 'value_usd' as basis, value_usd as amount
    from flows where value_usd is not null and not isnan(value_usd)
    union all
    select source, reported_by, reporter_iso3, partner_iso3, hs_code, year, 'quantity_t' as basis, quantity_t as amount
    from flows where quantity_t is not null and not isnan(quantity_t)
),
groups as (
    select source, reported_by, reporter_iso3, hs_code, year, basis,
        sum(amount) filter (where partner_iso3 = $world) as world_total,
        coalesce(sum(amount) filter (where partner_iso3 <> $world), 0) as partner_sum,
        count(*) filter (where partner_iso3 <> $world) as partner_rows,
    from by_basis
    group by source, reported_by, reporter_iso3, hs_code, year, basis
)
select * from groups
where world_total is not null
order by source, basis, reporter_iso3, reported_by, hs_code, year
"""


def world_totals(con: duckdb.DuckDBPyConnection, limits: Limits, years: tuple[int, int] = ALL_YEARS,
                 sources: tuple[str, ...] = WORLD_TOTAL_SOURCES, min_partners: int = MIN_PARTNERS) -> Comparison:
    """Each World (control total) row against the sum of the partner rows of the same reporter, flow
    (reported_by), HS code, year and basis: both ways for a full breakdown (at least `min_partners`
    partner rows), one way (partners above the World total) for a partial one."""
    rows = con.execute(WORLD_TOTALS_SQL, {"sources": list(sources), "first_year": years[0], "last_year": years[1],
                                          "world": WORLD}).df()
    _relative(rows, "world_total", "partner_sum")
    rows["full_breakdown"] = rows["partner_rows"] >= min_partners
    rows["outside"] = (rows["relative_difference"] > limits.tolerance) & (
        rows["full_breakdown"] | (rows["partner_sum"] > rows["world_total"]))
    outside = int(rows["outside"].sum())
    return Comparison(
        check="world_totals", limits=limits, compared=len(rows), outside=outside,
        share_outside=outside / len(rows) if len(rows) else 0.0, measure="rows", rows=rows,
        counts={"partial_breakdowns_compared_one_way": int((~rows["full_breakdown"]).sum())},
        sample_columns=["source", "reporter_iso3", "reported_by", "hs_code", "year", "basis", "world_total",
                        "partner_sum", "partner_rows", "relative_difference"],
    )


USGS_TOTALS_SQL = r"""
with entries as (
    select edition, commodity, section, statistic, unit, year, iso3,
        case when value is null or isnan(value) then null else value end as value,
        regexp_replace(statistics_detail, '[:,]\s*rounded\s*$', '') as detail,
    from raw.usgs_production
),
totals as (
    select edition, commodity, section, statistic, unit, year, detail, value as world_total,
        count(*) over (partition by edition, commodity, section, statistic, unit, year) as totals_in_table,
    from entries
    where iso3 = $world and value is not null
),
listed as (
    -- a table with one world total sums every country row under it; a table with several (natural and
    -- synthetic soda ash, ilmenite and rutile, ...) sums the rows whose detail names the same product
    select totals.*, entries.iso3, entries.value,
    from totals
    left join entries
        on entries.iso3 <> $world
        and entries.edition = totals.edition and entries.commodity = totals.commodity
        and entries.section = totals.section and entries.statistic = totals.statistic
        and entries.unit = totals.unit and entries.year = totals.year
        and (totals.totals_in_table = 1 or entries.detail = totals.detail)
)
select
    edition, commodity, section, statistic, detail, unit, year, world_total,
    count(iso3) as rows_listed,
    count(iso3) filter (where iso3 = $other) as other_countries_rows,
    count(iso3) filter (where value is null) as rows_without_number,
    sum(value) as listed_total,
from listed
group by edition, commodity, section, statistic, detail, unit, year, world_total
order by edition, commodity, statistic, detail, unit, year
"""


def usgs_world_totals(con: duckdb.DuckDBPyConnection, limits: Limits) -> Comparison:
    """Each USGS "World total" against the sum of the countries and "Other countries" listed with it.
    Entries that are not numbers (withheld W, not available NA, a range, a footnote mark) are left out
    of the sum, as USGS leaves them out of its world totals (`rows_without_number` counts them); a total
    with no number listed under it (a product USGS gives the world figure of only) is not comparable."""
    every = con.execute(USGS_TOTALS_SQL, {"world": WORLD, "other": "XOT"}).df()
    comparable = every["rows_listed"] > every["rows_without_number"]
    rows = every[comparable].reset_index(drop=True)
    _relative(rows, "world_total", "listed_total")
    rows["outside"] = rows["relative_difference"] > limits.tolerance
    outside = int(rows["outside"].sum())
    return Comparison(
        check="usgs_world_totals", limits=limits, compared=len(rows), outside=outside,
        share_outside=outside / len(rows) if len(rows) else 0.0, measure="rows", rows=rows,
        counts={"not_comparable": int((~comparable).sum())},
        sample_columns=["edition", "commodity", "statistic", "detail", "unit", "year", "world_total", "listed_total",
                        "rows_listed", "relative_difference"],
    )
