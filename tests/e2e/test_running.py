"""`backorder-bot run`: needs a token, polls, stops cleanly on Ctrl-C, never logs the token."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.app import run_bot
from bot.config import Settings
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from tests.databases import database_env
from tests.e2e.conftest import TOKEN


def test_run_without_a_token_explains_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_bot(Settings()) == 2
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


async def test_run_answers_users_and_stops_cleanly_on_ctrl_c_without_logging_the_token(
    sandbox: Sandbox, client: SandboxClient, tmp_path: Path, database_url: str
) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": sandbox.api_base_url,
        **database_env(database_url),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env=env,
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        started = b""
        while b"bot is running" not in started:
            line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
            assert line, "the bot exited before it started polling"
            started += line
        await client.create_user(801, "Ann", language_code="en")
        after = await client.last_seq(801)
        await client.send_text(801, "/help")
        (reply,) = await client.wait_for(801, after=after, timeout=30)
        assert "/orders" in reply["text"]
        process.send_signal(signal.SIGINT)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    output = (started + stdout + stderr).decode()
    assert "bot stopped" in output
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
