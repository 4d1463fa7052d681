"""Write synthetic CEPII BACI releases (HS2022) at the size of a real year.

Each year becomes ``BACI_HS22_Y{year}_V{version}.csv`` with the header ``t,i,j,k,v,q``; the folder also
gets ``country_codes_V{version}.csv`` (a copy of the project's real BACI country list) and
``product_codes_HS22_V{version}.csv`` (every six-digit HS2022 code with its description).

What the data look like:

* every HS2022 six-digit code appears at least once; about 230 current economies (the historical
  entries of the code list, such as "USSR (...1990)", are never drawn);
* one row per (exporter, importer, product); rows sorted by exporter, importer, product like the real
  files; exporters and importers have Zipf-like sizes (large economies trade almost every product with
  each other, the smallest have a few thousand rows), product popularity is lognormal with sparser ores and more
  common machinery;
* values ``v`` (thousands of USD, three decimals) are lognormal with exporter, importer, product and
  exporter-by-chapter effects, so they are heavy-tailed; each critical-mineral code has one to three
  dominant exporters that reach many importers with large values, so supply looks concentrated;
* quantities ``q`` (tonnes) follow from a per-product unit value; about 5% are ``NA`` (a quarter of those
  right-aligned with spaces), about 2% are empty, and about 4% of the numbers are
  right-aligned with leading spaces.

The same ``--seed`` gives the same files (for the same ``--chunk-rows``). Country sizes and product
traits depend on the seed only, so several ``--years`` share one economy; the flows are drawn anew for
each year.

Run ``python benchmarks/generate_baci.py /tmp/baci --rows 8500000 --years 2022``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "data" / "reference"
COUNTRY_CODES = REFERENCE / "baci_country_codes_V202601.csv"
NOMENCLATURE = REFERENCE / "hs2022_nomenclature.csv"
MINERAL_MAP = REFERENCE / "hs_mineral_map.csv"

HEADER = b"t,i,j,k,v,q\n"
# exp(LOG_V_INTERCEPT) is the value (thousands of USD) of a flow whose effects are all zero; with it, a year
# of 8.5 million rows adds up to about 22 trillion USD, near world merchandise trade.
LOG_V_INTERCEPT = 9.0
V_MAX = 1.0e8  # thousands of USD: 100 bn USD, above any real six-digit bilateral flow
Q_MAX = 2.0e9  # tonnes
SHARE_NA = 0.05
SHARE_EMPTY = 0.02
SHARE_PADDED = 0.04
PAD_WIDTH = 12

# The largest traders first (numeric BACI codes), so that the biggest sizes land on plausible economies.
# 490 is "Other Asia, nes" in BACI.
TOP_TRADERS = [
    156, 842, 276, 528, 392, 410, 251, 380, 826, 344, 56, 124, 484, 702, 699, 724, 757, 490, 784, 643,
    36, 616, 704, 458, 764, 76, 682, 360, 203, 792, 40, 752, 372, 348, 208, 710, 608, 32, 579, 246,
]

# Relative row density of some HS chapters (ores and bulk chemicals are traded by fewer pairs than
# machinery or clothing) and the median unit value (thousands of USD per tonne) of a chapter.
CHAPTER_DENSITY = {25: 0.35, 26: 0.3, 27: 0.4, 28: 0.6, 71: 0.8, 81: 0.5, 61: 1.4, 62: 1.4, 84: 1.6, 85: 1.6, 90: 1.3}
CHAPTER_UNIT_VALUE = {25: 0.08, 26: 0.15, 27: 0.4, 28: 1.5, 71: 8000.0, 72: 1.2, 74: 8.0, 75: 18.0, 81: 30.0, 85: 25.0}
DEFAULT_UNIT_VALUE = 4.0


@dataclass
class Economy:
    """Everything that stays the same across the years of one seed."""

    country_codes: np.ndarray  # int32, sorted numeric BACI codes that may trade
    exporter_weight: np.ndarray  # float64, probabilities, sum 1
    importer_weight: np.ndarray
    exporter_effect: np.ndarray  # float64, log-scale value effects
    importer_effect: np.ndarray
    products: np.ndarray  # str, sorted six-digit codes
    product_weight: np.ndarray
    product_effect: np.ndarray
    product_chapter: np.ndarray  # int16 chapter index 0..99
    unit_value: np.ndarray  # thousands of USD per tonne
    chapter_effect: np.ndarray  # (countries, 100) exporter-by-chapter value effects
    dominant: list[tuple[int, int]]  # (country index, product index) pairs of dominant mineral suppliers
    mineral_products: np.ndarray  # product indices of the critical-mineral codes


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def build_economy(seed: int) -> Economy:
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))

    countries = [row for row in _read_csv(COUNTRY_CODES) if "(..." not in row["country_name"]]
    codes = np.array(sorted(int(row["country_code"]) for row in countries), dtype=np.int32)
    n_c = codes.size
    position = {int(code): index for index, code in enumerate(codes)}

    # Size rank: the known large traders first, the rest in random order; the noise added to the ranks
    # below reshuffles neighbours a little.
    top = [position[code] for code in TOP_TRADERS if code in position]
    listed = set(top)
    rest = [int(index) for index in rng.permutation(n_c) if index not in listed]
    order = np.array(top + rest)
    rank = np.empty(n_c, dtype=np.float64)
    rank[order] = np.arange(1, n_c + 1)
    exporter_rank = rank * np.exp(rng.normal(0.0, 0.25, n_c))
    importer_rank = rank * np.exp(rng.normal(0.0, 0.35, n_c))
    exporter_weight = exporter_rank**-1.0
    importer_weight = importer_rank**-0.8
    exporter_weight /= exporter_weight.sum()
    importer_weight /= importer_weight.sum()

    nomenclature = [row for row in _read_csv(NOMENCLATURE) if row["level"] == "6"]
    products = np.array(sorted(row["hscode"] for row in nomenclature))
    n_p = products.size
    chapter = np.array([int(code[:2]) for code in products], dtype=np.int16)
    density = np.array([CHAPTER_DENSITY.get(int(ch), 1.0) for ch in chapter])
    product_weight = density * np.exp(rng.normal(0.0, 1.1, n_p))
    product_weight /= product_weight.sum()
    unit_median = np.array([CHAPTER_UNIT_VALUE.get(int(ch), DEFAULT_UNIT_VALUE) for ch in chapter])
    unit_value = unit_median * np.exp(rng.normal(0.0, 1.0, n_p))

    minerals = sorted({row["hs6"].zfill(6) for row in _read_csv(MINERAL_MAP)})
    product_index = {code: index for index, code in enumerate(products)}
    mineral_products = np.array([product_index[code] for code in minerals if code in product_index], dtype=np.int64)
    dominant: list[tuple[int, int]] = []
    for p in mineral_products:
        how_many = int(rng.integers(1, 4))
        # Dominant suppliers are mostly large economies but not always (think cobalt ore).
        picked = rng.choice(n_c, size=how_many, replace=False, p=np.sqrt(exporter_weight) / np.sqrt(exporter_weight).sum())
        dominant.extend((int(c), int(p)) for c in picked)

    return Economy(
        country_codes=codes,
        exporter_weight=exporter_weight,
        importer_weight=importer_weight,
        exporter_effect=-np.log(exporter_rank) * 0.9,
        importer_effect=-np.log(importer_rank) * 0.7,
        products=products,
        product_weight=product_weight,
        product_effect=rng.normal(0.0, 1.0, n_p),
        product_chapter=chapter,
        unit_value=unit_value,
        chapter_effect=rng.normal(0.0, 1.2, (n_c, 100)),
        dominant=dominant,
        mineral_products=mineral_products,
    )


def draw_flows(economy: Economy, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted, distinct flow keys ``(exporter * n_c + importer) * n_p + product`` (int64), exactly ``rows``."""
    n_c = economy.country_codes.size
    n_p = economy.products.size
    if rows > n_c * (n_c - 1) * n_p // 4:
        raise ValueError(f"{rows} rows is more than a quarter of all possible flows; the draw would be slow")

    def keys(exporter: np.ndarray, importer: np.ndarray, product: np.ndarray) -> np.ndarray:
        ok = exporter != importer
        return (exporter[ok].astype(np.int64) * n_c + importer[ok]) * n_p + product[ok]

    # Rows that must exist: each product once, and the dominant mineral suppliers reaching many importers.
    exporter = rng.choice(n_c, n_p, p=economy.exporter_weight)
    importer = rng.choice(n_c, n_p, p=economy.importer_weight)
    same = exporter == importer
    importer[same] = (exporter[same] + rng.integers(1, n_c, same.sum())) % n_c  # never the exporter itself
    must = [keys(exporter, importer, np.arange(n_p))]
    for country, product in economy.dominant:
        reach = int(rng.integers(20, 120))
        must.append(
            keys(np.full(reach, country), rng.choice(n_c, reach, p=economy.importer_weight), np.full(reach, product))
        )
    required = np.unique(np.concatenate(must))
    if required.size > rows:
        raise ValueError(f"--rows must be at least {required.size}")

    # A bitmap over every possible flow: marking is a scattered write, and the distinct count and the
    # sorted keys come out of one pass over it.
    seen = np.zeros(n_c * n_c * n_p, dtype=bool)
    seen[required] = True
    found = required.size
    yield_ratio = 0.8
    while found < rows:
        missing = rows - found
        draws = int(min(max(missing / yield_ratio * 1.05, 100_000), 20_000_000))
        fresh = keys(
            rng.choice(n_c, draws, p=economy.exporter_weight),
            rng.choice(n_c, draws, p=economy.importer_weight),
            rng.choice(n_p, draws, p=economy.product_weight),
        )
        fresh = fresh[~seen[fresh]]
        distinct, first = np.unique(fresh, return_index=True)
        if distinct.size > missing:  # keep the first `missing` new flows in draw order
            distinct = fresh[np.sort(first)[:missing]]
        seen[distinct] = True
        found += distinct.size
        yield_ratio = max(distinct.size / draws, 0.01)
    return np.flatnonzero(seen)


def _format_quantity(q: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Quantities as text: numbers, ``NA`` (some right-aligned), empty cells and right-aligned numbers."""
    text = pc.cast(pa.array(q), pa.string())
    roll = rng.random(q.size)
    padded = pc.utf8_lpad(text, width=PAD_WIDTH)
    text = pc.if_else(pa.array(roll < SHARE_PADDED), padded, text)
    na = roll >= 1.0 - SHARE_NA
    na_text = np.where(rng.random(q.size) < 0.25, " " * (PAD_WIDTH - 2) + "NA", "NA")
    text = pc.if_else(pa.array(na), pa.array(na_text, pa.string()), text)
    empty = (roll >= 1.0 - SHARE_NA - SHARE_EMPTY) & ~na
    return pc.if_else(pa.array(empty), pa.scalar("", pa.string()), text)


def flow_chunk(economy: Economy, year: int, keys: np.ndarray, rng: np.random.Generator) -> tuple[pa.Table, dict[str, int]]:
    """Columns ``t,i,j,k,v,q`` for sorted flow keys."""
    n_c = economy.country_codes.size
    n_p = economy.products.size
    product = keys % n_p
    pair = keys // n_p
    exporter = pair // n_c
    importer = pair % n_c

    log_v = (
        LOG_V_INTERCEPT
        + economy.exporter_effect[exporter]
        + economy.importer_effect[importer]
        + economy.product_effect[product]
        + economy.chapter_effect[exporter, economy.product_chapter[product]]
        + rng.normal(0.0, 1.9, keys.size)
    )
    if economy.dominant:
        dominant_keys = np.array([c * n_p + p for c, p in economy.dominant], dtype=np.int64)
        is_dominant = np.isin(exporter * n_p + product, dominant_keys)
        log_v[is_dominant] += 3.0
    v = np.clip(np.round(np.exp(log_v), 3), 0.001, V_MAX)
    q = v / (economy.unit_value[product] * np.exp(rng.normal(0.0, 0.6, keys.size)))
    q = np.clip(np.round(q, 3), 0.0, Q_MAX)
    q_text = _format_quantity(q, rng)

    table = pa.table(
        {
            "t": pa.array(np.full(keys.size, year, dtype=np.int16)),
            "i": pa.array(economy.country_codes[exporter]),
            "j": pa.array(economy.country_codes[importer]),
            "k": pa.array(economy.products[product]),
            "v": pa.array(v),
            "q": q_text,
        }
    )
    blank = pc.utf8_trim_whitespace(q_text)
    stats = {
        "q_na": int(pc.sum(pc.equal(blank, "NA")).as_py() or 0),
        "q_empty": int(pc.sum(pc.equal(q_text, "")).as_py() or 0),
        "q_padded_number": int(
            pc.sum(pc.and_(pc.starts_with(q_text, " "), pc.not_equal(blank, "NA"))).as_py() or 0
        ),
        "mineral_map_rows": int(np.isin(product, economy.mineral_products).sum()),
        "v_total_thousand_usd": float(v.sum()),
    }
    return table, stats


def write_year(economy: Economy, out_dir: Path, year: int, version: str, rows: int, seed: int, chunk_rows: int) -> dict:
    started = time.perf_counter()
    rng = np.random.default_rng(np.random.SeedSequence([seed, year]))
    keys = draw_flows(economy, rows, rng)
    drawn = time.perf_counter()

    path = out_dir / f"BACI_HS22_Y{year}_V{version}.csv"
    totals: dict[str, float] = {}
    n_c = economy.country_codes.size
    n_p = economy.products.size
    with path.open("wb") as handle:
        handle.write(HEADER)
        options = pcsv.WriteOptions(include_header=False, quoting_style="none", batch_size=1 << 16)
        writer = None
        for number, start in enumerate(range(0, keys.size, chunk_rows)):
            chunk_rng = np.random.default_rng(np.random.SeedSequence([seed, year, number + 1]))
            table, stats = flow_chunk(economy, year, keys[start : start + chunk_rows], chunk_rng)
            if writer is None:
                writer = pcsv.CSVWriter(handle, table.schema, write_options=options)
            writer.write_table(table)
            for name, value in stats.items():
                totals[name] = totals.get(name, 0) + value
        if writer is not None:
            writer.close()

    pairs = keys // n_p
    return {
        "year": year,
        "file": path.name,
        "rows": int(keys.size),
        "bytes": path.stat().st_size,
        "exporters": int(np.unique(pairs // n_c).size),
        "importers": int(np.unique(pairs % n_c).size),
        "products": int(np.unique(keys % n_p).size),
        "mineral_map_rows": int(totals.get("mineral_map_rows", 0)),
        "q_na": int(totals.get("q_na", 0)),
        "q_empty": int(totals.get("q_empty", 0)),
        "q_padded_number": int(totals.get("q_padded_number", 0)),
        "v_total_usd_bn": round(totals.get("v_total_thousand_usd", 0.0) / 1e6, 1),
        "seconds_draw": round(drawn - started, 2),
        "seconds_total": round(time.perf_counter() - started, 2),
    }


def write_codes(out_dir: Path, version: str) -> None:
    shutil.copyfile(COUNTRY_CODES, out_dir / f"country_codes_V{version}.csv")
    rows = sorted((row["hscode"], row["description"]) for row in _read_csv(NOMENCLATURE) if row["level"] == "6")
    with (out_dir / f"product_codes_HS22_V{version}.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["code", "description"])
        out.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder to write into (created; must be outside the repository)")
    parser.add_argument("--rows", type=int, default=8_500_000, help="rows per year (default 8,500,000)")
    parser.add_argument("--years", type=int, nargs="+", default=[2022], help="years to write (default 2022)")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--version", default="202601", help="release version in the file names (default 202601)")
    parser.add_argument("--chunk-rows", type=int, default=1_000_000, help="rows formatted and written at a time")
    args = parser.parse_args(argv)

    out_dir = args.out_dir.resolve()
    if out_dir == REPO or REPO in out_dir.parents:
        parser.error(f"{out_dir} is inside the repository; write generated data to a temporary folder")
    out_dir.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    economy = build_economy(args.seed)
    write_codes(out_dir, args.version)
    years = [
        write_year(economy, out_dir, year, args.version, args.rows, args.seed, args.chunk_rows)
        for year in args.years
    ]
    summary = {
        "out_dir": str(out_dir),
        "seed": args.seed,
        "rows_per_year": args.rows,
        "countries_available": int(economy.country_codes.size),
        "products_available": int(economy.products.size),
        "mineral_codes": int(economy.mineral_products.size),
        "years": years,
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_count": os.cpu_count(),
    }
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
