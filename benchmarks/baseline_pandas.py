"""The same supplier shares and HHI as ``baseline_duckdb.py``, written the plain pandas way.

The whole year file is read with ``pandas.read_csv`` (dtype hints, all rows in memory), then filtered to
the codes with ``used_in_dependency = true`` in ``hs_mineral_map.csv``, merged with the mineral map and
the country codes, and grouped. The rules are those of the DuckDB baseline: ``value_usd`` is ``v * 1000``,
``quantity_t`` is ``q`` where ``q`` is a number, codes of one mineral and stage are summed per supplier,
self-trade and zero amounts are dropped, share is over importer, mineral, stage, year and basis, HHI is
the sum of squared shares, and a tie for the top supplier goes to the first ISO3 code.

Writes ``supplier_shares.parquet`` and ``hhi.parquet`` into ``--out`` and prints one JSON object with wall
seconds (from the start of the script, imports included), peak RSS in MiB (``ru_maxrss`` of this process
plus its children) and row counts.

Run ``python benchmarks/baseline_pandas.py /tmp/baci/BACI_HS22_Y2022_V202601.csv --out /tmp/baseline_pandas``.
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

import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MINERAL_MAP = REPO / "data" / "reference" / "hs_mineral_map.csv"

GROUP = ["importer_iso3", "mineral", "stage", "year", "basis"]
SHARE_COLUMNS = ["importer_iso3", "exporter_iso3", "mineral", "stage", "year", "basis", "amount", "share"]


def peak_rss_mib() -> float:
    """Peak resident set size of this process plus that of its waited-for children (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round((own + children) / 1024, 1)


def supplier_shares(baci: Path, country_codes: Path, mineral_map: Path, engine: str) -> tuple[pd.DataFrame, int]:
    codes = pd.read_csv(mineral_map, dtype=str, keep_default_na=False)
    codes = codes[codes["used_in_dependency"].str.strip().str.lower() == "true"]
    codes = codes.assign(k=codes["hs6"].str.strip().str.zfill(6))[["k", "mineral", "stage"]]

    countries = pd.read_csv(
        country_codes, dtype={"country_code": "int32", "country_iso3": str}, usecols=["country_code", "country_iso3"]
    )
    iso3 = countries.set_index("country_code")["country_iso3"]

    trade = pd.read_csv(
        baci,
        dtype={"t": "int16", "i": "int32", "j": "int32", "k": str, "v": "float64", "q": str},
        keep_default_na=False,
        engine=engine,
    )
    trade = trade[trade["k"].isin(codes["k"])]
    mineral_rows = len(trade)

    flows = trade.merge(codes, on="k", how="inner")
    flows["exporter_iso3"] = flows["i"].map(iso3)
    flows["importer_iso3"] = flows["j"].map(iso3)
    flows = flows.dropna(subset=["exporter_iso3", "importer_iso3"])
    flows["year"] = flows["t"].astype("int32")
    flows["value_usd"] = flows["v"] * 1000
    flows["quantity_t"] = pd.to_numeric(flows["q"].str.strip().replace("NA", ""), errors="coerce")

    keys = ["importer_iso3", "exporter_iso3", "mineral", "stage", "year"]
    by_basis = pd.concat(
        [
            flows[keys].assign(basis="value_usd", amount=flows["value_usd"]),
            flows[keys].assign(basis="quantity_t", amount=flows["quantity_t"]),
        ],
        ignore_index=True,
    )
    by_basis = by_basis[(by_basis["importer_iso3"] != by_basis["exporter_iso3"]) & (by_basis["amount"] > 0)]
    shares = by_basis.groupby(keys + ["basis"], as_index=False, sort=False)["amount"].sum()
    shares["share"] = shares["amount"] / shares.groupby(GROUP, sort=False)["amount"].transform("sum")
    return shares[SHARE_COLUMNS], mineral_rows


def hhi_table(shares: pd.DataFrame) -> pd.DataFrame:
    ranked = shares.sort_values(["share", "exporter_iso3"], ascending=[False, True], kind="stable")
    top = ranked.drop_duplicates(GROUP)[GROUP + ["exporter_iso3", "share"]].rename(
        columns={"exporter_iso3": "top_supplier_iso3", "share": "top_supplier_share"}
    )
    totals = (
        shares.assign(share_sq=shares["share"] ** 2)
        .groupby(GROUP, as_index=False, sort=False)
        .agg(total_amount=("amount", "sum"), n_suppliers=("amount", "size"), hhi=("share_sq", "sum"))
    )
    merged = totals.merge(top, on=GROUP, how="left")
    columns = GROUP + ["total_amount", "n_suppliers", "top_supplier_iso3", "top_supplier_share", "hhi"]
    return merged[columns]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baci", type=Path, help="a BACI_HS22_Y{year}_V{version}.csv file")
    parser.add_argument("--country-codes", type=Path, help="default: country_codes_V{version}.csv beside the year file")
    parser.add_argument("--mineral-map", type=Path, default=MINERAL_MAP)
    parser.add_argument("--out", type=Path, required=True, help="folder for supplier_shares.parquet and hhi.parquet")
    parser.add_argument("--engine", choices=["c", "pyarrow"], default="c", help="read_csv engine (default: c)")
    args = parser.parse_args(argv)

    country_codes = args.country_codes
    if country_codes is None:
        version = args.baci.stem.rsplit("_V", 1)[-1]
        country_codes = args.baci.with_name(f"country_codes_V{version}.csv")

    shares, mineral_rows = supplier_shares(args.baci, country_codes, args.mineral_map, args.engine)
    hhi = hhi_table(shares)
    args.out.mkdir(parents=True, exist_ok=True)
    shares.to_parquet(args.out / "supplier_shares.parquet", index=False)
    hhi.to_parquet(args.out / "hhi.parquet", index=False)

    result = {
        "tool": "pandas",
        "pandas_version": pd.__version__,
        "read_csv_engine": args.engine,
        "input": str(args.baci),
        "input_bytes": args.baci.stat().st_size,
        "output": str(args.out),
        "rows": {"mineral_rows": mineral_rows, "supplier_shares": len(shares), "hhi": len(hhi)},
        "supplier_shares_by_basis": {
            str(basis): int(count) for basis, count in shares["basis"].value_counts().sort_index().items()
        },
        "wall_seconds": round(time.perf_counter() - STARTED, 3),
        "peak_rss_mib": peak_rss_mib(),
        "python": platform.python_version(),
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
