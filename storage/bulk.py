"""Bulk writes through the database driver itself, for the paths a benchmark showed need it.

SQLAlchemy's executemany turns every row into a parameter dict and back; for a million rows that
costs more than the write. Here rows go as plain tuples, inside the caller's transaction:

- SQLite: the aiosqlite connection's `executemany` of the statement SQLAlchemy compiled.
- PostgreSQL: asyncpg's binary COPY (`copy_records_to_table`); with `replace`, COPY into a
  temporary table and one `INSERT ... SELECT ... ON CONFLICT DO UPDATE` from it.

Used by: the ETA save of a recompute (storage/etas.py) and the benchmarks' shop (bench/dataset.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any
from uuid import uuid4

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

# Why: rows are handed to the driver in batches, so a generator of a million rows never sits
# in memory whole, and each batch is one driver call.
BATCH = 20_000


async def insert_rows(
    conn: AsyncConnection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    replace: bool = False,
) -> None:
    """Insert `rows` (tuples in the order of `columns`, Python values as the columns store them:
    str for TEXT, int for INTEGER, float for REAL, None for NULL) into `table`, in the caller's
    transaction. With `replace`, a row whose primary key exists overwrites these columns of it
    (else a duplicate key raises the driver's integrity error and aborts the transaction)."""
    driver: Any = (await conn.get_raw_connection()).driver_connection
    if conn.dialect.name == "postgresql":
        await _copy_postgresql(driver, table, columns, rows, replace=replace)
        return
    sql = _sqlite_insert(table, columns, replace=replace)
    for batch in _batches(rows):
        await driver.executemany(sql, batch)


def _sqlite_insert(table: Table, columns: Sequence[str], *, replace: bool) -> str:
    stmt = sqlite.insert(table).values({name: bindparam(name) for name in columns})
    if replace:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(table.primary_key.columns),
            set_={name: stmt.excluded[name] for name in columns},
        )
    compiled = stmt.compile(dialect=sqlite.dialect())
    # Why: the driver binds by position; the compiled statement must take them in our order.
    assert list(compiled.positiontup or ()) == list(columns), compiled.positiontup
    return compiled.string


async def _copy_postgresql(
    driver: Any,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    replace: bool,
) -> None:
    if not replace:
        for batch in _batches(rows):
            await driver.copy_records_to_table(table.name, records=batch, columns=list(columns))
        return
    staging = f"bulk_{table.name}_{uuid4().hex[:12]}"
    keys = [column.name for column in table.primary_key.columns]
    names = ", ".join(f'"{name}"' for name in columns)
    updates = ", ".join(f'"{name}" = excluded."{name}"' for name in columns if name not in keys)
    conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    target = postgresql.dialect().identifier_preparer.format_table(table)  # type: ignore[no-untyped-call]
    # Why: COPY cannot upsert; a temporary table private to this transaction takes the rows.
    await driver.execute(
        f'CREATE TEMPORARY TABLE "{staging}" (LIKE {target} INCLUDING DEFAULTS) ON COMMIT DROP'
    )
    for batch in _batches(rows):
        await driver.copy_records_to_table(staging, records=batch, columns=list(columns))
    await driver.execute(
        f'INSERT INTO {target} ({names}) SELECT {names} FROM "{staging}"'
        f" ON CONFLICT ({', '.join(keys)}) {conflict}"
    )
    # Why: not in a `finally`: after an error the transaction is aborted (and rolls the table
    # back with it); ON COMMIT DROP would also drop it, but a transaction may call this again.
    await driver.execute(f'DROP TABLE "{staging}"')


def _batches(rows: Iterable[Sequence[Any]]) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch
