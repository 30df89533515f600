"""The PostgreSQL half of the suite: every test gets its own new database, and nobody else's.

These use asyncpg directly, so they check the test infrastructure itself (tests/conftest.py), not
the store.
"""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.conftest import NewDatabase
from tests.databases import (
    DatabaseMaker,
    create_database,
    drop_database,
    is_postgres,
    run_async,
    unique_name,
    with_database,
)

pytestmark = pytest.mark.postgresql


async def database_names(server_url: str) -> set[str]:
    connection = await asyncpg.connect(server_url)
    try:
        return {row[0] for row in await connection.fetch("SELECT datname FROM pg_database")}
    finally:
        await connection.close()


async def tables(url: str) -> set[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row[0] for row in rows}
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def shared_template(postgres_server: str) -> Iterator[str]:
    """A template holding one table with one row: what every copy must start from, and no more."""
    name = unique_name("probe")
    url = create_database(postgres_server, name)

    async def fill() -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("CREATE TABLE shelf (sku text PRIMARY KEY)")
            await connection.execute("INSERT INTO shelf VALUES ('CHAIR')")
        finally:
            await connection.close()

    run_async(fill())
    yield name
    drop_database(postgres_server, name)


@pytest.mark.parametrize("turn", ["first", "second"])
async def test_each_test_starts_from_the_template_alone(
    turn: str, new_postgres_database: NewDatabase, shared_template: str
) -> None:
    # Both turns write the same key: on a shared database the later turn would hit the earlier row.
    url = new_postgres_database(shared_template)
    connection = await asyncpg.connect(url)
    try:
        assert await connection.fetch("SELECT sku FROM shelf") == [("CHAIR",)]
        await connection.execute("INSERT INTO shelf VALUES ('LAMP')")
        await connection.execute("CREATE TABLE written_by_this_test (turn text)")
    finally:
        await connection.close()


async def test_two_databases_do_not_see_each_others_tables_or_rows(
    new_postgres_database: NewDatabase, shared_template: str
) -> None:
    one, other = new_postgres_database(shared_template), new_postgres_database(shared_template)
    assert one != other
    first = await asyncpg.connect(one)
    try:
        await first.execute("INSERT INTO shelf VALUES ('LAMP')")
        await first.execute("CREATE TABLE only_here (x int)")
    finally:
        await first.close()
    second = await asyncpg.connect(other)
    try:
        assert await second.fetch("SELECT sku FROM shelf") == [("CHAIR",)]
    finally:
        await second.close()
    assert await tables(other) == {"shelf"}
    assert await tables(one) == {"shelf", "only_here"}


async def test_a_database_made_for_a_test_is_dropped_after_it(postgres_server: str) -> None:
    name = unique_name("probe")
    url = create_database(postgres_server, name)
    assert url == with_database(postgres_server, name)
    assert name in await database_names(postgres_server)
    # Why: a test that forgot to close its connections must not keep its database alive.
    lingering = await asyncpg.connect(url)
    drop_database(postgres_server, name)
    assert name not in await database_names(postgres_server)
    assert lingering.is_closed() or not await _alive(lingering)


async def test_the_maker_hands_out_fresh_copies_and_drops_them_all_on_close(
    postgres_server: str, shared_template: str
) -> None:
    before = await database_names(postgres_server)
    # Why: a kind of its own, so the databases this worker's session maker makes meanwhile (for
    # the next test) are not taken for ones this maker left.
    maker = DatabaseMaker(postgres_server, shared_template, kind="maker")
    try:
        first, second = maker.take(), maker.take()
        assert first != second
        for name in (first, second):
            assert await tables(with_database(postgres_server, name)) == {"shelf"}
        # Why: a test that leaves a connection open must not keep its database alive.
        await asyncpg.connect(with_database(postgres_server, first))
        maker.drop_later(first)
        maker.drop_later(second)
    finally:
        maker.close()
    # Nothing it made is left, the copy made ahead for a third test included.
    ours = unique_name("maker").rsplit("_", 1)[0]
    left = await database_names(postgres_server) - before
    assert not {name for name in left if name.startswith(ours)}
    assert first not in left and second not in left


async def _alive(connection: asyncpg.Connection) -> bool:
    try:
        await connection.fetchval("SELECT 1")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError):
        return False
    return True


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_database_url_of_a_postgresql_test_is_a_fresh_migrated_database(
    database_url: str, postgres_server: str
) -> None:
    # Needs open_store to migrate PostgreSQL (the storage conversion of issue 11).
    assert is_postgres(database_url)
    assert database_url.rsplit("/", 1)[1] in await database_names(postgres_server)
    assert await tables(database_url), "the template holds the migrated schema"
