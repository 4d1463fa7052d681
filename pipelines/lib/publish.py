"""Publish the marts as versions: each publish writes a complete, new version folder, then one
symlink switch makes it the published one.

Layout of the publish folder:

    versions/<version>/minerals.duckdb        every table, plus the one-row `publication` table
    versions/<version>/parquet/<table>.parquet
    versions/<version>/manifest.json          version, created_at, code commit, source vintages,
                                              row counts, quality check results
    versions/<version>/data_docs/index.html   Great Expectations Data Docs of the checks (when given)
    versions/<version>/dbt_docs/index.html    dbt docs of every model and column (one page, when given)
    latest           -> versions/<version>    the newest good version (switched atomically)
    minerals.duckdb  -> latest/minerals.duckdb
    parquet          -> latest/parquet
    publication.json -> latest/manifest.json

A version is built in `versions/.tmp-<id>/` and renamed to its final name only when every file
in it is complete and on disk; then `latest` is replaced in one `os.replace` of a new symlink.
The fixed links go through `latest`, so the database, the Parquet files and the manifest always
change together. A reader that opened the previous file keeps reading it (a renamed or deleted
file stays readable while open). A failed publish removes its temporary folder; one left by a
crash is removed at the next publish. Only the newest MINERALS_KEEP_VERSIONS versions are kept,
and never the one `latest` points to. Publishes into one folder are serialised by a lock file.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.lib.faults import fault_point
from pipelines.lib.settings import REPO_ROOT, keep_versions
from pipelines.lib.warehouse import qualified_name, quote_identifier

PUBLISHED_FILE = "minerals.duckdb"
PARQUET_DIR = "parquet"
MANIFEST_FILE = "manifest.json"
DATA_DOCS_DIR = "data_docs"
DBT_DOCS_DIR = "dbt_docs"
VERSIONS_DIR = "versions"
LATEST = "latest"
# The fixed names at the top of the publish folder and what they point to (through `latest`).
LINKS = {
    PUBLISHED_FILE: f"{LATEST}/{PUBLISHED_FILE}",
    PARQUET_DIR: f"{LATEST}/{PARQUET_DIR}",
    "publication.json": f"{LATEST}/{MANIFEST_FILE}",
}
TEMP_PREFIX = ".tmp-"
TRASH_PREFIX = ".del-"
LOCK_FILE = ".lock"
VERSION_PATTERN = re.compile(r"^(\d{8}T\d{6}Z)(?:-(\d+))?$")

# Where each source's vintage is read from: (raw table, columns it needs, query). Tables or
# columns the warehouse does not have are skipped.
SOURCE_VINTAGE_QUERIES = {
    "trade_flows": (
        {"source", "source_vintage", "year"},
        "select source, source_vintage, count(*) as rows, min(year) as first_year, max(year) as last_year "
        "from warehouse.raw.trade_flows group by all order by all",
    ),
    "usgs_production": (
        {"edition", "year"},
        "select edition, count(*) as rows, min(year) as first_year, max(year) as last_year "
        "from warehouse.raw.usgs_production group by all order by all",
    ),
    "announcements": (
        {"source", "announcement_id", "published_date"},
        "select source, count(distinct announcement_id) as documents, min(published_date)::date as first_published, "
        "max(published_date)::date as last_published from warehouse.raw.announcements group by all order by all",
    ),
    "diplomacy_events": (
        {"source_file", "event_date"},
        "select source_file, count(*) as events, min(event_date) as first_event_date, max(event_date) as last_event_date "
        "from warehouse.raw.diplomacy_events group by all order by all",
    ),
    "critical_mineral_lists": (
        {"list_id", "jurisdiction", "published_date"},
        "select list_id, jurisdiction, min(published_date) as published_date, count(*) as minerals "
        "from warehouse.raw.critical_mineral_lists group by list_id, jurisdiction order by all",
    ),
}


@dataclass
class Publication:
    version: str
    created_at: str
    version_dir: Path
    database: Path  # the fixed link readers open: <publish_dir>/minerals.duckdb
    parquet_dir: Path
    manifest: dict = field(repr=False)

    @property
    def row_counts(self) -> dict[str, int]:
        return self.manifest["row_counts"]

    @property
    def source_vintages(self) -> dict[str, list[dict]]:
        return self.manifest["source_vintages"]


def _version_key(name: str) -> tuple[str, int]:
    match = VERSION_PATTERN.match(name)
    if match is None:
        raise ValueError(f"not a version name: {name!r}")
    return match.group(1), int(match.group(2) or 0)


def list_versions(publish_dir: Path) -> list[str]:
    """The complete versions in the publish folder, oldest first (temporary folders are not versions)."""
    versions_dir = Path(publish_dir) / VERSIONS_DIR
    if not versions_dir.is_dir():
        return []
    names = [p.name for p in versions_dir.iterdir() if p.is_dir() and VERSION_PATTERN.match(p.name)]
    return sorted(names, key=_version_key)


def current_version(publish_dir: Path) -> str | None:
    """The version `latest` points to, or None before the first publish."""
    latest = Path(publish_dir) / LATEST
    if not latest.is_symlink():
        return None
    return Path(os.readlink(latest)).name


def _next_version(now: datetime, existing: list[str]) -> str:
    """The UTC second of `now`; when that name is taken (or the clock is behind the newest version),
    the newest version's second with the next suffix, so that names always sort in publish order."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    if not existing:
        return stamp
    newest_stamp, newest_n = _version_key(existing[-1])
    if stamp > newest_stamp:
        return stamp
    return f"{newest_stamp}-{newest_n + 1}"


def code_commit(repo: Path = REPO_ROOT) -> str | None:
    """`git rev-parse HEAD` of the code, or None when git or the repository is not there."""
    try:
        result = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", commit) else None


def _fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _locked(versions_dir: Path) -> Iterator[None]:
    """One publish at a time per publish folder (another process waits for the lock)."""
    with open(versions_dir / LOCK_FILE, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove_leftovers(publish_dir: Path, versions_dir: Path) -> None:
    """Temporary folders and links left by a publish that crashed (the lock is held, so no publish is running)."""
    for path in versions_dir.iterdir():
        if path.name.startswith((TEMP_PREFIX, TRASH_PREFIX)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    for path in publish_dir.glob(".*.tmp"):  # half-made links, and files of the earlier single-file layout
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _source_vintages(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Which vintage of each source the warehouse holds, for the raw tables it has."""
    columns: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns where table_catalog = ? and table_schema = ?",
        ["warehouse", "raw"],
    ).fetchall():
        columns.setdefault(table, set()).add(column)
    vintages: dict[str, list[dict]] = {}
    for table, (needed, sql) in SOURCE_VINTAGE_QUERIES.items():
        if not needed <= columns.get(table, set()):
            continue
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        vintages[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return json.loads(json.dumps(vintages, default=str))  # dates as ISO strings


def _write_database(path: Path, warehouse: Path, tables: dict[str, str], version: str, created_at: str,
                    commit: str | None, quality_checks: dict | None) -> tuple[dict[str, int], dict[str, list[dict]]]:
    """The DuckDB file of one version: every table, plus `publication` (one row naming the version)."""
    con = duckdb.connect(str(path))
    try:
        con.execute("attach ? as warehouse (read_only)", [str(warehouse)])
        row_counts: dict[str, int] = {}
        for name, qualified in tables.items():
            schema, table = qualified.split(".")
            source = qualified_name("warehouse", schema, table)
            con.execute(f"create table {quote_identifier(name)} as select * from {source}")
            row_counts[name] = con.execute(f"select count(*) from {quote_identifier(name)}").fetchone()[0]
            fault_point("publish.table_copied")
        vintages = _source_vintages(con)
        con.execute("detach warehouse")
        con.execute(
            "create table publication as select ? as version, ?::timestamptz as published_at, ? as code_commit, "
            "? as row_counts, ? as source_vintages, ? as quality_checks",
            [version, created_at, commit, json.dumps(row_counts), json.dumps(vintages),
             json.dumps(quality_checks, default=str) if quality_checks is not None else None],
        )
        con.execute("checkpoint")
    finally:
        con.close()
    _fsync(path)
    return row_counts, vintages


def _export_parquet(database: Path, parquet_dir: Path, tables: list[str]) -> None:
    parquet_dir.mkdir()
    con = duckdb.connect(str(database), read_only=True)
    try:
        for name in tables:
            con.execute(f"copy {quote_identifier(name)} to ? (format parquet)", [str(parquet_dir / f"{name}.parquet")])
    finally:
        con.close()
    for name in tables:
        _fsync(parquet_dir / f"{name}.parquet")
    _fsync(parquet_dir)


def _fsync_tree(folder: Path) -> None:
    """Flush every file and folder under `folder` (deepest first), then `folder` itself."""
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if not path.is_symlink():
            _fsync(path)
    _fsync(folder)


def _write_manifest(path: Path, manifest: dict) -> None:
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    _fsync(path)


def _point(link: Path, target: str) -> None:
    """Make `link` a symlink to `target` in one step: a new link under a temporary name, moved into place.
    A real folder of the earlier layout (parquet/) cannot be replaced in one step: it is moved aside first."""
    if link.is_symlink() and os.readlink(link) == target:
        return
    tmp = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}.tmp")
    os.symlink(target, tmp)
    if link.is_dir() and not link.is_symlink():
        aside = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}.tmp")
        link.rename(aside)
        os.replace(tmp, link)
        shutil.rmtree(aside)
    else:
        os.replace(tmp, link)


def _switch(publish_dir: Path, version: str) -> None:
    """Point `latest` at the new version; the fixed links go through `latest`."""
    _point(publish_dir / LATEST, f"{VERSIONS_DIR}/{version}")
    for name, target in LINKS.items():
        _point(publish_dir / name, target)
    _fsync(publish_dir)


def _prune(versions_dir: Path, keep: int, current: str, previous: str | None) -> list[str]:
    """Delete all but the newest `keep` versions; never the current one or the one it just replaced.
    A version is renamed out of sight first, so no half-deleted version is ever listed."""
    names = list_versions(versions_dir.parent)
    spared = {current, previous} | set(names[-keep:])
    removed = []
    for name in names:
        if name in spared:
            continue
        trash = versions_dir / f"{TRASH_PREFIX}{name}"
        (versions_dir / name).rename(trash)
        fault_point("publish.pruning")
        shutil.rmtree(trash)
        removed.append(name)
    return removed


def publish(warehouse: Path, publish_dir: Path, tables: dict[str, str], *, quality_checks: dict | None = None,
            keep: int | None = None, data_docs: Callable[[Path], dict] | None = None,
            dbt_docs: Callable[[Path], dict] | None = None) -> Publication:
    """Publish `tables` ({published name: "schema.table" in the warehouse}) as a new version.

    `quality_checks` is recorded as is in the manifest and the `publication` table. `data_docs`, when
    given, writes the Data Docs into the folder it is called with (`data_docs/` of the new version) and
    returns what the manifest lists under "data_docs" (with "index", the page to open); `dbt_docs`
    likewise writes the dbt documentation of the tables into `dbt_docs/`. `keep` is the
    number of versions kept (default: MINERALS_KEEP_VERSIONS). If anything fails before the switch, the
    published version stays exactly as it was and no new version is visible.
    """
    keep = keep_versions() if keep is None else keep
    if keep < 2:
        raise ValueError(f"at least 2 versions are kept, got {keep}")
    publish_dir = Path(publish_dir)
    versions_dir = publish_dir / VERSIONS_DIR
    versions_dir.mkdir(parents=True, exist_ok=True)
    with _locked(versions_dir):
        _remove_leftovers(publish_dir, versions_dir)
        now = datetime.now(UTC)
        created_at = now.replace(microsecond=0).isoformat()
        version = _next_version(now, list_versions(publish_dir))
        commit = code_commit()
        tmp_dir = versions_dir / f"{TEMP_PREFIX}{uuid.uuid4().hex[:12]}"
        tmp_dir.mkdir()
        try:
            row_counts, vintages = _write_database(tmp_dir / PUBLISHED_FILE, warehouse, tables, version,
                                                   created_at, commit, quality_checks)
            fault_point("publish.database_written")
            _export_parquet(tmp_dir / PUBLISHED_FILE, tmp_dir / PARQUET_DIR, list(tables))
            fault_point("publish.parquet_written")
            docs = None
            if data_docs is not None:
                docs = {"index": f"{DATA_DOCS_DIR}/index.html", **data_docs(tmp_dir / DATA_DOCS_DIR)}
                _fsync_tree(tmp_dir / DATA_DOCS_DIR)
            table_docs = None
            if dbt_docs is not None:
                table_docs = {"index": f"{DBT_DOCS_DIR}/index.html", **dbt_docs(tmp_dir / DBT_DOCS_DIR)}
                _fsync_tree(tmp_dir / DBT_DOCS_DIR)
            manifest = {
                "version": version,
                "created_at": created_at,
                "code_commit": commit,
                "database": PUBLISHED_FILE,
                "parquet": {name: f"{PARQUET_DIR}/{name}.parquet" for name in tables},
                "row_counts": row_counts,
                "source_vintages": vintages,
                "quality_checks": quality_checks,
                "data_docs": docs,
                "dbt_docs": table_docs,
            }
            _write_manifest(tmp_dir / MANIFEST_FILE, manifest)
            fault_point("publish.manifest_written")
            _fsync(tmp_dir)
            os.rename(tmp_dir, versions_dir / version)
        except BaseException:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            raise
        _fsync(versions_dir)
        previous = current_version(publish_dir)
        fault_point("publish.version_renamed")
        _switch(publish_dir, version)
        fault_point("publish.switched")
        _prune(versions_dir, keep, version, previous)
    return Publication(version, created_at, versions_dir / version, publish_dir / PUBLISHED_FILE,
                       publish_dir / PARQUET_DIR, manifest)
