"""Lower bound for the trade part of the pipeline: one BACI year to supplier shares and HHI in plain DuckDB SQL.

No validation, no quarantine, no lineage: the year file is streamed once through ``read_csv`` with fixed
column types, only the critical-mineral codes used for dependency (``used_in_dependency = true`` in
``hs_mineral_map.csv``) survive the scan, and two tables are written to a DuckDB file:

* ``supplier_shares``: importer_iso3, exporter_iso3, mineral, stage, year, basis, amount, share. Basis
  ``value_usd`` has amount ``v * 1000``; basis ``quantity_t`` has amount ``q`` where ``q`` is a number
  (``NA``, empty or space-padded ``NA`` are missing). Several codes of one mineral and stage are summed per
  supplier; self-trade (same ISO3 on both sides) and zero amounts are left out; share is amount over the
  importer's total for the mineral, stage, year and basis.
* ``hhi``: importer_iso3, mineral, stage, year, basis, total_amount, n_suppliers, top_supplier_iso3,
  top_supplier_share, hhi (sum of squared shares). Ties for the top supplier go to the first ISO3 code.

Prints one JSON object: wall seconds (from the start of the script, imports included), peak RSS in MiB
(``ru_maxrss`` of this process plus its children) and row counts.

Run ``python benchmarks/baseline_duckdb.py /tmp/baci/BACI_HS22_Y2022_V202601.csv --out /tmp/baseline.duckdb``.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import duckdb  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MINERAL_MAP = REPO / "data" / "reference" / "hs_mineral_map.csv"

# Statements are separated by ";" (so comments in it never contain one).
SQL = """
create temp table codes as
select lpad(trim(hs6), 6, '0') as k, mineral, stage
from read_csv($mineral_map, header = true, auto_detect = false, columns = {
    'hs6': 'VARCHAR', 'hs_version': 'VARCHAR', 'mineral': 'VARCHAR', 'stage': 'VARCHAR',
    'is_basket': 'BOOLEAN', 'used_in_dependency': 'BOOLEAN', 'hs_description': 'VARCHAR', 'note': 'VARCHAR'})
where used_in_dependency;

create temp table countries as
select country_code, country_iso3
from read_csv($country_codes, header = true, auto_detect = false, columns = {
    'country_code': 'INTEGER', 'country_name': 'VARCHAR', 'country_iso2': 'VARCHAR', 'country_iso3': 'VARCHAR'});

-- The only pass over the year file. The product filter is a constant list so that DuckDB applies it
-- inside the CSV scan (written as a join, every row of the year would go through the join).
set variable mineral_codes = (select list(distinct k) from codes);

create temp table mineral_rows as
select *
from read_csv($baci, header = true, auto_detect = false, delim = ',', quote = '"', columns = {
    't': 'INTEGER', 'i': 'INTEGER', 'j': 'INTEGER', 'k': 'VARCHAR', 'v': 'DOUBLE', 'q': 'VARCHAR'})
where list_contains(getvariable('mineral_codes'), k);

create temp table flows as
select
    f.t as year,
    ex.country_iso3 as exporter_iso3,
    im.country_iso3 as importer_iso3,
    c.mineral,
    c.stage,
    f.v * 1000 as value_usd,
    try_cast(nullif(trim(f.q), 'NA') as double) as quantity_t
from mineral_rows as f
inner join codes as c on f.k = c.k
inner join countries as ex on f.i = ex.country_code
inner join countries as im on f.j = im.country_code;

create table supplier_shares as
with by_basis as (
    select year, importer_iso3, exporter_iso3, mineral, stage, 'value_usd' as basis, value_usd as amount from flows
    union all
    select year, importer_iso3, exporter_iso3, mineral, stage, 'quantity_t' as basis, quantity_t as amount from flows
    where quantity_t is not null
),
per_supplier as (
    select importer_iso3, exporter_iso3, mineral, stage, year, basis, sum(amount) as amount
    from by_basis
    where importer_iso3 <> exporter_iso3 and amount > 0
    group by importer_iso3, exporter_iso3, mineral, stage, year, basis
)
select
    *,
    amount / sum(amount) over (partition by importer_iso3, mineral, stage, year, basis) as share
from per_supplier;

create table hhi as
select
    importer_iso3,
    mineral,
    stage,
    year,
    basis,
    sum(amount) as total_amount,
    count(*) as n_suppliers,
    first(exporter_iso3 order by share desc, exporter_iso3) as top_supplier_iso3,
    max(share) as top_supplier_share,
    sum(share * share) as hhi
from supplier_shares
group by importer_iso3, mineral, stage, year, basis;
"""


def peak_rss_mib() -> float:
    """Peak resident set size of this process plus that of its waited-for children (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round((own + children) / 1024, 1)


def run(baci: Path, country_codes: Path, mineral_map: Path, out: Path, threads: int | None) -> dict:
    out.unlink(missing_ok=True)
    Path(f"{out}.wal").unlink(missing_ok=True)
    params = {"baci": str(baci), "country_codes": str(country_codes), "mineral_map": str(mineral_map)}
    with duckdb.connect(str(out)) as con:
        if threads:
            con.execute(f"set threads = {int(threads)}")
        con.execute("set preserve_insertion_order = false")
        for statement in (part.strip() for part in SQL.split(";")):
            if statement:
                used = {name: value for name, value in params.items() if f"${name}" in statement}
                con.execute(statement, used)
        counts = {
            "mineral_rows": con.execute("select count(*) from mineral_rows").fetchall()[0][0],
            "mineral_flow_rows": con.execute("select count(*) from flows").fetchall()[0][0],
            "supplier_shares": con.execute("select count(*) from supplier_shares").fetchall()[0][0],
            "hhi": con.execute("select count(*) from hhi").fetchall()[0][0],
        }
        by_basis = con.execute("select basis, count(*) from supplier_shares group by basis order by basis").fetchall()
        used_threads = con.execute("select current_setting('threads')").fetchall()[0][0]
    return {
        "tool": "duckdb",
        "duckdb_version": duckdb.__version__,
        "threads": int(used_threads),
        "input": str(baci),
        "input_bytes": baci.stat().st_size,
        "output": str(out),
        "rows": counts,
        "supplier_shares_by_basis": dict(by_basis),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baci", type=Path, help="a BACI_HS22_Y{year}_V{version}.csv file")
    parser.add_argument("--country-codes", type=Path, help="default: country_codes_V{version}.csv beside the year file")
    parser.add_argument("--mineral-map", type=Path, default=MINERAL_MAP)
    parser.add_argument("--out", type=Path, required=True, help="DuckDB file to (re)create")
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's own, one per core)")
    args = parser.parse_args(argv)

    country_codes = args.country_codes
    if country_codes is None:
        version = args.baci.stem.rsplit("_V", 1)[-1]
        country_codes = args.baci.with_name(f"country_codes_V{version}.csv")

    result = run(args.baci, country_codes, args.mineral_map, args.out, args.threads)
    result["wall_seconds"] = round(time.perf_counter() - STARTED, 3)
    result["peak_rss_mib"] = peak_rss_mib()
    result["python"] = platform.python_version()
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
