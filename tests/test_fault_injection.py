"""A run killed with SIGKILL at any moment leaves a consistent warehouse and publication, and the next
runs publish exactly what an uninterrupted run publishes; two runs started together never corrupt
anything.

Each run is `python -m pipelines.run` in its own process group, on the fixture inputs, with a private
warehouse, publish folder and DAGSTER_HOME; `MINERALS_FAULT_POINT` (pipelines/lib/faults.py) makes it
kill itself, dbt included, at one named point. The kills form one chain on one workspace, each run
starting from what the kill before it left, so every run is also the rerun after a crash:

- after each kill, the publication is exactly the version published before it (byte for byte), or,
  for a kill after the `latest` switch, a complete new version; either way its tables and Parquet
  files are the clean reference run's. Every listed version is complete, the warehouse opens and
  no raw table holds a row twice;
- the run after a kill gets to its own kill point (or to its end) with no step failing;
- every run that goes through to its publication (`publish.switched`, `publish.pruning`, the runs
  of the last test) publishes the reference run's tables from a warehouse equal to the reference
  run's: nothing missing, nothing twice.

The publish points are mostly hit in the daily announcements job, which reaches the publication in a
third of the time of the whole graph, and publishes every table from the warehouse all the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.publish import current_version, list_versions
from pipelines.lib.settings import REPO_ROOT
from pipelines.lib.trade import FLOW_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FIXTURES = Path(__file__).parent / "fixtures"
RUN_TIMEOUT = 300  # seconds; a whole run of the fixture inputs takes about a minute
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
# Columns that record when a row was written, not what it says.
VOLATILE_COLUMNS = {"quarantined_at", "updated_at"}
WAREHOUSE_SCHEMAS = ("raw", "intermediate", "marts")
# Raw tables and the columns no two of their rows may share.
RAW_KEYS = {
    "trade_flows": FLOW_KEY,
    "announcement_documents": ["announcement_id", "version"],
    "announcements": ["announcement_id"],
    "diplomacy_events": ["event_id"],
}


@dataclass(frozen=True)
class Fault:
    point: str  # the value of MINERALS_FAULT_POINT: <name>, <name>/<detail>, either with :<n>
    job: str = "everything"
    switches: bool = False  # the kill comes after `latest` points at the new version

    @property
    def reached(self) -> str:
        name, _, nth = self.point.partition(":")
        return f"fault point reached: {name} ({nth or 1})"


DAILY = "announcements_daily"
# Mostly in the order a run reaches them, so that a run also goes past the point the one before it was killed at.
FAULTS = [
    Fault("ingest.documents.recorded", job=DAILY),  # announcement versions stored, raw.announcements not rebuilt
    Fault("ingest.reference_table:3"),  # three reference tables replaced, the others not
    Fault("dbt.model_built:2"),  # in the middle of a dbt build of staging and mart models
    Fault("ingest.trade_flows.raw_written"),  # trade rows replaced, their quarantine rows not
    # in the middle of the incremental trade models (delete + insert by year)
    Fault("dbt.model_built/marts__supplier_shares"),
    Fault("publish.switched", job=DAILY, switches=True),  # new version published, old ones not pruned
    Fault("publish.table_copied:3", job=DAILY),  # half-written database in versions/.tmp-<id>/
    Fault("publish.database_written", job=DAILY),
    Fault("publish.parquet_written", job=DAILY),
    Fault("publish.manifest_written", job=DAILY),
    Fault("publish.version_renamed", job=DAILY),  # complete version folder, `latest` not switched
    Fault("publish.pruning", switches=True),  # the whole graph rebuilt; an old version half-way to deletion
]


# --- runs ---------------------------------------------------------------------------------------


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    reached: list[str]
    survivors: bool
    seconds: float

    def tail(self, lines: int = 40) -> str:
        return "\n".join((self.stdout + self.stderr).splitlines()[-lines:])


@dataclass
class Workspace:
    root: Path
    runs: list[tuple[str, float]] = field(default_factory=list)

    @property
    def inputs(self) -> Path:
        return self.root / "inputs"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "minerals.duckdb"

    @property
    def publish_dir(self) -> Path:
        return self.root / "published"

    @classmethod
    def create(cls, root: Path) -> Workspace:
        workspace = cls(root)
        shutil.copytree(FIXTURES / "inputs", workspace.inputs)
        if not (workspace.inputs / "announcements").exists():
            shutil.copytree(REPO_ROOT / "data" / "inputs" / "announcements", workspace.inputs / "announcements")
        (root / "dagster_home").mkdir()
        shutil.copy(REPO_ROOT / "dagster_instance.yaml", root / "dagster_home" / "dagster.yaml")
        return workspace

    def env(self, fault: str | None = None, marker: Path | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINERALS_FAULT_")}
        env |= {
            "MINERALS_INPUT_DIR": str(self.inputs),
            "MINERALS_WAREHOUSE": str(self.warehouse),
            "MINERALS_PUBLISH_DIR": str(self.publish_dir),
            "MINERALS_KEEP_VERSIONS": "2",  # prune from the third version on
            "DAGSTER_HOME": str(self.root / "dagster_home"),
        }
        if fault is not None:
            env |= {"MINERALS_FAULT_POINT": fault, "MINERALS_FAULT_MARKER": str(marker)}
        return env

    def start(self, name: str, fault: str | None = None, job: str = "everything") -> tuple[subprocess.Popen, Path]:
        logs = self.root / "logs" / f"{len(self.runs):02d}-{name.replace(':', '_').replace('/', '_')}"
        logs.mkdir(parents=True)
        with open(logs / "stdout", "wb") as out, open(logs / "stderr", "wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-m", "pipelines.run", "--job", job], cwd=REPO_ROOT,
                env=self.env(fault, logs / "marker"), stdout=out, stderr=err,
                start_new_session=True,  # its own process group: the fault kills the group, not pytest
            )
        return process, logs

    def finish(self, name: str, process: subprocess.Popen, logs: Path, started: float) -> Finished:
        try:
            process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail(f"run {name} did not end within {RUN_TIMEOUT} s:\n{(logs / 'stderr').read_text()[-3000:]}")
        seconds = time.monotonic() - started
        self.runs.append((name, seconds))
        marker = logs / "marker"
        return Finished(
            returncode=process.returncode,
            stdout=(logs / "stdout").read_text(errors="replace"),
            stderr=(logs / "stderr").read_text(errors="replace"),
            reached=marker.read_text().splitlines() if marker.exists() else [],
            survivors=_group_alive(process.pid),
            seconds=seconds,
        )

    def run(self, name: str, fault: str | None = None, job: str = "everything") -> Finished:
        started = time.monotonic()
        process, logs = self.start(name, fault, job)
        return self.finish(name, process, logs, started)


def _group_alive(pgid: int, wait: float = 10.0) -> bool:
    """Whether any process of the run's group (dbt included) is still there after `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)


# --- digests ------------------------------------------------------------------------------------


def _digest(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, str]:
    """Row count and an order-independent hash of the rows (floats to 10 significant digits: a sum's
    last bits depend on the order DuckDB adds in)."""
    columns = con.execute(f"select column_name, column_type from (describe select * from {relation})").fetchall()
    values = ", ".join(
        f"printf('%.10g', \"{name}\")" if kind in FLOAT_TYPES else f'"{name}"'
        for name, kind in columns if name not in VOLATILE_COLUMNS
    )
    count, digest = con.execute(
        f"select count(*), md5(coalesce(string_agg(r, chr(10) order by r), '')) "
        f"from (select row({values})::varchar as r from {relation})"
    ).fetchone()
    return int(count), digest


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def published_digests(database: Path) -> dict[str, tuple[int, str]]:
    """Every table of a published database but `publication` (which names its version)."""
    con = _connect(database)
    try:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
        return {t: _digest(con, f'"{t}"') for t in tables if t != "publication"}
    finally:
        con.close()


def parquet_digests(parquet_dir: Path) -> dict[str, tuple[int, str]]:
    con = duckdb.connect()
    try:
        return {p.stem: _digest(con, f"read_parquet('{p}')") for p in sorted(parquet_dir.glob("*.parquet"))}
    finally:
        con.close()


def warehouse_digests(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Every table of the warehouse (views are computed from them)."""
    con = _connect(warehouse)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where list_contains(?, schema_name) order by all",
            [list(WAREHOUSE_SCHEMAS)],
        ).fetchall()
        return {f"{s}.{t}": _digest(con, f'"{s}"."{t}"') for s, t in tables}
    finally:
        con.close()


def _file_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- what must hold after every run, killed or not -------------------------------------------------


@dataclass
class Reference:
    published: dict[str, tuple[int, str]]
    warehouse: dict[str, tuple[int, str]]
    duplicate_rows: dict[str, int]  # raw table -> rows that repeat another row whole (0 in the fixtures)


def _duplicate_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    columns = [n for (n,) in con.execute(f"select column_name from (describe raw.{table})").fetchall()
               if n not in VOLATILE_COLUMNS]
    listed = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f"select count(*) - (select count(*) from (select distinct {listed} from raw.{table})) "
                       f"from raw.{table}").fetchone()[0]


def check_warehouse(warehouse: Path, reference: Reference | None = None) -> dict[str, int]:
    """The warehouse opens (DuckDB replays its write-ahead log) and no raw table holds a row twice."""
    con = _connect(warehouse)
    try:
        raw = [t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()]
        duplicates = {table: _duplicate_rows(con, table) for table in raw}
        for table, key in RAW_KEYS.items():
            if table in raw:
                listed = ", ".join(key)
                repeated = con.execute(
                    f"select count(*) from (select {listed} from raw.{table} group by all having count(*) > 1)"
                ).fetchone()[0]
                assert repeated == 0, f"raw.{table}: {repeated} keys ({listed}) stored more than once"
    finally:
        con.close()
    if reference is not None:
        grown = {t: n for t, n in duplicates.items() if n > reference.duplicate_rows.get(t, 0)}
        assert not grown, f"raw tables with repeated rows: {grown}"
    return duplicates


def check_publication(publish_dir: Path, reference: Reference) -> str:
    """What a reader can see: `latest` and the fixed names lead to one complete version whose tables
    and Parquet files are exactly the reference run's, and every version folder in sight is complete
    (temporary folders of a crashed publish are hidden: their names start with a dot)."""
    latest = publish_dir / "latest"
    assert latest.is_symlink()
    version = Path(os.readlink(latest)).name
    versions = sorted(p.name for p in (publish_dir / "versions").iterdir() if not p.name.startswith("."))
    assert version in versions, (version, versions)
    assert sorted(list_versions(publish_dir)) == versions
    assert current_version(publish_dir) == version
    version_dir = publish_dir / "versions" / version
    assert latest.resolve() == version_dir.resolve()
    assert (publish_dir / "minerals.duckdb").resolve() == (version_dir / "minerals.duckdb").resolve()
    assert (publish_dir / "parquet").resolve() == (version_dir / "parquet").resolve()
    manifest = json.loads((publish_dir / "publication.json").read_text())
    assert manifest["version"] == version

    digests = published_digests(publish_dir / "minerals.duckdb")
    assert digests == reference.published, _differences(digests, reference.published)
    assert manifest["row_counts"] == {table: count for table, (count, _) in digests.items()}
    con = _connect(publish_dir / "minerals.duckdb")
    try:
        assert con.execute("select version from publication").fetchall() == [(version,)]
    finally:
        con.close()
    parquet = parquet_digests(publish_dir / "parquet")
    assert parquet == reference.published, _differences(parquet, reference.published)

    for other in versions:  # no half-written version is ever in sight
        folder = publish_dir / "versions" / other
        listed = json.loads((folder / "manifest.json").read_text())
        assert listed["version"] == other
        assert {p.name for p in (folder / "parquet").iterdir()} == {f"{t}.parquet" for t in listed["row_counts"]}
        con = _connect(folder / "minerals.duckdb")
        try:
            counts = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in listed["row_counts"]}
        finally:
            con.close()
        assert counts == listed["row_counts"], other
    return version


def check_recovered(workspace: Workspace, reference: Reference) -> str:
    """A run that went through to the end: the same warehouse and publication as the reference run's."""
    version = check_publication(workspace.publish_dir, reference)
    tables = warehouse_digests(workspace.warehouse)
    assert tables == reference.warehouse, _differences(tables, reference.warehouse)
    check_warehouse(workspace.warehouse, reference)
    return version


def _differences(found: dict, expected: dict) -> str:
    return "differs: " + ", ".join(
        f"{name}: {found.get(name)} != {expected.get(name)}"
        for name in sorted(set(found) | set(expected)) if found.get(name) != expected.get(name)
    )


# --- the chain ------------------------------------------------------------------------------------


@dataclass
class Chain:
    workspace: Workspace
    reference: Reference
    version: str  # the published version now
    snapshot: dict[str, str]  # every file of that version, by hash
    killed: bool = False  # the last run was killed


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Chain:
    """One workspace for the whole module, first published by a clean run whose tables are the reference."""
    failed_before = request.session.testsfailed
    workspace = Workspace.create(tmp_path_factory.mktemp("faults"))
    clean = workspace.run("reference")
    assert clean.returncode == 0, clean.tail()
    database = workspace.publish_dir / "minerals.duckdb"
    published = published_digests(database)
    assert published["supplier_shares"][0] > 0 and published["value_chain_dependency"][0] > 0
    reference = Reference(published, warehouse_digests(workspace.warehouse), duplicate_rows={})
    reference.duplicate_rows = check_warehouse(workspace.warehouse)
    version = check_publication(workspace.publish_dir, reference)
    yield Chain(workspace, reference, version, _file_hashes(workspace.publish_dir / "versions" / version))
    print("\nrun times: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in workspace.runs))
    if request.session.testsfailed == failed_before:  # else keep dbt's logs of the runs
        _remove_dbt_target_folders(workspace)


def _remove_dbt_target_folders(workspace: Workspace) -> None:
    """dagster-dbt gives each dbt invocation a folder `dbt_project/target/<op>-<run id[:7]>-<hash>/`
    (a few MB each); remove those of this module's runs."""
    runs_db = workspace.root / "dagster_home" / "history" / "runs.db"
    if not runs_db.exists():
        return
    with closing(sqlite3.connect(runs_db)) as con:
        prefixes = {f"-{run_id[:7]}-" for (run_id,) in con.execute("select run_id from runs")}
    target = REPO_ROOT / "dbt_project" / "target"
    for folder in target.iterdir() if target.is_dir() else []:
        if folder.is_dir() and any(prefix in folder.name for prefix in prefixes):
            shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.point for fault in FAULTS])
def test_a_run_killed_at_a_fault_point_leaves_everything_consistent(chain: Chain, fault: Fault):
    killed = chain.workspace.run(fault.point, fault=fault.point, job=fault.job)

    assert killed.returncode == -signal.SIGKILL, f"the run was to be killed at {fault.point}:\n{killed.tail()}"
    assert killed.reached == [fault.reached], "the run died somewhere else than at its fault point"
    assert not killed.survivors, "a process of the killed run (dbt?) outlived it"
    # The leftovers of the kill before did not make anything fail up to this point; the killed run's
    # pool slot was given back (else this run would have waited for it forever).
    assert "STEP_FAILURE" not in killed.stderr, killed.tail()
    assert ("left unfinished by a killed process" in killed.stderr) == chain.killed, killed.tail()
    chain.killed = True

    version = check_publication(chain.workspace.publish_dir, chain.reference)
    version_dir = chain.workspace.publish_dir / "versions" / version
    if fault.switches:
        # killed after the switch: the new version is the published one, complete, and the warehouse
        # it came from is the reference run's
        assert version != chain.version
        check_recovered(chain.workspace, chain.reference)
    else:
        # killed before the switch: the previous version is still the published one, byte for byte
        assert version == chain.version
        assert _file_hashes(version_dir) == chain.snapshot
        check_warehouse(chain.workspace.warehouse, chain.reference)
    chain.version, chain.snapshot = version, _file_hashes(version_dir)


def test_two_runs_started_together_never_corrupt_the_warehouse(chain: Chain):
    """One run holds the warehouse, the other stops at once saying so; after the kills above, the one that
    ran and the run after it each publish the reference tables and clear every leftover of the crashes."""
    workspace = chain.workspace
    started = time.monotonic()
    first = workspace.start("together-1")
    second = workspace.start("together-2")
    runs = [workspace.finish("together-1", *first, started), workspace.finish("together-2", *second, started)]
    pids = [first[0].pid, second[0].pid]

    succeeded = [run for run in runs if run.returncode == 0]
    refused = [(run, other) for run, other in zip(runs, reversed(pids), strict=True) if run.returncode != 0]
    assert len(succeeded) == 1, [run.tail() for run in runs]
    assert ("left unfinished by a killed process" in succeeded[0].stderr) == chain.killed  # the last kill's run
    chain.killed = False
    for run, other in refused:
        assert run.returncode == 1, run.tail()
        assert f"another run is writing to {workspace.warehouse} (pid {other})" in run.stderr, run.tail()
        assert "Traceback" not in run.stderr, run.tail()
    assert check_recovered(workspace, chain.reference) != chain.version

    following = workspace.run("after-together")
    assert following.returncode == 0, following.tail()
    chain.version = check_recovered(workspace, chain.reference)
    versions_dir = workspace.publish_dir / "versions"
    assert not [p.name for p in versions_dir.iterdir() if p.name.startswith((".tmp-", ".del-"))], \
        "a crash's leftovers were not removed"
    assert len(list_versions(workspace.publish_dir)) == 2  # MINERALS_KEEP_VERSIONS
