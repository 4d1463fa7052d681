"""The pipeline's trade path on real-size BACI years, next to the DuckDB and pandas baselines on the same file.

What one invocation does, all inside a fresh folder under the system's temporary directory (deleted at the end
unless ``--keep``):

1. ``generate_baci.py`` writes four synthetic BACI HS2022 years (``--rows`` each, default 8,500,000; the last
   one is ``--year``, default 2022) and the release's ``country_codes_V202601.csv``.
2. The input folder is a copy of ``tests/fixtures/inputs`` plus the shipped announcement sources (as the
   end-to-end tests use it); warehouse, publication folder, ``DAGSTER_HOME`` (the project's
   ``dagster_instance.yaml``) and dbt's target folder are in the temporary folder too.
3. Setup run: the ``everything`` job over every yearly partition, as ``make run`` does, before any BACI
   release is present. It builds the reference, announcement and production assets; the warehouse, the
   publication and the Dagster instance are then saved, and every measured run starts from that saved state.
4. Measured runs, each in a fresh Python process that loads the code location and calls
   ``execute_in_process`` on the ``trade_and_production_monthly`` job with the partition-range tags
   ``dagster/asset_partition_range_start|end`` (a range is one run, as the single-run backfill policy makes
   it), the way ``pipelines.run`` does:

   * fixed overhead: the job for the year (and for the 2- and 4-year ranges) with no BACI release in
     ``trade/`` (the state before the files arrive);
   * with data: the same runs after the year files and ``country_codes_V202601.csv`` are put into ``trade/``
     (hard links, so the page cache is shared with the baselines); marginal cost = with data - fixed;
   * the same two single-year runs restricted to the trade assets (``raw/trade_flows`` and the dbt trade
     models, with their checks: no reference, production or announcement models, no publication);
   * the year once more on top of the warehouse left by the longest range (all generated years stored):
     the checks read whole tables and the publication copies every mart, so their cost follows the history.

   Each process is timed from outside (wall time from start to exit; peak RSS from ``os.wait4``'s
   ``ru_maxrss``, which is the largest of the process and each of its waited-for descendants, such as the
   ``dbt`` CLI, taken one by one). The summed RSS of the whole process tree is also sampled from ``/proc``
   every 0.1 s, because the Dagster process and ``dbt`` are alive at the same time.
5. ``baseline_duckdb.py`` and ``baseline_pandas.py`` on the last year's file, timed the same way.
6. The pipeline's ``marts.supplier_shares`` rows of the year (source ``baci``) are compared with the DuckDB
   baseline's on the importer/exporter pairs where both sides are countries.

Every measurement is repeated ``--repeat`` times (default 3), taking turns; medians are reported. Results go to
``benchmarks/results/trade_pipeline.json`` (``--quick``: only printed, unless ``--results`` is given).

Targets: the pipeline's year at most twice the DuckDB baseline's wall time (checked for the whole run and for
the marginal cost), at most 1 GiB peak RSS, and at least four times faster than the pandas baseline.

Run ``python benchmarks/run_trade_benchmark.py`` (about 12 minutes on two cores) or ``--quick`` (500,000 rows,
1 and 2 years, one repeat, about 3 minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "trade_pipeline.json"
FIXTURE_INPUTS = REPO / "tests" / "fixtures" / "inputs"
ANNOUNCEMENTS = REPO / "data" / "inputs" / "announcements"
INSTANCE_YAML = REPO / "dagster_instance.yaml"
DBT_PROJECT = REPO / "dbt_project"

JOB = "trade_and_production_monthly"
SETUP_JOB = "everything"
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
VERSION = "202601"
MIB = 2**20

TARGET_WALL_RATIO_TO_DUCKDB = 2.0  # (a) <= 2 x (b)
TARGET_PEAK_RSS_MIB = 1024.0  # (a) <= 1 GiB
TARGET_SPEEDUP_OVER_PANDAS = 4.0  # (c) >= 4 x (a)


# --------------------------------------------------------------------------------------------- the measured child


def child_main(argv: list[str]) -> int:
    """Inside the measured process: load the code location, run the job for a partition range, write a summary."""
    started = time.perf_counter()
    parser = argparse.ArgumentParser(prog="run_trade_benchmark.py child")
    parser.add_argument("--job", default=JOB)
    parser.add_argument("--first", required=True)
    parser.add_argument("--last", required=True)
    parser.add_argument("--selection", choices=["job", "trade"], default="job")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))

    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.defs.transform import dbt_trade_models

    loaded = time.perf_counter()
    job = defs.resolve_job_def(args.job)
    selection = None
    if args.selection == "trade":
        selection = [dg.AssetKey(["raw", "trade_flows"]), *sorted(dbt_trade_models.keys, key=lambda k: k.path)]
    instance = dg.DagsterInstance.get()
    result = job.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        instance=instance,
        tags={RANGE_START: args.first, RANGE_END: args.last},
        raise_on_error=False,
        asset_selection=selection,
    )
    executed = time.perf_counter()

    def root_cause(error) -> str:
        if error is None:
            return "unknown error"
        while error.cause is not None:
            error = error.cause
        return error.message.strip()

    stats = [s for s in instance.get_run_step_stats(result.run_id) if s.start_time is not None and s.end_time]
    steps = {stat.step_key: round(stat.end_time - stat.start_time, 3) for stat in stats}
    windows = {stat.step_key: [stat.start_time, stat.end_time] for stat in stats}
    evaluations = result.get_asset_check_evaluations()
    summary = {
        "success": result.success,
        "run_id": result.run_id,
        "job": args.job,
        "selection": args.selection,
        "partitions": f"{args.first}-{args.last}",
        "seconds_loading_definitions": round(loaded - started, 3),
        "seconds_executing": round(executed - loaded, 3),
        "steps_seconds": steps,
        "steps_window_epoch": windows,
        "asset_checks": len(evaluations),
        "failed_checks": [
            f"{e.asset_check_key.asset_key.to_user_string()}:{e.asset_check_key.name}: {e.description}"
            for e in evaluations
            if not e.passed
        ],
        "failed_steps": [
            f"step '{e.step_key}' failed: {root_cause(e.step_failure_data.error)}" for e in result.get_step_failure_events()
        ],
        "skipped_steps": [e.step_key for e in result.get_step_skipped_events()],
    }
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if result.success else 1


# ------------------------------------------------------------------------------------------- process measurement


def _tree_rss_bytes(root: int, page_size: int) -> tuple[int, int]:
    """Resident memory of ``root`` alone and summed over ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    own = total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                rss = int(handle.read().split()[1]) * page_size
        except (OSError, IndexError, ValueError):
            rss = 0
        total += rss
        if pid == root:
            own = rss
        stack.extend(children.get(pid, []))
    return own, total


class TreeSampler(threading.Thread):
    """Samples the RSS of a process and the summed RSS of its tree until stopped: ``(epoch, own, tree)`` bytes."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.samples: list[tuple[float, int, int]] = []
        self._stop_event = threading.Event()
        self._page_size = os.sysconf("SC_PAGE_SIZE")

    def run(self) -> None:
        while not self._stop_event.is_set():
            now = time.time()
            own, tree = _tree_rss_bytes(self.pid, self._page_size)
            self.peak = max(self.peak, tree)
            self.samples.append((now, own, tree))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_measured(cmd: list[str], env: dict[str, str], log: Path) -> tuple[dict, list[tuple[float, int, int]]]:
    """Run ``cmd`` in a new process; wall time, ``wait4`` ``ru_maxrss``, sampled tree RSS peak, and the samples."""
    load = round(os.getloadavg()[0], 2)
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        sampler = TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "returncode": process.returncode,
        "wall_seconds": round(wall, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "tree_peak_rss_mib": round(sampler.peak / MIB, 1),
        "user_cpu_seconds": round(usage.ru_utime, 2),
        "system_cpu_seconds": round(usage.ru_stime, 2),
        "load_average_1min_at_start": load,
    }, sampler.samples


def step_peaks(windows: dict[str, list[float]], samples: list[tuple[float, int, int]]) -> dict[str, dict]:
    """Highest sampled RSS (Dagster process alone, whole process tree) while each step ran."""
    peaks = {}
    for step, (start, end) in windows.items():
        inside = [(own, tree) for t, own, tree in samples if start <= t <= end]
        if inside:
            peaks[step] = {"process_mib": round(max(o for o, _ in inside) / MIB, 1),
                           "tree_mib": round(max(t for _, t in inside) / MIB, 1)}
    return peaks


class PipelineRunFailed(RuntimeError):
    """A measured pipeline run did not succeed; the message holds its errors verbatim."""


# ------------------------------------------------------------------------------------------------- the workspace


class Workspace:
    """Input folder, pipeline state (warehouse, publication, Dagster home) and its saved copy, all under ``tmp``."""

    def __init__(self, tmp: Path, release: Path, years: list[int]) -> None:
        self.tmp = tmp
        self.release = release
        self.years = years
        self.inputs = tmp / "inputs"
        self.trade = self.inputs / "trade"
        self.state = tmp / "state"
        self.saved = tmp / "saved_state"
        self.dbt_target = tmp / "dbt_target"
        self.logs = tmp / "logs"
        self.warehouse = self.state / "warehouse" / "minerals.duckdb"
        self.partial_parse = tmp / "partial_parse.msgpack"
        self.runs = 0

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "MINERALS_INPUT_DIR": str(self.inputs),
            "MINERALS_WAREHOUSE": str(self.warehouse),
            "MINERALS_PUBLISH_DIR": str(self.state / "published"),
            "DAGSTER_HOME": str(self.state / "dagster_home"),
            # dagster-dbt gives every dbt invocation its own folder under DBT_TARGET_PATH: keep them out of
            # the repository.
            "DBT_TARGET_PATH": str(self.dbt_target),
        })
        return env

    def prepare(self) -> None:
        shutil.copytree(FIXTURE_INPUTS, self.inputs)
        if not (self.inputs / "announcements").exists():
            shutil.copytree(ANNOUNCEMENTS, self.inputs / "announcements")
        (self.state / "dagster_home").mkdir(parents=True)
        shutil.copyfile(INSTANCE_YAML, self.state / "dagster_home" / "dagster.yaml")
        self.logs.mkdir()
        # dbt's partial-parse file for this environment (its profile points at this warehouse), made once the
        # way `make manifest` makes it for the default one, so that no measured run parses the project.
        parse_target = self.tmp / "parse_target"
        env = self.env() | {"DBT_TARGET_PATH": str(parse_target)}
        subprocess.run([str(REPO / ".venv" / "bin" / "dbt"), "parse", "--quiet", "--profiles-dir", str(DBT_PROJECT)],
                       cwd=DBT_PROJECT, env=env, check=True)
        self.partial_parse = self.tmp / "partial_parse.msgpack"
        shutil.copyfile(parse_target / "partial_parse.msgpack", self.partial_parse)
        self._reset_dbt_target()

    def _reset_dbt_target(self) -> None:
        """An empty dbt target folder holding only the project's partial-parse file, as in a normal checkout
        (dagster-dbt copies it into each invocation's folder, so dbt does not re-parse the project)."""
        shutil.rmtree(self.dbt_target, ignore_errors=True)
        self.dbt_target.mkdir()
        if self.partial_parse.exists():
            shutil.copyfile(self.partial_parse, self.dbt_target / "partial_parse.msgpack")

    def save(self) -> None:
        shutil.rmtree(self.saved, ignore_errors=True)
        shutil.copytree(self.state, self.saved)

    def restore(self) -> None:
        shutil.rmtree(self.state)
        shutil.copytree(self.saved, self.state)
        self._reset_dbt_target()

    def release_files(self) -> list[Path]:
        files = [self.release / f"BACI_HS22_Y{year}_V{VERSION}.csv" for year in self.years]
        return [*files, self.release / f"country_codes_V{VERSION}.csv"]

    def add_releases(self) -> None:
        for path in self.release_files():
            target = self.trade / path.name
            if not target.exists():
                os.link(path, target)

    def remove_releases(self) -> None:
        for path in self.release_files():
            (self.trade / path.name).unlink(missing_ok=True)

    def run_job(self, first: int, last: int, selection: str, label: str, job: str = JOB) -> dict:
        """One measured run from the saved state (or, for the setup run, from the current state)."""
        self.runs += 1
        stem = f"{self.runs:02d}_{label}"
        out, log = self.logs / f"{stem}.json", self.logs / f"{stem}.log"
        cmd = [sys.executable, str(Path(__file__).resolve()), "child", "--job", job, "--first", str(first),
               "--last", str(last), "--selection", selection, "--out", str(out)]
        measured, samples = run_measured(cmd, self.env(), log)
        summary = json.loads(out.read_text()) if out.exists() else {}
        summary["steps_peak_rss"] = step_peaks(summary.pop("steps_window_epoch", {}), samples)
        if measured["returncode"] != 0 or not summary.get("success"):
            tail = log.read_text(errors="replace")[-6000:]
            problems = [*summary.get("failed_steps", []), *summary.get("failed_checks", [])]
            raise PipelineRunFailed(
                f"{label} ({job}, partitions {first}-{last}) exited with {measured['returncode']}.\n"
                + ("\n".join(problems) + "\n" if problems else "")
                + f"Last lines of its output:\n{tail}"
            )
        return {"label": label, "partitions": f"{first}-{last}", "selection": selection, **measured,
                **{k: v for k, v in summary.items() if k not in ("success", "failed_checks", "failed_steps")}}


# ------------------------------------------------------------------------------------------------ what was built


def warehouse_rows(warehouse: Path, first: int, last: int) -> dict:
    """Rows the run left for its years: BACI rows in raw.trade_flows and the marts, quarantined BACI rows."""
    import duckdb

    queries = {
        "raw_trade_flows": "select count(*) from raw.trade_flows where year between ? and ?",
        "raw_trade_flows_baci": "select count(*) from raw.trade_flows where source = 'baci' and year between ? and ?",
        "quarantined_baci": "select count(*) from raw.quarantine where asset = 'trade_flows' and source = 'baci'",
        "int_trade_flows_mapped_baci": (
            "select count(*) from intermediate.int_trade_flows_mapped where source = 'baci' and year between ? and ?"
        ),
        "supplier_shares_baci": (
            "select count(*) from marts.supplier_shares where source = 'baci' and year between ? and ?"
        ),
        "value_chain_dependency_baci": (
            "select count(*) from marts.value_chain_dependency where source = 'baci' and year between ? and ?"
        ),
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = {
            name: con.execute(sql, [first, last] if "?" in sql else []).fetchone()[0] for name, sql in queries.items()
        }
        by_year = con.execute(
            "select year, count(*) from raw.trade_flows where source = 'baci' and year between ? and ? "
            "group by year order by year",
            [first, last],
        ).fetchall()
    counts["raw_trade_flows_baci_by_year"] = {str(year): n for year, n in by_year}
    return counts


def compare_with_baseline(warehouse: Path, baseline_db: Path, year: int) -> dict:
    """The pipeline's BACI supplier amounts of ``year`` against the DuckDB baseline's, on country pairs.

    The pipeline leaves out areas that are not countries and, for a quantity group, prefers Trade Map and
    Comtrade over BACI; the baseline does neither. Baseline rows are therefore restricted to importers and
    exporters that are countries, and baseline rows whose group the pipeline took from another source are
    counted apart, as are pipeline rows with an ISO3 code the baseline never uses (the pipeline maps BACI's
    codes through ``trade_country_codes.csv``: 849 "US Misc. Pacific Isds" is ``UMI``, a country, where the
    release says ``PUS``). Shares are not compared (a supplier left out changes its group's total)."""
    import duckdb

    sql = """
    with countries as (
        select iso3 from raw.countries where kind in ('country', 'historical')
    ),
    pipeline as (
        select importer_iso3, exporter_iso3, mineral, stage, year, basis, amount
        from marts.supplier_shares where source = 'baci' and year = $year
    ),
    other_source_groups as (
        select distinct importer_iso3, mineral, stage, year, basis
        from marts.supplier_shares where source <> 'baci' and year = $year
    ),
    baseline as (
        select importer_iso3, exporter_iso3, mineral, stage, year, basis, amount
        from b.supplier_shares
        where year = $year
          and importer_iso3 in (select iso3 from countries)
          and exporter_iso3 in (select iso3 from countries)
    ),
    baseline_codes as (
        select importer_iso3 as iso3 from b.supplier_shares union select exporter_iso3 from b.supplier_shares
    ),
    joined as (
        select
            basis,
            importer_iso3 not in (select iso3 from baseline_codes)
                or exporter_iso3 not in (select iso3 from baseline_codes) as code_unknown_to_baseline,
            p.amount as pipeline_amount,
            bl.amount as baseline_amount,
            o.importer_iso3 is not null as other_source,
        from pipeline as p
        full outer join baseline as bl using (importer_iso3, exporter_iso3, mineral, stage, year, basis)
        left join other_source_groups as o using (importer_iso3, mineral, stage, year, basis)
    )
    select
        basis,
        count(pipeline_amount),
        count(baseline_amount),
        count(*) filter (where pipeline_amount is not null and baseline_amount is not null),
        count(*) filter (where baseline_amount is null),
        count(*) filter (where baseline_amount is null and code_unknown_to_baseline),
        count(*) filter (where pipeline_amount is null),
        count(*) filter (where pipeline_amount is null and other_source),
        max(abs(pipeline_amount - baseline_amount) / abs(baseline_amount)),
    from joined
    group by basis
    order by basis
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"attach '{baseline_db}' as b (read_only)")
        rows = con.execute(sql, {"year": year}).fetchall()
    names = ["pipeline_rows", "baseline_country_rows", "common", "only_pipeline", "only_pipeline_iso3_not_in_baseline",
             "only_baseline",
             "only_baseline_group_from_other_source", "max_amount_rel_diff"]
    result = {basis: dict(zip(names, values, strict=True)) for basis, *values in rows}
    for basis in result.values():
        basis["only_baseline_unexplained"] = basis["only_baseline"] - basis["only_baseline_group_from_other_source"]
    return result


def check_source_lines(warehouse: Path, year_file: Path, year: int) -> dict:
    """Every BACI row of ``year`` in ``raw.trade_flows`` against the line it names in the year file:
    the product code and the value (v * 1000) must be those of that line."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select source_line, hs_code, value_usd from raw.trade_flows where source = 'baci' and year = ?", [year]
        ).fetchall()
    wanted = {line: (code, value) for line, code, value in rows}
    mismatched = []
    with year_file.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if number in wanted:
                fields = text.rstrip("\n").split(",")
                code, value = wanted.pop(number)
                if fields[3].strip().zfill(6) != code or abs(float(fields[4]) * 1000 - value) > 1e-9 * max(1.0, value):
                    mismatched.append(number)
    return {"rows_checked": len(rows), "lines_mismatched": len(mismatched), "lines_beyond_the_file": len(wanted),
            "first_mismatches": mismatched[:10]}


# ------------------------------------------------------------------------------------------------------ summaries


def summarise(runs: list[dict]) -> dict:
    def median(key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 3)

    summary = {
        "runs": len(runs),
        "wall_seconds_median": median("wall_seconds"),
        "wall_seconds_min": round(min(run["wall_seconds"] for run in runs), 3),
        "wall_seconds_each": [run["wall_seconds"] for run in runs],
        "peak_rss_mib_median": median("peak_rss_mib"),
        "peak_rss_mib_max": max(run["peak_rss_mib"] for run in runs),
    }
    if "user_cpu_seconds" in runs[0]:  # CPU time of the process tree: less sensitive to other work on the machine
        summary["cpu_seconds_median"] = round(
            statistics.median(run["user_cpu_seconds"] + run["system_cpu_seconds"] for run in runs), 2)
        summary["load_average_1min_at_start"] = [run["load_average_1min_at_start"] for run in runs]
    if "tree_peak_rss_mib" in runs[0]:
        summary["tree_peak_rss_mib_median"] = median("tree_peak_rss_mib")
        summary["tree_peak_rss_mib_max"] = max(run["tree_peak_rss_mib"] for run in runs)
    if "seconds_loading_definitions" in runs[0]:
        summary["seconds_loading_definitions_median"] = median("seconds_loading_definitions")
        summary["seconds_executing_median"] = median("seconds_executing")
        steps = sorted({step for run in runs for step in run["steps_seconds"]})
        summary["steps_seconds_median"] = {
            step: round(statistics.median(run["steps_seconds"].get(step, 0.0) for run in runs), 3) for step in steps
        }
        # Steps shorter than the sampling interval may have no sample: they are left out.
        summary["steps_peak_rss_mib_max"] = {
            step: {kind: max(run["steps_peak_rss"][step][kind] for run in sampled) for kind in ("process_mib", "tree_mib")}
            for step in steps
            if (sampled := [run for run in runs if step in run["steps_peak_rss"]])
        }
        summary["asset_checks"] = runs[-1]["asset_checks"]
    if "rows" in runs[-1]:
        summary["rows"] = runs[-1]["rows"]
    if "process_wall_seconds" in runs[0]:  # a baseline: its own numbers beside the outside view
        summary["script_wall_seconds_median"] = median("script_wall_seconds")
        summary["script_rows"] = runs[-1]["script_rows"]
    return summary


# Steps whose work grows with the BACI rows of the partitions: the trade ingest, the dbt trade models, the checks
# on the tables they write, and the publication (which copies the marts).
TRADE_STEP_MARKERS = ("trade_flows", "dbt_trade_models", "supplier_shares", "value_chain_dependency",
                      "mirror_discrepancies", "published__minerals")


def fixed_and_marginal(fixed: dict, loaded: dict, years: int) -> dict:
    """Marginal cost = median wall time with the files - median without. The same difference summed over the
    trade steps only (Dagster's step timings) is less exposed to the noise of the steps that do not change."""
    marginal = round(loaded["wall_seconds_median"] - fixed["wall_seconds_median"], 3)
    steps = {
        step: round(seconds - fixed["steps_seconds_median"].get(step, 0.0), 3)
        for step, seconds in loaded["steps_seconds_median"].items()
    }
    trade_steps = round(sum(v for k, v in steps.items() if any(m in k for m in TRADE_STEP_MARKERS)), 3)
    return {
        "years": years,
        "fixed": fixed,
        "with_data": loaded,
        "marginal_wall_seconds": marginal,
        "marginal_wall_seconds_per_year": round(marginal / years, 3),
        "marginal_trade_steps_seconds": trade_steps,
        "marginal_steps_seconds": steps,
    }


def baseline_run(script: str, year_file: Path, out: Path, workdir: Path) -> dict:
    from run_baselines import run_script

    workdir.mkdir(parents=True, exist_ok=True)
    result = run_script([str(HERE / script), str(year_file), "--out", str(out)], workdir)
    return {
        "wall_seconds": result["process_wall_seconds"],
        "peak_rss_mib": result["process_peak_rss_mib"],
        "process_wall_seconds": result["process_wall_seconds"],
        "script_wall_seconds": result["wall_seconds"],
        "script_rows": result["rows"],
    }


def code_version() -> dict:
    """The commit measured and whether pipeline code differed from it."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    changed = git("status", "--porcelain", "--", "pipelines", "dbt_project/models", "dbt_project/macros",
                  "dbt_project/tests", "dbt_project/dbt_project.yml")
    return {"git_head": git("rev-parse", "HEAD") or None, "pipeline_code_modified": bool(changed)}


def machine_info() -> dict:
    from run_baselines import machine

    info = machine()
    for package in ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "great-expectations"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            info["versions"][package] = metadata.version(package)
    return info


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 2) if denominator > 0 else None


def assess(job: dict, duckdb_wall: float, pandas_wall: float, history: dict | None = None) -> dict:
    """Ratios and targets for the whole run and for the marginal cost. A marginal cost at or below zero is
    within the run-to-run noise of the fixed overhead: its ratios and targets are left open (None)."""
    total = job["with_data"]["wall_seconds_median"]
    marginal = job["marginal_wall_seconds"]
    rss = job["with_data"]["peak_rss_mib_max"]
    tree = job["with_data"].get("tree_peak_rss_mib_max")
    usable = marginal > 0
    ratios = {
        "a_over_b_wall_total": ratio(total, duckdb_wall),
        "a_over_b_wall_marginal": ratio(marginal, duckdb_wall) if usable else None,
        "c_over_a_wall_total": ratio(pandas_wall, total),
        "c_over_a_wall_marginal": ratio(pandas_wall, marginal) if usable else None,
        "a_peak_rss_mib": rss,
        "a_tree_peak_rss_mib": tree,
    }

    def target(text: str, value: float | None, met: bool | None) -> dict:
        return {"target": text, "value": value, "met": met}

    wall_text = f"(a) <= {TARGET_WALL_RATIO_TO_DUCKDB} x (b)"
    pandas_text = f"(c) / (a) >= {TARGET_SPEEDUP_OVER_PANDAS}"
    targets = {
        "wall_at_most_2x_duckdb_total": target(wall_text, ratios["a_over_b_wall_total"],
                                               total <= TARGET_WALL_RATIO_TO_DUCKDB * duckdb_wall),
        "wall_at_most_2x_duckdb_marginal": target(wall_text, ratios["a_over_b_wall_marginal"],
                                                  marginal <= TARGET_WALL_RATIO_TO_DUCKDB * duckdb_wall if usable else None),
        "peak_rss_at_most_1_gib": {
            **target(f"<= {TARGET_PEAK_RSS_MIB:.0f} MiB (wait4 ru_maxrss, worst run)", rss, rss <= TARGET_PEAK_RSS_MIB),
            "process_tree_sum_met": None if tree is None else tree <= TARGET_PEAK_RSS_MIB,
        },
        "at_least_4x_faster_than_pandas_total": target(pandas_text, ratios["c_over_a_wall_total"],
                                                       pandas_wall >= TARGET_SPEEDUP_OVER_PANDAS * total),
        "at_least_4x_faster_than_pandas_marginal": target(
            pandas_text, ratios["c_over_a_wall_marginal"],
            pandas_wall >= TARGET_SPEEDUP_OVER_PANDAS * marginal if usable else None),
    }
    if history is not None:
        rss_history = history["with_data"]["peak_rss_mib_max"]
        tree_history = history["with_data"]["tree_peak_rss_mib_max"]
        targets["peak_rss_at_most_1_gib_with_history"] = {
            **target(f"<= {TARGET_PEAK_RSS_MIB:.0f} MiB, the year over a warehouse holding {history['history_years']} "
                     "BACI years", rss_history, rss_history <= TARGET_PEAK_RSS_MIB),
            "process_tree_sum_met": tree_history <= TARGET_PEAK_RSS_MIB,
            "process_tree_sum_mib": tree_history,
        }
    return {"ratios": ratios, "targets": targets}


def markdown(report: dict) -> str:
    """A summary table for the README."""
    b = report["baselines"]
    lines = [
        "| run | wall time (median) | marginal over fixed | peak RSS (wait4) | peak RSS (process tree) |",
        "|---|---:|---:|---:|---:|",
        f"| (b) `baseline_duckdb.py` | {b['duckdb']['wall_seconds_median']:.2f} s | | "
        f"{b['duckdb']['peak_rss_mib_median']:.0f} MiB | |",
        f"| (c) `baseline_pandas.py` | {b['pandas']['wall_seconds_median']:.2f} s | | "
        f"{b['pandas']['peak_rss_mib_median']:.0f} MiB | |",
    ]
    for name, title in (("job", f"`{JOB}`"), ("trade_assets", "trade assets only")):
        part = report["pipeline"][name]
        for kind in ("fixed", "with_data"):
            run = part[kind]
            label = "no BACI file (fixed overhead)" if kind == "fixed" else "with the year's file"
            marginal = (f"{part['marginal_wall_seconds']:.1f} s (trade steps {part['marginal_trade_steps_seconds']:.1f} s)"
                        if kind == "with_data" else "")
            lines.append(
                f"| (a) {title}, 1 year, {label} | {run['wall_seconds_median']:.1f} s | {marginal} | "
                f"{run['peak_rss_mib_max']:.0f} MiB | {run['tree_peak_rss_mib_max']:.0f} MiB |"
            )
    if "job_with_history" in report["pipeline"]:
        run = report["pipeline"]["job_with_history"]["with_data"]
        lines.append(
            f"| (a) `{JOB}`, 1 year, with the year's file, warehouse already holding "
            f"{report['pipeline']['job_with_history']['history_years']} BACI years | {run['wall_seconds_median']:.1f} s | | "
            f"{run['peak_rss_mib_max']:.0f} MiB | {run['tree_peak_rss_mib_max']:.0f} MiB |"
        )
    lines += ["", "| years (one run) | fixed | with data | marginal | marginal per year | peak RSS (wait4) |",
              "|---:|---:|---:|---:|---:|---:|"]
    for point in report["scaling"]:
        lines.append(
            f"| {point['years']} | {point['fixed']['wall_seconds_median']:.1f} s | "
            f"{point['with_data']['wall_seconds_median']:.1f} s | {point['marginal_wall_seconds']:.1f} s | "
            f"{point['marginal_wall_seconds_per_year']:.2f} s | {point['with_data']['peak_rss_mib_max']:.0f} MiB |"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, help="rows per generated year (default 8,500,000; --quick: 500,000)")
    parser.add_argument("--year", type=int, default=2022, help="the measured year, the last of the generated ones")
    parser.add_argument("--repeat", type=int, help="runs of each measurement (default 3; --quick: 1)")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--quick", action="store_true", help="smoke run: 500,000 rows, 1 and 2 years, one repeat")
    parser.add_argument("--results", type=Path, help=f"JSON to write (default {RESULTS.relative_to(REPO)}; "
                                                     "--quick: none unless given)")
    parser.add_argument("--keep", action="store_true", help="leave the temporary folder in place")
    args = parser.parse_args(argv)
    rows = args.rows or (500_000 if args.quick else 8_500_000)
    repeat = args.repeat or (1 if args.quick else 3)
    scaling = [1, 2] if args.quick else [1, 2, 4]
    years = list(range(args.year - max(scaling) + 1, args.year + 1))
    results = args.results or (None if args.quick else RESULTS)

    sys.path.insert(0, str(HERE))
    from run_baselines import run_script

    def say(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    load_before = [round(x, 2) for x in os.getloadavg()]
    tmp = Path(tempfile.mkdtemp(prefix="trade_benchmark_"))
    report: dict = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine_info(),
        "code": code_version(),
        "settings": {"rows_per_year": rows, "years": years, "measured_year": args.year, "scaling_years": scaling,
                     "repeat": repeat, "seed": args.seed, "quick": args.quick, "job": JOB,
                     "trade_selection": "raw/trade_flows + dbt_trade_models (with their asset checks)",
                     "executor": "execute_in_process in a fresh process per run (as pipelines.run)"},
    }
    status = 0
    try:
        release = tmp / "release"
        say(f"generating {len(years)} years of {rows:,} rows into {release}")
        gen = run_script([str(HERE / "generate_baci.py"), str(release), "--rows", str(rows), "--years",
                          *map(str, years), "--seed", str(args.seed)], tmp)
        report["generated"] = {
            "years": gen["years"],
            "wall_seconds": gen["process_wall_seconds"],
            "peak_rss_mib": gen["process_peak_rss_mib"],
        }
        year_file = release / f"BACI_HS22_Y{args.year}_V{VERSION}.csv"
        say(f"generated in {gen['process_wall_seconds']:.1f} s; {year_file.name}: {year_file.stat().st_size / MIB:.1f} MiB")

        ws = Workspace(tmp, release, years)
        ws.prepare()
        say("setup run: the whole graph over every partition, no BACI release yet")
        sys.path.insert(0, str(REPO))
        from pipelines.defs.partitions import trade_years  # imports dagster only

        keys = trade_years.get_partition_keys()
        setup = ws.run_job(int(keys[0]), int(keys[-1]), "job", "setup", job=SETUP_JOB)
        report["setup_run"] = {k: setup[k] for k in ("partitions", "wall_seconds", "peak_rss_mib", "tree_peak_rss_mib")}
        say(f"setup run: {setup['wall_seconds']:.1f} s, {setup['peak_rss_mib']:.0f} MiB")
        ws.save()

        runs: dict[str, list[dict]] = {}

        def record(key: str, run: dict) -> None:
            runs.setdefault(key, []).append(run)
            say(f"{key}: {run['wall_seconds']:.2f} s, {run['peak_rss_mib']:.0f} MiB"
                + (f" (tree {run['tree_peak_rss_mib']:.0f} MiB)" if "tree_peak_rss_mib" in run else ""))

        comparison = None
        baseline_db = tmp / "baselines" / "duckdb.duckdb"
        for number in range(repeat):
            say(f"round {number + 1} of {repeat}")
            record("baseline_duckdb", baseline_run("baseline_duckdb.py", year_file, baseline_db,
                                                   tmp / "baselines" / f"duckdb_{number}"))
            record("baseline_pandas", baseline_run("baseline_pandas.py", year_file, tmp / "baselines" / "pandas",
                                                   tmp / "baselines" / f"pandas_{number}"))
            for n in scaling:
                first = args.year - n + 1
                ws.remove_releases()
                ws.restore()
                record(f"job_fixed_{n}", ws.run_job(first, args.year, "job", f"job_fixed_{n}y"))
                ws.add_releases()
                ws.restore()
                run = ws.run_job(first, args.year, "job", f"job_data_{n}y")
                run["rows"] = warehouse_rows(ws.warehouse, first, args.year)
                by_year = run["rows"]["raw_trade_flows_baci_by_year"]
                missing = [y for y in range(first, args.year + 1) if not by_year.get(str(y))]
                if missing:
                    raise PipelineRunFailed(f"job_data_{n}y succeeded but raw.trade_flows has no BACI rows for {missing}")
                if n == 1 and comparison is None:
                    comparison = compare_with_baseline(ws.warehouse, baseline_db, args.year)
                    comparison["source_lines"] = check_source_lines(ws.warehouse, year_file, args.year)
                    say(f"source lines: {comparison['source_lines']}")
                    if comparison["source_lines"]["lines_mismatched"] or comparison["source_lines"]["lines_beyond_the_file"]:
                        raise PipelineRunFailed(f"raw.trade_flows names wrong source lines: {comparison['source_lines']}")
                record(f"job_data_{n}", run)
                if n == max(scaling) > 1:
                    # The year again, on top of the warehouse that now holds all the generated years: the checks
                    # read whole tables and the publication copies every mart, so their cost follows the history.
                    run = ws.run_job(args.year, args.year, "job", f"job_data_1y_over_{n}y")
                    run["rows"] = warehouse_rows(ws.warehouse, years[0], args.year)
                    record("job_data_1_with_history", run)
            ws.remove_releases()
            ws.restore()
            record("trade_fixed_1", ws.run_job(args.year, args.year, "trade", "trade_fixed_1y"))
            ws.add_releases()
            ws.restore()
            run = ws.run_job(args.year, args.year, "trade", "trade_data_1y")
            run["rows"] = warehouse_rows(ws.warehouse, args.year, args.year)
            record("trade_data_1", run)

        baselines = {"duckdb": summarise(runs["baseline_duckdb"]), "pandas": summarise(runs["baseline_pandas"])}
        scaling_points = [
            fixed_and_marginal(summarise(runs[f"job_fixed_{n}"]), summarise(runs[f"job_data_{n}"]), n) for n in scaling
        ]
        pipeline = {
            "job": scaling_points[0],
            "trade_assets": fixed_and_marginal(summarise(runs["trade_fixed_1"]), summarise(runs["trade_data_1"]), 1),
        }
        if "job_data_1_with_history" in runs:
            history = summarise(runs["job_data_1_with_history"])
            fresh = pipeline["job"]["with_data"]
            pipeline["job_with_history"] = {
                "history_years": len(years),
                "with_data": history,
                "extra_wall_seconds_over_empty_history": round(
                    history["wall_seconds_median"] - fresh["wall_seconds_median"], 3),
                "extra_steps_seconds_over_empty_history": {
                    step: round(seconds - fresh["steps_seconds_median"].get(step, 0.0), 3)
                    for step, seconds in history["steps_seconds_median"].items()
                },
            }
        one = scaling_points[0]["marginal_wall_seconds"]
        for point in scaling_points:
            point["marginal_relative_to_1_year"] = ratio(point["marginal_wall_seconds"], one)
        duckdb_wall = baselines["duckdb"]["wall_seconds_median"]
        pandas_wall = baselines["pandas"]["wall_seconds_median"]
        report.update({
            "baselines": baselines,
            "pipeline": pipeline,
            "scaling": scaling_points,
            "assessment": {
                "job": assess(pipeline["job"], duckdb_wall, pandas_wall, pipeline.get("job_with_history")),
                "trade_assets": assess(pipeline["trade_assets"], duckdb_wall, pandas_wall),
            },
            "comparison_with_duckdb_baseline": comparison,
            "each_run": runs,
        })
    except PipelineRunFailed as error:
        report["error"] = str(error)
        say(f"a pipeline run failed:\n{error}")
        status = 1
    finally:
        report["load_average_1_5_15"] = {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]}
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    if results is not None:
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(json.dumps(report, indent=2) + "\n")
        say(f"written to {results}")
    if status == 0:
        print(markdown(report))
        print(json.dumps(report["assessment"], indent=2))
    else:
        print(json.dumps({"error": report["error"]}, indent=2))
    return status


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        sys.exit(child_main(sys.argv[2:]))
    sys.exit(main())
