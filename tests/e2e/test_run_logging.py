"""`backorder-bot run` logs at BACKORDER_LOG_LEVEL; routine scheduler runs only at DEBUG."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import configure_logging
from bot.sandbox.server import Sandbox
from tests.databases import database_env
from tests.e2e.conftest import TOKEN

JOB_RAN = 'Job "notices-sweep (trigger: interval[0:00:01], next run at: ...)" executed successfully'


@pytest.fixture
def captured_log() -> Iterator[tuple[io.StringIO, list[logging.Handler]]]:
    """A stream for the bot's log handler; the handler and root level are undone afterwards."""
    root = logging.getLogger()
    level = root.level
    handlers: list[logging.Handler] = []
    yield io.StringIO(), handlers
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)


def emit_like_a_running_bot() -> None:
    logging.getLogger("apscheduler.executors.default").info("Running job %s", "notices-sweep")
    logging.getLogger("apscheduler.executors.default").info(JOB_RAN)
    logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed by 0:00:03")
    logging.getLogger("bot.app").info("bot is running with %s", TOKEN)


def test_at_info_the_log_shows_the_bot_and_scheduler_warnings_but_not_routine_runs(
    captured_log: tuple[io.StringIO, list[logging.Handler]],
) -> None:
    stream, handlers = captured_log
    handlers.append(configure_logging(TOKEN, logging.INFO, stream))

    emit_like_a_running_bot()

    lines = stream.getvalue().splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == [
        "WARNING apscheduler.scheduler: Run time of job was missed by 0:00:03",
        "INFO bot.app: bot is running with <token>",
    ]


def test_at_debug_routine_scheduler_runs_are_debug_lines(
    captured_log: tuple[io.StringIO, list[logging.Handler]],
) -> None:
    stream, handlers = captured_log
    handlers.append(configure_logging(TOKEN, logging.DEBUG, stream))

    emit_like_a_running_bot()

    levels = [line.split(" ", 4)[2:4] for line in stream.getvalue().splitlines()]
    # Why: at DEBUG, other threads' libraries (aiosqlite closing an earlier test's store) log too.
    scheduler = [level for level in levels if level[1].startswith("apscheduler")]
    assert scheduler[:2] == [
        ["DEBUG", "apscheduler.executors.default:"],
        ["DEBUG", "apscheduler.executors.default:"],
    ]


async def run_until(env: dict[str, str], cwd: Path, marker: bytes) -> bytes:
    """Start `backorder-bot run`, read stderr until `marker`, stop it with Ctrl-C; all stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env=env,
        cwd=cwd,
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
    )
    seen = b""
    try:
        assert process.stderr is not None
        while marker not in seen:
            line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
            assert line, f"the bot exited before logging {marker!r}: {seen.decode()}"
            seen += line
        process.send_signal(signal.SIGINT)
        rest = await asyncio.wait_for(process.stderr.read(), timeout=30)
        await asyncio.wait_for(process.wait(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return seen + rest


async def test_the_running_bots_scheduler_lines_are_debug_and_hidden_at_info(
    sandbox: Sandbox, tmp_path: Path, database_url: str
) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": sandbox.api_base_url,
        **database_env(database_url),
    }
    debug = await run_until(
        {**env, "BACKORDER_LOG_LEVEL": "DEBUG"}, tmp_path, b"executed successfully"
    )
    # Why: the scheduler always logs its start and shutdown, so INFO hides something real.
    info = await run_until(env, tmp_path, b"bot is running")
    ran = [line for line in debug.decode().splitlines() if "executed successfully" in line]

    assert ran and all(" DEBUG apscheduler." in line for line in ran)
    assert "apscheduler" not in info.decode()
    assert TOKEN not in debug.decode() + info.decode()
    # Why: the start-up catch-up can take a while on a large shop; the log says so.
    assert "INFO bot.leader_duties: settling dates and notices before reading updates" in (
        info.decode()
    )
    assert "INFO bot.leader_duties: settled in " in info.decode()


def test_the_tokens_secret_part_on_its_own_is_redacted_too(
    captured_log: tuple[io.StringIO, list[logging.Handler]],
) -> None:
    stream, handlers = captured_log
    handlers.append(configure_logging(TOKEN, logging.INFO, stream))
    secret = TOKEN.split(":")[1]

    logging.getLogger("telegram.ext.Updater").error("url %s/getUpdates", secret)

    assert secret not in stream.getvalue()
    assert "url <token>/getUpdates" in stream.getvalue()
