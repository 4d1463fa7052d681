"""Generate a synthetic BACI year in a temporary folder, run both baselines on it and record the numbers.

Steps: ``generate_baci.py`` writes one year (``--rows``, ``--seed``) into a fresh folder under the system's
temporary directory; ``baseline_duckdb.py`` and ``baseline_pandas.py`` each run ``--repeat`` times, taking
turns, every run in its own process; the supplier shares and HHI tables of the two are compared row by
row; everything goes to ``benchmarks/results/baselines.json`` and the temporary folder is deleted (unless
``--keep``).

Timings and peak RSS are taken twice: as printed by the script itself (wall time from its first line, peak
RSS from ``getrusage``), and from outside (wall time of the process, ``ru_maxrss`` from ``wait4``).

The load average before and after is recorded too: other work on the machine slows the runs down.

Run ``python benchmarks/run_baselines.py`` (about half a minute on two cores).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "baselines.json"
SHARE_KEYS = ["importer_iso3", "exporter_iso3", "mineral", "stage", "year", "basis"]
HHI_KEYS = ["importer_iso3", "mineral", "stage", "year", "basis"]
TOLERANCE = 1e-9


def run_script(args: list[str], workdir: Path) -> dict:
    """Run a Python script, return its JSON output plus the process's wall time and ``ru_maxrss``."""
    out_path = workdir / "stdout.json"
    err_path = workdir / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, *args], stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({process.returncode}):\n{err_path.read_text()[-4000:]}")
    result = json.loads(out_path.read_text())
    result["process_wall_seconds"] = round(wall, 3)
    result["process_peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    return result


def summarise(runs: list[dict]) -> dict:
    def median(key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 3)

    return {
        "runs": len(runs),
        "wall_seconds_median": median("wall_seconds"),
        "wall_seconds_min": round(min(run["wall_seconds"] for run in runs), 3),
        "peak_rss_mib_median": median("peak_rss_mib"),
        "process_wall_seconds_median": median("process_wall_seconds"),
        "process_peak_rss_mib_median": median("process_peak_rss_mib"),
        "rows": runs[-1]["rows"],
        "supplier_shares_by_basis": runs[-1]["supplier_shares_by_basis"],
        "each_run": [
            {key: run[key] for key in ("wall_seconds", "peak_rss_mib", "process_wall_seconds", "process_peak_rss_mib")}
            for run in runs
        ],
    }


def compare(duckdb_file: Path, pandas_dir: Path, samples: int, seed: int) -> dict:
    """Row-by-row comparison of the two baselines' outputs."""
    with duckdb.connect(str(duckdb_file), read_only=True) as con:
        d_shares = con.execute("select * from supplier_shares").df()
        d_hhi = con.execute("select * from hhi").df()
    p_shares = pd.read_parquet(pandas_dir / "supplier_shares.parquet")
    p_hhi = pd.read_parquet(pandas_dir / "hhi.parquet")
    for frame in (d_shares, d_hhi, p_shares, p_hhi):  # same key dtypes on both sides of the merges
        frame["year"] = frame["year"].astype("int64")
        for column in ("importer_iso3", "exporter_iso3", "mineral", "stage", "basis", "top_supplier_iso3"):
            if column in frame.columns:
                frame[column] = frame[column].astype(str)

    shares = d_shares.merge(p_shares, on=SHARE_KEYS, how="outer", suffixes=("_duckdb", "_pandas"), indicator=True)
    both = shares[shares["_merge"] == "both"]
    amount_rel = (both["amount_duckdb"] - both["amount_pandas"]).abs() / both["amount_pandas"].abs()
    share_abs = (both["share_duckdb"] - both["share_pandas"]).abs()

    hhi = d_hhi.merge(p_hhi, on=HHI_KEYS, how="outer", suffixes=("_duckdb", "_pandas"), indicator=True)
    hboth = hhi[hhi["_merge"] == "both"]
    hhi_abs = (hboth["hhi_duckdb"] - hboth["hhi_pandas"]).abs()
    top_share_abs = (hboth["top_supplier_share_duckdb"] - hboth["top_supplier_share_pandas"]).abs()
    top_differs = int((hboth["top_supplier_iso3_duckdb"] != hboth["top_supplier_iso3_pandas"]).sum())
    n_differs = int((hboth["n_suppliers_duckdb"] != hboth["n_suppliers_pandas"]).sum())

    rng = np.random.default_rng(seed)
    picked = both.iloc[np.sort(rng.choice(len(both), size=min(samples, len(both)), replace=False))] if len(both) else both
    sampled = [
        {
            **{key: (int(row[key]) if key == "year" else str(row[key])) for key in SHARE_KEYS},
            "amount_duckdb": float(row["amount_duckdb"]),
            "amount_pandas": float(row["amount_pandas"]),
            "share_duckdb": float(row["share_duckdb"]),
            "share_pandas": float(row["share_pandas"]),
        }
        for _, row in picked.iterrows()
    ]

    result = {
        "tolerance": TOLERANCE,
        "supplier_shares": {
            "rows_duckdb": len(d_shares),
            "rows_pandas": len(p_shares),
            "only_in_duckdb": int((shares["_merge"] == "left_only").sum()),
            "only_in_pandas": int((shares["_merge"] == "right_only").sum()),
            "max_share_abs_diff": float(share_abs.max()) if len(both) else 0.0,
            "max_amount_rel_diff": float(amount_rel.max()) if len(both) else 0.0,
        },
        "hhi": {
            "rows_duckdb": len(d_hhi),
            "rows_pandas": len(p_hhi),
            "only_in_duckdb": int((hhi["_merge"] == "left_only").sum()),
            "only_in_pandas": int((hhi["_merge"] == "right_only").sum()),
            "max_hhi_abs_diff": float(hhi_abs.max()) if len(hboth) else 0.0,
            "max_top_share_abs_diff": float(top_share_abs.max()) if len(hboth) else 0.0,
            "top_supplier_differs": top_differs,
            "n_suppliers_differs": n_differs,
        },
        "sampled_supplier_shares": sampled,
    }
    s, h = result["supplier_shares"], result["hhi"]
    result["identical_within_tolerance"] = bool(
        s["rows_duckdb"] == s["rows_pandas"]
        and s["only_in_duckdb"] == s["only_in_pandas"] == 0
        and s["max_share_abs_diff"] <= TOLERANCE
        and s["max_amount_rel_diff"] <= TOLERANCE
        and h["rows_duckdb"] == h["rows_pandas"]
        and h["only_in_duckdb"] == h["only_in_pandas"] == 0
        and h["max_hhi_abs_diff"] <= TOLERANCE
        and h["max_top_share_abs_diff"] <= TOLERANCE
        and top_differs == 0
        and n_differs == 0
    )
    return result


def machine() -> dict:
    memory_gib = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        memory_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "cpu_count": os.cpu_count(),
        "memory_gib": memory_gib,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "python": platform.python_version(),
        "versions": {
            "duckdb": duckdb.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "pyarrow": pyarrow.__version__,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=8_500_000)
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each baseline (default 3)")
    parser.add_argument("--samples", type=int, default=5, help="supplier-share rows shown in the comparison")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="leave the temporary folder in place")
    args = parser.parse_args(argv)

    load_before = [round(x, 2) for x in os.getloadavg()]
    tmp = Path(tempfile.mkdtemp(prefix="baci_baselines_"))
    try:
        data = tmp / "data"
        gen = run_script(
            [str(HERE / "generate_baci.py"), str(data), "--rows", str(args.rows), "--years", str(args.year),
             "--seed", str(args.seed)],
            tmp,
        )
        year_file = data / gen["years"][0]["file"]
        print(f"generated {gen['years'][0]['rows']:,} rows, {year_file.stat().st_size / 2**20:.1f} MiB "
              f"in {gen['process_wall_seconds']:.1f} s", file=sys.stderr)

        runs: dict[str, list[dict]] = {"duckdb": [], "pandas": []}
        for number in range(args.repeat):
            for tool in runs:
                out = tmp / f"{tool}_{number}" / ("out.duckdb" if tool == "duckdb" else "")
                out.parent.mkdir(parents=True, exist_ok=True)
                script = HERE / f"baseline_{tool}.py"
                result = run_script([str(script), str(year_file), "--out", str(out)], tmp)
                runs[tool].append(result)
                print(f"{tool} run {number + 1}: {result['wall_seconds']:.2f} s, {result['peak_rss_mib']:.0f} MiB",
                      file=sys.stderr)

        last = args.repeat - 1
        comparison = compare(tmp / f"duckdb_{last}" / "out.duckdb", tmp / f"pandas_{last}", args.samples, args.seed)
        report = {
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": machine(),
            "load_average_1_5_15": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
            "generated": {
                "rows": gen["years"][0]["rows"],
                "year": args.year,
                "seed": args.seed,
                "file": year_file.name,
                "file_bytes": year_file.stat().st_size,
                "file_mib": round(year_file.stat().st_size / 2**20, 1),
                "details": gen["years"][0],
                "wall_seconds": gen["process_wall_seconds"],
                "peak_rss_mib": gen["process_peak_rss_mib"],
            },
            "baselines": {tool: summarise(tool_runs) for tool, tool_runs in runs.items()},
            "comparison": comparison,
        }
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({tool: {k: v for k, v in s.items() if k != "each_run"} for tool, s in report["baselines"].items()},
                     indent=2))
    print(f"identical within {TOLERANCE}: {comparison['identical_within_tolerance']}; written to {args.results}")
    return 0 if comparison["identical_within_tolerance"] else 1


if __name__ == "__main__":
    sys.exit(main())
