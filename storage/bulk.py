"""Bulk reads and writes through the database driver itself, for paths a benchmark showed need it.

SQLAlchemy's executemany turns every row into a parameter dict and back, and its results wrap every
row; for a million rows that costs more than the database's own work (bench `eta`: the ETA read and
write ~15-20 % slower on SQLite through SQLAlchemy alone). Here rows go as plain tuples, inside the
caller's transaction; the statements stay SQLAlchemy Core, compiled for the connection's dialect:

- `insert_rows`: SQLite: aiosqlite's `executemany`; PostgreSQL: asyncpg's binary COPY
  (`copy_records_to_table`); with `replace`, COPY into a temporary table and one
  `INSERT ... SELECT ... ON CONFLICT DO UPDATE` from it (a few rows: asyncpg's `executemany`).
- `iterate_rows` / `fetch_rows`: SQLite: the aiosqlite cursor, plain tuples, large `fetchmany`
  batches; PostgreSQL: SQLAlchemy's streamed result (asyncpg already returns records).
- `fetch_records`: a read-only query's rows straight from the driver on both (no SQLAlchemy row
  per record: ~40 % of reading a 10,000-line queue on PostgreSQL, bench `cancel`).
- `upsert_rows`: SQLite: SQLAlchemy's executemany of `INSERT ... VALUES ... ON CONFLICT`;
  PostgreSQL: one `INSERT ... SELECT FROM unnest(arrays) ... ON CONFLICT` per BATCH rows (one
  array parameter per column), not a statement per row (bench `ingest`: an executemany of
  100,000 order lines is 100,000 executions on the server).

Used by: the ETA reads and saves (storage/etas.py), the orders import and the recompute marks
(storage/store.py, storage/eta_marks.py) and the benchmarks' shop (bench/dataset.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any
from uuid import uuid4
from weakref import WeakKeyDictionary

from sqlalchemy import Executable, RowMapping, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler

from storage.codec import IN_CHUNK

# Why: rows are handed to the driver in batches, so a generator of a million rows never sits
# in memory whole, and each batch is one driver call.
BATCH = 20_000
# Why: below this many rows a temporary table costs more than asyncpg's pipelined executemany.
SMALL_REPLACE = 2_000
_COMPILED_CACHE_SIZE = 128
_compiled: dict[tuple[Executable, str], SQLCompiler] = {}
_drivers: WeakKeyDictionary[AsyncConnection, Any] = WeakKeyDictionary()
# Why: rows per SQLite executemany of `upsert_rows`, as the store's other chunked writes.
_SQLITE_UPSERT_CHUNK = 1_000
Upsert = sqlite.Insert | postgresql.Insert
_upserts: dict[tuple[str, str, tuple[str, ...], Callable[[Any], Upsert], bool], Executable] = {}


async def iterate_rows(
    conn: AsyncConnection, stmt: Executable, params: Mapping[str, Any] | None = None
) -> AsyncIterator[Sequence[Any]]:
    """The rows of a query as tuples, fetched from the driver in batches of BATCH."""
    if conn.dialect.name != "sqlite":
        result = await conn.stream(stmt, dict(params or {}))
        async for partition in result.partitions(BATCH):
            for row in partition:
                yield row
        return
    sql, args = _expanded(conn, stmt, params)
    driver = await _driver(conn)
    cursor = await driver.cursor()
    cursor.row_factory = None
    try:
        await cursor.execute(sql, args)
        while batch := await cursor.fetchmany(BATCH):
            for row in batch:
                yield row
    finally:
        await cursor.close()


async def fetch_rows(
    conn: AsyncConnection, stmt: Executable, params: Mapping[str, Any] | None = None
) -> list[Any]:
    """Every row of a (small) query, or of a statement with RETURNING, as tuples; one driver
    round trip on SQLite."""
    if conn.dialect.name != "sqlite":
        return list((await conn.execute(stmt, dict(params or {}))).all())
    sql, args = _expanded(conn, stmt, params)
    driver = await _driver(conn)
    return list(await driver.execute_fetchall(sql, args))


async def fetch_records(
    conn: AsyncConnection, stmt: Executable, params: Mapping[str, Any] | None = None
) -> list[Any]:
    """Every row of a read-only query as the driver returns them (SQLite: tuples; PostgreSQL:
    asyncpg records), to index or unpack; one driver round trip, no SQLAlchemy rows.

    On PostgreSQL the query runs in the connection's transaction once SQLAlchemy has begun one,
    else on its own (a read needs none): never use it for a locking read.
    """
    if conn.dialect.name != "postgresql":
        return await fetch_rows(conn, stmt, params)
    sql, args = _expanded(conn, stmt, params)
    driver = await _driver(conn)
    return list(await driver.fetch(sql, *args))


async def changed(conn: AsyncConnection, stmt: Executable, params: Mapping[str, Any]) -> int:
    """Run one data-changing statement; the number of rows it changed."""
    if conn.dialect.name != "sqlite":
        return int((await conn.execute(stmt, dict(params))).rowcount)
    sql, args = _expanded(conn, stmt, params)
    driver = await _driver(conn)
    cursor = await driver.execute(sql, args)
    return int(cursor.rowcount)


async def for_each(
    conn: AsyncConnection, stmt: Executable, params: Sequence[Mapping[str, Any]]
) -> None:
    """Run one data-changing statement once for each parameter set."""
    if not params:
        return
    if conn.dialect.name != "sqlite":
        await conn.execute(stmt, [dict(p) for p in params])
        return
    driver = await _driver(conn)
    sql = _expanded(conn, stmt, params[0])[0]
    await driver.executemany(sql, [_expanded(conn, stmt, p)[1] for p in params])


def key_chunks(conn: AsyncConnection, keys: Sequence[str]) -> list[list[str]]:
    """The keys of an `in_keys` parameter in as many lists as queries it takes: IN_CHUNK keys a
    query on SQLite (its limit on parameters), all of them in one array on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        return [list(keys)] if keys else []
    return [list(keys[start : start + IN_CHUNK]) for start in range(0, len(keys), IN_CHUNK)]


async def _driver(conn: AsyncConnection) -> Any:
    """The driver's own connection under `conn` (aiosqlite's or asyncpg's)."""
    # Why: SQLAlchemy hands it out through a greenlet, a third of a small read's cost; the
    # connections behind the chat's reads are kept open, so it is asked once per connection.
    driver = _drivers.get(conn)
    if driver is None:
        driver = _drivers[conn] = (await conn.get_raw_connection()).driver_connection
    return driver


def _expanded(
    conn: AsyncConnection, stmt: Executable, params: Mapping[str, Any] | None
) -> tuple[str, Sequence[Any]]:
    """The statement's SQL for the driver and its positional parameters (IN lists expanded)."""
    key = (stmt, conn.dialect.name)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = stmt.compile(dialect=conn.dialect)  # type: ignore[attr-defined]
        assert isinstance(compiled, SQLCompiler)
        if len(_compiled) >= _COMPILED_CACHE_SIZE:
            _compiled.pop(next(iter(_compiled)))
        _compiled[key] = compiled
    state = compiled.construct_expanded_state(dict(params or {}))
    return state.statement, state.positional_parameters


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
    driver = await _driver(conn)
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
    keys = [column.name for column in table.primary_key.columns]
    names = ", ".join(f'"{name}"' for name in columns)
    updates = ", ".join(f'"{name}" = excluded."{name}"' for name in columns if name not in keys)
    on_conflict = f"ON CONFLICT ({', '.join(keys)}) " + (
        f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    )
    target = postgresql.dialect().identifier_preparer.format_table(table)  # type: ignore[no-untyped-call]
    batches = _batches(rows)
    first = next(batches, [])
    if len(first) < SMALL_REPLACE:
        marks = ", ".join(f"${number}" for number in range(1, len(columns) + 1))
        if first:
            await driver.executemany(
                f"INSERT INTO {target} ({names}) VALUES ({marks}) {on_conflict}", first
            )
        return
    staging = f"bulk_{table.name}_{uuid4().hex[:12]}"
    # Why: COPY cannot upsert; a temporary table private to this transaction takes the rows.
    await driver.execute(
        f'CREATE TEMPORARY TABLE "{staging}" (LIKE {target} INCLUDING DEFAULTS) ON COMMIT DROP'
    )
    await driver.copy_records_to_table(staging, records=first, columns=list(columns))
    for batch in batches:
        await driver.copy_records_to_table(staging, records=batch, columns=list(columns))
    await driver.execute(
        f'INSERT INTO {target} ({names}) SELECT {names} FROM "{staging}" {on_conflict}'
    )
    # Why: not in a `finally`: after an error the transaction is aborted (and rolls the table
    # back with it); ON COMMIT DROP would also drop it, but a transaction may call this again.
    await driver.execute(f'DROP TABLE "{staging}"')


def _batches(rows: Iterable[Sequence[Any]]) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch


async def upsert_rows(
    conn: AsyncConnection,
    table: Table,
    columns: Sequence[str],
    params: Sequence[Mapping[str, object]],
    on_conflict: Callable[[Any], Upsert],
    *,
    returning: bool = False,
) -> list[RowMapping]:
    """Insert the rows `params` (dicts keyed by at least `columns`) into `table`, in the caller's
    transaction; `on_conflict(insert)` returns the dialect's `insert` with its `ON CONFLICT`
    clause (`insert.on_conflict_do_update(..., set_=...)`, `insert.excluded` the new row).
    With `returning`, every column of each row as stored now (in no particular order; an
    `ON CONFLICT DO UPDATE` returns the updated rows too), else [].

    Each conflict key must come once among the rows (PostgreSQL refuses to update a row twice in
    one statement). `on_conflict` must be a module-level function: the statement is built once
    per dialect, table, columns, function and `returning`.
    """
    if not params:
        return []
    dialect = conn.dialect.name
    cache_key = (dialect, table.name, tuple(columns), on_conflict, returning)
    statement = _upserts.get(cache_key)
    if statement is None:
        upsert = on_conflict(_insert_of(dialect, table, columns))
        statement = _upserts[cache_key] = upsert.returning(*table.c) if returning else upsert
    rows: list[RowMapping] = []
    if dialect != "postgresql":
        for start in range(0, len(params), _SQLITE_UPSERT_CHUNK):
            result = await conn.execute(
                statement, list(params[start : start + _SQLITE_UPSERT_CHUNK])
            )
            if returning:
                rows += result.mappings().all()
        return rows
    for start in range(0, len(params), BATCH):
        batch = params[start : start + BATCH]
        result = await conn.execute(
            statement, {name: [row[name] for row in batch] for name in columns}
        )
        if returning:
            rows += result.mappings().all()
    return rows


def _insert_of(dialect: str, table: Table, columns: Sequence[str]) -> Upsert:
    """`INSERT INTO table (columns)` of one row of parameters named as the columns (SQLite), or
    of the rows of one array parameter per column, unnested side by side (PostgreSQL)."""
    if dialect != "postgresql":
        return sqlite.insert(table).values({name: bindparam(name) for name in columns})
    arrays = [bindparam(name, type_=postgresql.ARRAY(table.c[name].type)) for name in columns]
    rows = func.unnest(*arrays).table_valued(*columns).render_derived()
    return postgresql.insert(table).from_select(
        list(columns), select(*(rows.c[name] for name in columns))
    )
