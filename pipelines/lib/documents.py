"""Versioned storage of announcement documents in the warehouse.

Every distinct content of a document id is kept once, as a numbered version
(`raw.announcement_documents`). A re-run adds nothing for documents it has seen
before; a document whose content changed becomes the next version of the same id;
documents that drop out of a feed stay in the history.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

DOCUMENT_COLUMNS = [
    "announcement_id", "content_hash", "source", "kind", "url", "title",
    "published_date", "body", "source_file",
]

_CREATE = """
create table if not exists raw.announcement_documents (
    announcement_id varchar not null,
    version integer not null,
    content_hash varchar not null,
    first_seen_at timestamp not null,
    source varchar,
    kind varchar,
    url varchar,
    title varchar,
    published_date date,
    body varchar,
    source_file varchar,
    primary key (announcement_id, version)
)
"""


def documents_frame(documents: list[dict]) -> pd.DataFrame:
    """Documents as read from the sources, one row per id (the last one read wins)."""
    frame = pd.DataFrame([{c: d.get(c) for c in DOCUMENT_COLUMNS} for d in documents], columns=DOCUMENT_COLUMNS)
    frame["published_date"] = pd.to_datetime(frame["published_date"], errors="coerce").dt.date
    return frame.drop_duplicates("announcement_id", keep="last").reset_index(drop=True)


def record_versions(con: duckdb.DuckDBPyConnection, documents: pd.DataFrame, seen_at: datetime) -> dict[str, int]:
    """Store new documents and new contents of known ones; returns new / changed / unchanged counts."""
    con.execute("create schema if not exists raw")
    con.execute(_CREATE)
    con.register("_incoming", documents[DOCUMENT_COLUMNS])
    try:
        con.execute("begin transaction")
        con.execute("""
            create temp table _classified as
            with latest as (
                select announcement_id, max(version) as version, arg_max(content_hash, version) as content_hash
                from raw.announcement_documents group by announcement_id
            )
            select
                incoming.*,
                coalesce(latest.version, 0) + 1 as next_version,
                case
                    when latest.announcement_id is null then 'new'
                    when latest.content_hash <> incoming.content_hash then 'changed'
                    else 'unchanged'
                end as status,
            from _incoming as incoming
            left join latest using (announcement_id)
        """)
        con.execute("""
            insert into raw.announcement_documents
            select announcement_id, next_version, content_hash, ?, source, kind, url, title,
                   cast(published_date as date), body, source_file
            from _classified where status <> 'unchanged'
        """, [seen_at])
        counts = dict(con.execute("select status, count(*) from _classified group by status").fetchall())
        con.execute("drop table _classified")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_incoming")
    return {status: int(counts.get(status, 0)) for status in ("new", "changed", "unchanged")}


def latest_documents(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The newest version of every document ever seen."""
    return con.execute("""
        select * from raw.announcement_documents
        qualify version = max(version) over (partition by announcement_id)
        order by announcement_id
    """).df()


def load_validators(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str | None]]:
    """ETag / Last-Modified of the last successful read of each online source."""
    con.execute("create schema if not exists raw")
    con.execute("create table if not exists raw.http_validators "
                "(url varchar primary key, etag varchar, last_modified varchar, updated_at timestamp)")
    rows = con.execute("select url, etag, last_modified from raw.http_validators").fetchall()
    return {url: {"etag": etag, "last_modified": modified} for url, etag, modified in rows}


def save_validators(con: duckdb.DuckDBPyConnection, validators: dict[str, dict[str, str | None]]) -> None:
    """Store the validators for the next run's conditional requests."""
    for url, known in validators.items():
        con.execute(
            "insert or replace into raw.http_validators values (?, ?, ?, current_timestamp)",
            [url, known.get("etag"), known.get("last_modified")],
        )
