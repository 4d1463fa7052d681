"""Publish the marts: a DuckDB file and one Parquet file per table, each written to a
temporary name in the publish folder and renamed into place, so a reader never sees a
partial file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLISHED_FILE = "minerals.duckdb"


@dataclass
class Publication:
    published_at: str
    database: Path
    parquet_dir: Path
    row_counts: dict[str, int]
    source_vintages: list[dict]

    def as_json(self) -> dict:
        return {
            "published_at": self.published_at,
            "database": str(self.database),
            "parquet_dir": str(self.parquet_dir),
            "row_counts": self.row_counts,
            "source_vintages": self.source_vintages,
        }


def _replace(tmp: Path, final: Path) -> None:
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, final)


def publish(warehouse: Path, publish_dir: Path, tables: dict[str, str]) -> Publication:
    """Copy `tables` ({published name: "schema.table" in the warehouse}) to the publish folder.

    The new database is complete before it replaces the old one; if anything fails
    the previous publication stays as it was.
    """
    publish_dir.mkdir(parents=True, exist_ok=True)
    parquet_dir = publish_dir / "parquet"
    parquet_dir.mkdir(exist_ok=True)
    published_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    stamp = f"{os.getpid()}.{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    tmp_db = publish_dir / f".{PUBLISHED_FILE}.{stamp}.tmp"
    tmp_files: list[Path] = [tmp_db]
    try:
        con = duckdb.connect(str(tmp_db))
        try:
            con.execute("attach ? as warehouse (read_only)", [str(warehouse)])
            row_counts: dict[str, int] = {}
            for name, qualified in tables.items():
                schema, table = qualified.split(".")
                con.execute(f'create table "{name}" as select * from warehouse."{schema}"."{table}"')
                row_counts[name] = con.execute(f'select count(*) from "{name}"').fetchone()[0]
            vintages = con.execute(
                "select source, source_vintage, count(*) as rows, min(year) as first_year, max(year) as last_year "
                "from warehouse.raw.trade_flows group by all order by all"
            ).df().to_dict(orient="records")
            con.execute(
                "create table publication as select ?::timestamptz as published_at, ? as row_counts, ? as source_vintages",
                [published_at, json.dumps(row_counts), json.dumps(vintages, default=str)],
            )
            con.execute("detach warehouse")
            for name in tables:
                tmp_parquet = parquet_dir / f".{name}.{stamp}.tmp"
                tmp_files.append(tmp_parquet)
                con.execute(f"copy \"{name}\" to '{tmp_parquet}' (format parquet)")
            con.execute("checkpoint")
        finally:
            con.close()
        for name in tables:
            _replace(parquet_dir / f".{name}.{stamp}.tmp", parquet_dir / f"{name}.parquet")
        _replace(tmp_db, publish_dir / PUBLISHED_FILE)
        publication = Publication(published_at, publish_dir / PUBLISHED_FILE, parquet_dir, row_counts,
                                  json.loads(json.dumps(vintages, default=str)))
        tmp_json = publish_dir / f".publication.{stamp}.tmp"
        tmp_files.append(tmp_json)
        tmp_json.write_text(json.dumps(publication.as_json(), indent=2))
        _replace(tmp_json, publish_dir / "publication.json")
        return publication
    finally:
        for leftover in tmp_files:
            leftover.unlink(missing_ok=True)
