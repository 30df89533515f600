"""`run` that cannot use the Bot API: one line naming the setting, exit 2, never the token."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from aiohttp import web

from tests.databases import database_env

TOKEN = "123456:SECRETSECRET"


async def run(
    base_url: str, cwd: Path, database_url: str, *, log_level: str = "INFO"
) -> tuple[int, str, str]:
    """Run `backorder-bot run` against `base_url` until it exits: code, stdout, stderr."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
        **database_env(database_url),
        "BACKORDER_LOG_LEVEL": log_level,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def serving(app: web.Application) -> tuple[web.AppRunner, str]:
    """Start `app` on a free local port; its runner and a base URL ending in /bot."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/bot"


def answering(status: int, body: str, content_type: str) -> web.Application:
    """A server answering every request with `status` and `body`."""

    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type=content_type)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    return app


def assert_one_line_naming(setting: str, code: int, out: str, err: str) -> None:
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("backorder-bot: "), err
    assert setting in err
    assert "Traceback" not in err
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err


HTML = "text/html"
JSON = "application/json"
NOT_FOUND = '{"ok":false,"error_code":404,"description":"Not Found"}'
UNAUTHORIZED = '{"ok":false,"error_code":401,"description":"Unauthorized"}'


@pytest.mark.parametrize(
    ("status", "body", "content_type", "setting"),
    [
        (404, "<html>Not Found</html>", HTML, "TELEGRAM_API_BASE_URL"),
        (404, NOT_FOUND, JSON, "TELEGRAM_API_BASE_URL"),
        (401, UNAUTHORIZED, JSON, "TELEGRAM_BOT_TOKEN"),
        (502, "<html>Bad Gateway</html>", HTML, "TELEGRAM_API_BASE_URL"),
        (200, "<html>Welcome to nginx!</html>", HTML, "TELEGRAM_API_BASE_URL"),
        (200, '{"hello":"world"}', JSON, "TELEGRAM_API_BASE_URL"),
    ],
    ids=["404-page", "404-json", "401-json", "502-page", "not-a-bot-api", "other-json"],
)  # fmt: skip
async def test_a_server_that_is_not_a_working_bot_api_is_one_line_naming_the_setting(
    status: int, body: str, content_type: str, setting: str, tmp_path: Path, database_url: str
) -> None:
    runner, base_url = await serving(answering(status, body, content_type))
    try:
        code, out, err = await run(base_url, tmp_path, database_url)
    finally:
        await runner.cleanup()

    assert_one_line_naming(setting, code, out, err)


@pytest.mark.parametrize(
    "base_url",
    # Port 9 (discard) is closed on any test machine; .invalid never resolves (RFC 6761).
    ["http://127.0.0.1:9/bot", "http://bot-api.invalid/bot"],
    ids=["closed-port", "unknown-host"],
)
async def test_an_unreachable_bot_api_is_one_line_naming_the_base_url(
    base_url: str, tmp_path: Path, database_url: str
) -> None:
    code, out, err = await run(base_url, tmp_path, database_url)

    assert_one_line_naming("TELEGRAM_API_BASE_URL", code, out, err)


async def test_even_the_debug_log_of_a_failed_start_never_shows_the_token(
    tmp_path: Path, database_url: str
) -> None:
    runner, base_url = await serving(answering(404, "<html>Not Found</html>", HTML))
    try:
        code, out, err = await run(base_url, tmp_path, database_url, log_level="DEBUG")
    finally:
        await runner.cleanup()

    assert code == 2
    assert "getMe" in err
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err
