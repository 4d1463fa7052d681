"""Publication writes complete versions, switches to them in one step, and never half-replaces a good one."""

import hashlib
import json
import os
import threading
import time
from datetime import UTC, datetime

import duckdb
import pytest

from pipelines.lib import publish as publish_module
from pipelines.lib.publish import current_version, list_versions, publish

TABLES = {"supplier_shares": "marts.supplier_shares", "quarantine": "raw.quarantine"}


def _warehouse(path, rows=3):
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema raw")
    con.execute(f"create table marts.supplier_shares as select range as id, 1.0 / {rows} as share from range({rows})")
    con.execute(
        "create table raw.trade_flows as select * from (values ('trademap', 'ITC', 2021), ('baci', 'V202601', 2022), "
        "('baci', 'V202601', 2024)) as t(source, source_vintage, year)"
    )
    con.execute("create table raw.usgs_production as select 'MCS 2026' as edition, 2024 as year")
    con.execute("create table raw.quarantine as select 'x' as reason")
    con.close()


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(out):
    """Everything a reader can see: the links, the version list and every byte of the published version."""
    version_dir = out / "versions" / current_version(out)
    return {
        "links": {name: os.readlink(out / name) for name in ("latest", "minerals.duckdb", "parquet", "publication.json")},
        "versions": list_versions(out),
        "files": {str(p.relative_to(version_dir)): _digest(p) for p in sorted(version_dir.rglob("*")) if p.is_file()},
        "database": _digest(out / "minerals.duckdb"),
    }


def _no_temp_folders(out):
    return not [p for p in (out / "versions").iterdir() if p.name.startswith((".tmp-", ".del-"))]


def test_publish_writes_a_version_folder_with_database_parquet_and_manifest(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _warehouse(warehouse)
    out = tmp_path / "pub"
    checks = {"source": "test", "all_passed": True, "checks": [{"asset": "marts/supplier_shares", "passed": True}]}
    result = publish(warehouse, out, TABLES, quality_checks=checks)

    assert result.row_counts == {"supplier_shares": 3, "quarantine": 1}
    assert sorted(p.name for p in out.iterdir()) == ["latest", "minerals.duckdb", "parquet", "publication.json",
                                                     "versions"]
    assert list_versions(out) == [result.version]
    version_dir = out / "versions" / result.version
    assert result.version_dir == version_dir
    assert datetime.strptime(result.version, "%Y%m%dT%H%M%SZ")  # a UTC timestamp
    assert sorted(p.name for p in version_dir.iterdir()) == ["manifest.json", "minerals.duckdb", "parquet"]
    assert sorted(p.name for p in (version_dir / "parquet").iterdir()) == ["quarantine.parquet",
                                                                           "supplier_shares.parquet"]

    manifest = json.loads((version_dir / "manifest.json").read_text())
    assert manifest["version"] == result.version
    created = datetime.fromisoformat(manifest["created_at"])
    assert created.utcoffset().total_seconds() == 0 and abs((datetime.now(UTC) - created).total_seconds()) < 60
    assert manifest["code_commit"] is None or len(manifest["code_commit"]) in (40, 64)
    assert manifest["row_counts"] == {"supplier_shares": 3, "quarantine": 1}
    assert manifest["source_vintages"]["trade_flows"] == [
        {"source": "baci", "source_vintage": "V202601", "rows": 2, "first_year": 2022, "last_year": 2024},
        {"source": "trademap", "source_vintage": "ITC", "rows": 1, "first_year": 2021, "last_year": 2021},
    ]
    assert manifest["source_vintages"]["usgs_production"] == [
        {"edition": "MCS 2026", "rows": 1, "first_year": 2024, "last_year": 2024}]
    assert "announcements" not in manifest["source_vintages"]  # the warehouse has no such table
    assert manifest["quality_checks"] == checks
    assert manifest["parquet"]["supplier_shares"] == "parquet/supplier_shares.parquet"
    # publication.json at the top is the manifest of the published version
    assert json.loads((out / "publication.json").read_text()) == manifest

    con = duckdb.connect(str(out / "minerals.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from supplier_shares").fetchone()[0] == 3
        version, commit, counts, checks_json = con.execute(
            "select version, code_commit, row_counts, quality_checks from publication").fetchone()
    finally:
        con.close()
    assert (version, commit, json.loads(counts), json.loads(checks_json)) == (
        result.version, manifest["code_commit"], manifest["row_counts"], checks)
    parquet = out / "parquet" / "supplier_shares.parquet"
    assert duckdb.sql(f"select count(*) from '{parquet}'").fetchall()[0][0] == 3


def test_code_commit_is_null_without_git(tmp_path, monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(publish_module.subprocess, "run", no_git)
    warehouse = tmp_path / "w.duckdb"
    _warehouse(warehouse)
    result = publish(warehouse, tmp_path / "pub", TABLES)
    assert result.manifest["code_commit"] is None
    assert result.manifest["quality_checks"] is None


def test_links_follow_the_newest_version_and_only_the_last_n_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("MINERALS_KEEP_VERSIONS", "3")
    warehouse = tmp_path / "w.duckdb"
    out = tmp_path / "pub"
    published = []
    for rows in range(1, 7):  # six publishes, several in the same second
        _warehouse(warehouse, rows)
        published.append(publish(warehouse, out, TABLES).version)
        newest = out / "versions" / published[-1]
        assert current_version(out) == published[-1]
        assert (out / "latest").resolve() == newest
        assert (out / "minerals.duckdb").resolve() == newest / "minerals.duckdb"
        assert (out / "parquet").resolve() == newest / "parquet"
        assert (out / "publication.json").resolve() == newest / "manifest.json"
        con = duckdb.connect(str(out / "minerals.duckdb"), read_only=True)
        assert con.execute("select count(*) from supplier_shares").fetchone()[0] == rows
        con.close()
    assert len(set(published)) == 6
    assert published == sorted(published, key=publish_module._version_key), "names sort in publish order"
    assert list_versions(out) == published[-3:]
    assert sorted(p.name for p in (out / "versions").iterdir()) == sorted([".lock", *published[-3:]])


def test_same_second_gets_a_suffix_and_names_never_go_back():
    now = datetime(2026, 11, 28, 2, 15, 30, tzinfo=UTC)
    assert publish_module._next_version(now, []) == "20261128T021530Z"
    assert publish_module._next_version(now, ["20261128T021530Z"]) == "20261128T021530Z-1"
    assert publish_module._next_version(now, ["20261128T021530Z", "20261128T021530Z-1"]) == "20261128T021530Z-2"
    # a clock set back still names the new version after the newest one
    assert publish_module._next_version(now, ["20261128T021531Z"]) == "20261128T021531Z-1"
    names = ["20261128T021530Z-10", "20261128T021531Z", "20261128T021530Z", "20261128T021530Z-2"]
    assert sorted(names, key=publish_module._version_key) == [
        "20261128T021530Z", "20261128T021530Z-2", "20261128T021530Z-10", "20261128T021531Z"]


def test_failed_publish_leaves_previous_publication_intact(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _warehouse(warehouse)
    out = tmp_path / "pub"
    publish(warehouse, out, {"supplier_shares": "marts.supplier_shares"})
    before = _snapshot(out)
    with pytest.raises(duckdb.CatalogException):
        publish(warehouse, out, {"supplier_shares": "marts.supplier_shares", "missing": "marts.missing"})
    assert _snapshot(out) == before
    assert _no_temp_folders(out)


@pytest.mark.parametrize("step", ["_export_parquet", "_write_manifest"])
def test_an_exception_in_the_middle_leaves_the_previous_version_published(tmp_path, monkeypatch, step):
    warehouse = tmp_path / "w.duckdb"
    _warehouse(warehouse, rows=3)
    out = tmp_path / "pub"
    first = publish(warehouse, out, TABLES)
    before = _snapshot(out)
    _warehouse(warehouse, rows=7)
    seen = {}
    real = getattr(publish_module, step)

    def fail_after_writing(path, *args):
        real(path, *args)  # the step's files are complete in the temporary folder, then the publish dies
        seen["temp"] = [p.name for p in (out / "versions").iterdir() if p.name.startswith(".tmp-")]
        seen["versions"] = list_versions(out)
        raise RuntimeError("disk full")

    monkeypatch.setattr(publish_module, step, fail_after_writing)
    with pytest.raises(RuntimeError, match="disk full"):
        publish(warehouse, out, TABLES)
    assert len(seen["temp"]) == 1 and seen["versions"] == [first.version], "the half version is not a version"
    assert _snapshot(out) == before, "the previous version is still published, byte for byte"
    assert _no_temp_folders(out)
    monkeypatch.undo()
    assert publish(warehouse, out, TABLES).row_counts["supplier_shares"] == 7


def test_a_crashed_publish_is_invisible_and_cleaned_up_next_time(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _warehouse(warehouse)
    out = tmp_path / "pub"
    first = publish(warehouse, out, TABLES)
    # what a killed publish leaves behind: a half-written folder, a half-deleted old version, a link temp
    crashed = out / "versions" / ".tmp-deadbeef"
    (crashed / "parquet").mkdir(parents=True)
    (crashed / "minerals.duckdb").write_bytes(b"half a database")
    (out / "versions" / ".del-20200101T000000Z").mkdir()
    os.symlink("versions/nowhere", out / ".latest.0badc0de.tmp")
    assert list_versions(out) == [first.version] and current_version(out) == first.version

    second = publish(warehouse, out, TABLES)
    assert list_versions(out) == [first.version, second.version]
    assert _no_temp_folders(out) and not list(out.glob(".*.tmp"))


def test_first_publish_replaces_the_earlier_single_file_layout(tmp_path):
    out = tmp_path / "pub"
    (out / "parquet").mkdir(parents=True)
    (out / "parquet" / "supplier_shares.parquet").write_bytes(b"old")
    (out / "minerals.duckdb").write_bytes(b"old")
    (out / "publication.json").write_text("{}")
    (out / ".minerals.duckdb.123.20260101T000000000000.tmp").write_bytes(b"left by a crash")
    warehouse = tmp_path / "w.duckdb"
    _warehouse(warehouse)
    result = publish(warehouse, out, TABLES)
    assert (out / "minerals.duckdb").resolve() == result.version_dir / "minerals.duckdb"
    assert (out / "parquet").is_symlink() and (out / "parquet" / "supplier_shares.parquet").stat().st_size > 3
    assert json.loads((out / "publication.json").read_text())["version"] == result.version
    assert sorted(p.name for p in out.iterdir()) == ["latest", "minerals.duckdb", "parquet", "publication.json",
                                                     "versions"]


def test_keep_versions_setting(monkeypatch):
    from pipelines.lib.settings import keep_versions

    monkeypatch.delenv("MINERALS_KEEP_VERSIONS", raising=False)
    assert keep_versions() == 5
    monkeypatch.setenv("MINERALS_KEEP_VERSIONS", "8")
    assert keep_versions() == 8
    for bad in ("1", "0", "many"):
        monkeypatch.setenv("MINERALS_KEEP_VERSIONS", bad)
        with pytest.raises(ValueError, match="MINERALS_KEEP_VERSIONS"):
            keep_versions()


def test_a_reader_always_sees_one_complete_version_while_versions_are_published(tmp_path, monkeypatch):
    """A reader keeps opening <publish_dir>/minerals.duckdb read-only while new versions (with different
    row counts) are published and old ones pruned: every read succeeds and its row count is the one its
    version's manifest gives."""
    monkeypatch.delenv("MINERALS_KEEP_VERSIONS", raising=False)
    warehouse = tmp_path / "w.duckdb"
    out = tmp_path / "pub"
    _warehouse(warehouse, rows=1000)
    expected = {}  # version -> rows of supplier_shares, from the manifests
    first = publish(warehouse, out, TABLES)
    expected[first.version] = first.manifest["row_counts"]["supplier_shares"]

    reads: list[tuple[str, int]] = []
    failures: list[str] = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                con = duckdb.connect(str(out / "minerals.duckdb"), read_only=True)
                try:
                    version = con.execute("select version from publication").fetchone()[0]
                    rows = con.execute("select count(*) from supplier_shares").fetchone()[0]
                finally:
                    con.close()
                reads.append((version, rows))
            except Exception as error:  # every failure is counted, none may happen
                failures.append(repr(error))

    thread = threading.Thread(target=reader)
    thread.start()
    publishes = 12  # more than the 5 versions kept, so old versions are deleted while the reader runs
    try:
        for i in range(1, publishes):
            _warehouse(warehouse, rows=1000 + 250 * i)
            result = publish(warehouse, out, TABLES)
            expected[result.version] = result.manifest["row_counts"]["supplier_shares"]
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=60)

    assert not failures, failures[:3]
    assert len(expected) == publishes and len(set(expected.values())) == publishes
    assert reads and all(rows == expected[version] for version, rows in reads), "each read sees one whole version"
    assert len({version for version, _ in reads}) >= 3, "the reader saw the switches"
    assert len(list_versions(out)) == 5
    print(f"\nconcurrent reader: {publishes} publishes, {len(reads)} reads, {len(failures)} failures, "
          f"{len({v for v, _ in reads})} versions seen")
