"""`backorder-bot run` in webhook mode: sets and serves the webhook, /healthz; leaves it set."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from tests.databases import database_env
from tests.e2e.conftest import TOKEN

SECRET = "run-webhook-secret"


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_run_takes_updates_by_webhook_serves_healthz_and_leaves_the_webhook_set(
    sandbox: Sandbox, client: SandboxClient, tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    webhook_url = f"http://127.0.0.1:{port}/tg"
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": sandbox.api_base_url,
        "BACKORDER_WEBHOOK_URL": webhook_url,
        "BACKORDER_WEBHOOK_SECRET": SECRET,
        "BACKORDER_LISTEN": f"127.0.0.1:{port}",
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
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stderr is not None
        started = b""
        while b"bot is running" not in started:
            line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
            assert line, f"the bot exited before it started: {started.decode()}"
            started += line
        await client.create_user(811, "Ann", language_code="en")
        after = await client.last_seq(811)
        await client.send_text(811, "/help")
        (reply,) = await client.wait_for(811, after=after, timeout=30)
        assert "/orders" in reply["text"]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as health,
        ):
            assert health.status == 200
            assert (await health.json())["database"] is True
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    log = (started + stderr).decode()
    assert SECRET not in log and TOKEN not in log
    assert f"taking updates by webhook at {webhook_url}" in log
    stats = await client.stats()
    assert stats["calls"].get("getUpdates", 0) == 0
    async with aiohttp.ClientSession() as session:
        info_url = f"{sandbox.api_base_url}{TOKEN}/getWebhookInfo"
        async with session.post(info_url) as answer:
            info = (await answer.json())["result"]
    assert info["url"] == webhook_url
