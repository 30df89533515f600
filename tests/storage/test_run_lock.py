"""One `backorder-bot run` per PostgreSQL database: a session advisory lock, held while it runs."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Callable

import pytest

from storage.database import database_url, shown_url
from storage.run_lock import DatabaseInUse, exclusive_run

pytestmark = pytest.mark.postgresql


@pytest.fixture
def postgres(new_postgres_database: Callable[[str], str]) -> str:
    """A PostgreSQL database of this test's own."""
    return new_postgres_database("template0")


async def test_a_second_run_on_the_same_postgresql_database_is_refused_naming_the_first(
    postgres: str,
) -> None:
    me = f"{socket.gethostname()}/{os.getpid()}"
    with exclusive_run(postgres), pytest.raises(DatabaseInUse) as refused, exclusive_run(postgres):
        pass

    assert str(refused.value) == (
        f"another backorder-bot run ({me}) is using {shown_url(database_url(postgres))}; "
        "run one bot per PostgreSQL database"
    )


async def test_the_lock_is_free_again_once_the_run_ends(postgres: str) -> None:
    with exclusive_run(postgres):
        pass
    with exclusive_run(postgres):
        pass


async def test_a_second_backorder_bot_run_exits_2_with_one_line_before_it_starts(
    postgres: str,
) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123456:test-token",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
        "BACKORDER_DATABASE_URL": postgres,
    }
    with exclusive_run(postgres):
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(second.communicate(), timeout=60)

    assert second.returncode == 2
    assert stdout == b""
    (line,) = stderr.decode().splitlines()
    assert line.startswith("backorder-bot: another backorder-bot run (")
    assert line.endswith("; run one bot per PostgreSQL database")
