"""One `backorder-bot run` per SQLite database: a second one refuses to start, before it touches
Telegram; the command line's other tools keep working; a killed bot leaves no lock behind."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

from bot.sandbox.server import Sandbox
from storage.run_lock import exclusive_run
from tests.e2e.conftest import TOKEN


def unused_port() -> int:
    """A local port nothing listens on (a Bot API a second bot must never reach)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def backorder_bot(env: dict[str, str], cwd: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_a_second_bot_on_the_same_database_refuses_to_start_and_says_why(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    db_path = tmp_path / "shop.sqlite3"
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": sandbox.api_base_url,
        "BACKORDER_DB": str(db_path),
    }
    first = await backorder_bot(env, tmp_path, "run")
    try:
        assert first.stderr is not None
        started = b""
        while b"bot is running" not in started:
            line = await asyncio.wait_for(first.stderr.readline(), timeout=30)
            assert line, "the first bot exited before it started polling"
            started += line

        nowhere = f"http://127.0.0.1:{unused_port()}/bot"
        alias = tmp_path / "alias.sqlite3"
        alias.symlink_to(db_path)
        for path in (db_path, alias):
            second = await backorder_bot(
                {**env, "TELEGRAM_API_BASE_URL": nowhere, "BACKORDER_DB": str(path)},
                tmp_path,
                "run",
            )
            stdout, stderr = await asyncio.wait_for(second.communicate(), timeout=30)
            assert second.returncode == 2
            assert stdout == b""
            assert stderr.decode().splitlines() == [
                f"backorder-bot: another backorder-bot run (pid {first.pid}) is using {path}; "
                "run one bot per SQLite database"
            ]

        outbox = await backorder_bot(env, tmp_path, "outbox", "--json")
        await asyncio.wait_for(outbox.communicate(), timeout=30)
        assert outbox.returncode == 0
        assert first.returncode is None
    finally:
        if first.returncode is None:
            first.send_signal(signal.SIGKILL)
            await first.wait()

    with exclusive_run(db_path):
        pass
