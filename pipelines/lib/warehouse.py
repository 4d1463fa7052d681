"""Short-lived DuckDB connections and the few write patterns the assets share.

SQL text is never built from data values: values go in as parameters, and the only names put
into SQL text (schemas, tables, columns) go through `quote_identifier` / `qualified_name`, which
accept plain names only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

QUARANTINE_COLUMNS = ["source", "source_file", "source_line", "reason", "record"]
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def quote_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier; only plain names (letters, digits, '_') are accepted."""
    if not isinstance(name, str) or not _PLAIN_NAME.fullmatch(name):
        raise ValueError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'


def qualified_name(*parts: str) -> str:
    """`"schema"."table"` (or any dotted name) from plain names, each quoted."""
    return ".".join(quote_identifier(part) for part in parts)


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for the length of a `with` block."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, df: pd.DataFrame) -> int:
    """Replace `schema.table` with the rows of `df` in one transaction; returns the row count."""
    target = qualified_name(schema, table)
    con.execute(f"create schema if not exists {quote_identifier(schema)}")
    con.register("_incoming", df)
    try:
        con.execute("begin transaction")
        con.execute(f"create or replace table {target} as select * from _incoming")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_incoming")
    return con.execute(f"select count(*) from {target}").fetchone()[0]


def replace_years(con: duckdb.DuckDBPyConnection, schema: str, table: str, df: pd.DataFrame,
                  first: int, last: int) -> int:
    """Replace the rows of years `first`..`last` of `schema.table` with `df`, in one transaction;
    other years are left as they are. Returns the number of rows now stored for those years."""
    target = qualified_name(schema, table)
    con.execute(f"create schema if not exists {quote_identifier(schema)}")
    con.register("_incoming", df)
    try:
        con.execute("begin transaction")
        con.execute(f"create table if not exists {target} as select * from _incoming limit 0")
        con.execute(f"delete from {target} where year between ? and ?", [first, last])
        con.execute(f"insert into {target} by name select * from _incoming")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_incoming")
    return con.execute(f"select count(*) from {target} where year between ? and ?", [first, last]).fetchone()[0]


def replace_quarantine(con: duckdb.DuckDBPyConnection, asset: str, rows: pd.DataFrame,
                       source_files: list[str] | None = None) -> int:
    """Replace the quarantined rows of one asset in `raw.quarantine` (only those of `source_files`
    when given: the files this load read); returns how many rows were quarantined now."""
    con.execute("create schema if not exists raw")
    con.execute(
        """
        create table if not exists raw.quarantine (
            asset varchar, source varchar, source_file varchar, source_line bigint,
            reason varchar, record varchar, quarantined_at timestamp default current_timestamp
        )
        """
    )
    frame = rows.reindex(columns=QUARANTINE_COLUMNS).astype(
        {"source": "string", "source_file": "string", "reason": "string", "record": "string"}
    )
    frame.insert(0, "asset", asset)
    con.register("_quarantined", frame)
    try:
        con.execute("begin transaction")
        if source_files is None:
            con.execute("delete from raw.quarantine where asset = ?", [asset])
        else:
            con.execute("delete from raw.quarantine where asset = ? and list_contains(?, source_file)",
                        [asset, source_files])
        con.execute(
            "insert into raw.quarantine (asset, source, source_file, source_line, reason, record) "
            "select asset, source, source_file, cast(source_line as bigint), reason, record from _quarantined"
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_quarantined")
    return len(frame)


def _plain_arrow_column(column: pa.ChunkedArray) -> bool:
    """Whether Arrow's conversion of ``column`` gives what DuckDB's own ``.df()`` gives (text, numbers and
    booleans without NULLs, floating point with them)."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return True
    if pa.types.is_floating(kind):
        return True
    return (pa.types.is_integer(kind) or pa.types.is_boolean(kind)) and column.null_count == 0


def _table_frame(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                 years: tuple[int, int] | None) -> pd.DataFrame:
    """The rows of a table (of `years` when given) as DuckDB's ``.df()`` returns them, converted through
    Arrow where that gives the same frame (several times faster for text columns): a text column of NULLs
    only becomes an object column holding None, as ``.df()`` makes it. Other column types and empty
    results go through ``.df()``."""
    target = qualified_name(schema, table)
    query = f"select * from {target}" if years is None else f"select * from {target} where year between ? and ?"
    params = None if years is None else list(years)
    rows = con.sql(query, params=params).to_arrow_table()
    if rows.num_rows == 0 or not all(_plain_arrow_column(column) for column in rows.columns):
        return con.execute(query, params).df()
    frame = rows.to_pandas()
    for name, column in zip(rows.column_names, rows.columns, strict=True):
        if column.null_count == len(column) and not pa.types.is_floating(column.type):
            frame[name] = pd.Series([None] * len(column), index=frame.index, dtype=object)
    return frame


def read_table(path: Path, schema: str, table: str, years: tuple[int, int] | None = None) -> pd.DataFrame:
    """Read a table from the warehouse: all of it, or the rows of `years` (first, last inclusive).

    The connection uses the default (read-write) configuration on purpose: within one
    process DuckDB refuses a second connection to the same file with a different
    configuration, and dbt's adapter may already hold one. Writers are serialized by
    the warehouse pool, so a reader here never races a writer.
    """
    with connect(path) as con:
        return _table_frame(con, schema, table, years)


def count_rows(path: Path, schema: str, table: str) -> int:
    """Number of rows of a warehouse table."""
    with connect(path) as con:
        return con.execute(f"select count(*) from {qualified_name(schema, table)}").fetchone()[0]


def rows_by_year(path: Path, schema: str, table: str, years: tuple[int, int]) -> dict[int, int]:
    """Row count of each year of `years` (first, last) that has rows."""
    with connect(path) as con:
        found = con.execute(
            f"select year, count(*) from {qualified_name(schema, table)} where year between ? and ? group by year",
            list(years),
        ).fetchall()
    return {int(year): int(count) for year, count in found}
