"""Publication writes complete files, renamed into place, and never half-replaces a good one."""

import hashlib

import duckdb
import pytest

from pipelines.lib.publish import publish


def _warehouse(path, rows=3):
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema raw")
    con.execute(f"create table marts.supplier_shares as select range as id, 1.0 / {rows} as share from range({rows})")
    con.execute(
        "create table raw.trade_flows as select 'trademap' as source, 'ITC' as source_vintage, 2021 as year"
    )
    con.execute("create table raw.quarantine as select 'x' as reason")
    con.close()


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_writes_database_parquet_and_manifest(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _warehouse(warehouse)
    out = tmp_path / "pub"
    result = publish(warehouse, out, {"supplier_shares": "marts.supplier_shares", "quarantine": "raw.quarantine"})
    assert result.row_counts == {"supplier_shares": 3, "quarantine": 1}
    con = duckdb.connect(str(out / "minerals.duckdb"), read_only=True)
    assert con.execute("select count(*) from supplier_shares").fetchone()[0] == 3
    assert con.execute("select count(*) from publication").fetchone()[0] == 1
    con.close()
    assert duckdb.sql(f"select count(*) from '{out / 'parquet' / 'supplier_shares.parquet'}'").fetchall()[0][0] == 3
    assert (out / "publication.json").exists()
    assert sorted(p.name for p in out.iterdir()) == ["minerals.duckdb", "parquet", "publication.json"]


def test_failed_publish_leaves_previous_publication_intact(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _warehouse(warehouse)
    out = tmp_path / "pub"
    publish(warehouse, out, {"supplier_shares": "marts.supplier_shares"})
    before = _digest(out / "minerals.duckdb")
    parquet_before = _digest(out / "parquet" / "supplier_shares.parquet")
    with pytest.raises(duckdb.CatalogException):
        publish(warehouse, out, {"supplier_shares": "marts.supplier_shares", "missing": "marts.missing"})
    assert _digest(out / "minerals.duckdb") == before
    assert _digest(out / "parquet" / "supplier_shares.parquet") == parquet_before
    assert not [p for p in out.rglob("*.tmp")], "temporary files are cleaned up"
