"""The leader lock on PostgreSQL: one holder at a time, freed when its session ends, however."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable

import pytest

from storage.leader_lock import LocalLeaderLock, PostgresLeaderLock, leader_lock
from storage.store import open_store
from tests.sql import execute


@pytest.fixture
def postgres(new_postgres_database: Callable[[str], str]) -> str:
    """A PostgreSQL database of this test's own."""
    return new_postgres_database("template0")


@pytest.fixture
async def locks(postgres: str) -> AsyncIterator[tuple[PostgresLeaderLock, PostgresLeaderLock]]:
    first, second = PostgresLeaderLock(postgres), PostgresLeaderLock(postgres)
    yield first, second
    await first.release()
    await second.release()


@pytest.mark.postgresql
async def test_one_instance_holds_the_lock_and_the_other_sees_who(
    locks: tuple[PostgresLeaderLock, PostgresLeaderLock],
) -> None:
    first, second = locks

    assert await first.try_acquire()
    assert not await second.try_acquire()
    assert await second.holder() == f"{socket.gethostname()}/{os.getpid()}"
    assert await first.still_held()
    assert not await second.still_held()


@pytest.mark.postgresql
async def test_the_lock_is_free_for_the_other_once_the_holder_releases_it(
    locks: tuple[PostgresLeaderLock, PostgresLeaderLock],
) -> None:
    first, second = locks
    assert await first.try_acquire()

    await first.release()

    assert await second.try_acquire()
    assert not await first.try_acquire()


@pytest.mark.postgresql
async def test_a_holder_whose_session_was_ended_by_the_server_knows_and_the_lock_is_free(
    locks: tuple[PostgresLeaderLock, PostgresLeaderLock], postgres: str
) -> None:
    first, second = locks
    assert await first.try_acquire()
    admin = await open_store(postgres)
    try:
        ended = await execute(
            admin,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name LIKE 'backorder-bot run %' AND datname = current_database()",
        )
    finally:
        await admin.close()
    assert ended == 1

    assert not await first.still_held()
    assert await second.try_acquire()


async def test_sqlite_has_one_instance_which_always_leads(tmp_path: os.PathLike[str]) -> None:
    lock = leader_lock(f"{tmp_path}/shop.sqlite3")

    assert isinstance(lock, LocalLeaderLock)
    assert await lock.try_acquire() and await lock.still_held()
