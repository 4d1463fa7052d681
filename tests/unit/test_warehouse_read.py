"""`read_table` returns the frame DuckDB's own ``.df()`` returns, whichever way it converts the rows."""

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.lib.warehouse import read_table


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.shares as
            select * from (values
                ('USA', 'CHN', 2021, 10.5, 1, null, 'x', true),
                ('USA', 'AUS', 2022, null, 2, null, null, false),
                ('DEU', 'CHN', 2022, 3.0, 3, null, 'y', true)
            ) as t(importer_iso3, exporter_iso3, year, amount, n, previous_iso3, note, flag)
            """
        )
        con.execute("alter table marts.shares alter previous_iso3 type varchar")
        con.execute(
            "create table marts.dated as select * from (values (2022, date '2022-01-31', 1), (2022, null, null)) "
            "as t(year, start_date, n)"
        )
    return path


def _df(path: Path, table: str, years: tuple[int, int] | None = None) -> pd.DataFrame:
    with duckdb.connect(str(path)) as con:
        if years is None:
            return con.execute(f"select * from marts.{table}").df()
        return con.execute(f"select * from marts.{table} where year between ? and ?", list(years)).df()


@pytest.mark.parametrize("years", [None, (2022, 2022), (2021, 2021), (1990, 1990)])
@pytest.mark.parametrize("table", ["shares", "dated"])
def test_read_table_gives_the_frame_of_duckdb_df(warehouse: Path, table: str, years: tuple[int, int] | None) -> None:
    pd.testing.assert_frame_equal(read_table(warehouse, "marts", table, years=years), _df(warehouse, table, years),
                                  check_exact=True)


def test_a_text_column_of_nulls_only_holds_none(warehouse: Path) -> None:
    frame = read_table(warehouse, "marts", "shares", years=(2022, 2022))
    assert frame["previous_iso3"].dtype == object and frame["previous_iso3"].tolist() == [None, None]
    assert frame["note"].isna().tolist() == [True, False]
    assert read_table(warehouse, "marts", "dated")["start_date"].iloc[0] in (date(2022, 1, 31), pd.Timestamp("2022-01-31"))
