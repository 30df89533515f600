"""Every bad setting ends in one line naming it and exit 2, never a traceback."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings

BAD_VALUES = [
    ("BACKORDER_HOLIDAYS", "EU"),
    ("BACKORDER_HOLIDAYS", "Germany"),
    ("BACKORDER_TIMEZONE", "America"),
    ("BACKORDER_TIMEZONE", "Mars/Olympus"),
    ("BACKORDER_DEFAULT_LANGUAGE", "pt"),
    ("BACKORDER_LOG_LEVEL", "LOUD"),
    ("BACKORDER_DAILY_SWEEP_AT", "25:00"),
    ("BACKORDER_DAILY_SWEEP_AT", "06:00+02:00"),
    ("BACKORDER_QUIET_HOURS", "late"),
    ("BACKORDER_SUPPORT_HOURS", "weekdays"),
    ("BACKORDER_SUPPORT_HOURS", "Mon-Fri 17:00-09:00"),
    ("BACKORDER_SUPPORT_HOURS", "Mon-Fry 09:00-17:00"),
    ("BACKORDER_SUPPORT_HOURS", "Mon-Fri 9-17"),
    ("BACKORDER_SUPPORT_CHAT_ID", "12345"),
    ("BACKORDER_SUPPORT_CHAT_ID", "0"),
    ("BACKORDER_SUPPORT_CHAT_ID", "support"),
    ("BACKORDER_NOW", "2026-02-30"),
    ("BACKORDER_STAFF_IDS", "ann,bob"),
    ("BACKORDER_HANDLING_DAYS", "two"),
    ("BACKORDER_HANDLING_DAYS", "99999999999"),
    ("BACKORDER_REFUND_DAYS", "-1"),
    ("BACKORDER_SEND_RATE", "fast"),
    ("BACKORDER_SENDS_IN_FLIGHT", "0"),
    ("BACKORDER_PAID_BROADCAST", "yes"),
    ("BACKORDER_PAID_BROADCAST", "2"),
    ("BACKORDER_EVENTS_WEBHOOK_URL", "shop.example/hook"),
    ("BACKORDER_API_TIMEOUT", "slow"),
    ("BACKORDER_API_TIMEOUT", "0"),
    ("BACKORDER_API_TIMEOUT", "99999"),
    ("BACKORDER_API_CONNECT_TIMEOUT", "-1"),
    ("BACKORDER_REPLY_RETRY_SECONDS", "-5"),
    ("BACKORDER_REPLY_RETRY_SECONDS", "nan"),
    ("TELEGRAM_BOT_TOKEN", "not a token"),
    ("TELEGRAM_API_BASE_URL", "api.telegram.org/bot"),
    ("BACKORDER_DB", "{tmp}/missing-folder/shop.sqlite3"),
    ("BACKORDER_DB", "{tmp}"),
    ("BACKORDER_API_TOKEN", "secret"),
    ("BACKORDER_SHOPIFY_SECRET", "shpss_123"),
]


@pytest.fixture
def shop_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (no .env) and a clean environment of BACKORDER_* settings."""
    monkeypatch.chdir(tmp_path)
    for name in (name for name, _ in BAD_VALUES):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BACKORDER_DB", str(tmp_path / "shop.sqlite3"))
    return tmp_path


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_value_is_a_one_line_configuration_error_naming_the_setting(
    shop_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
) -> None:
    monkeypatch.setenv(name, value.format(tmp=shop_dir))
    products = shop_dir / "products.csv"
    products.write_text("sku,name,price,currency,on_hand\nMUG,Mug,9.90,USD,3\n", encoding="utf-8")

    code = main(["import", "products", str(products)])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("backorder-bot: configuration error: ")
    assert name in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_support_hours_without_minutes_are_explained_as_hh_mm(
    shop_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKORDER_SUPPORT_HOURS", "Mon-Fri 9-17")

    assert main(["outbox"]) == 2

    err = capsys.readouterr().err
    assert "'9' is not a time; write hours as HH:MM, e.g. 09:00-17:00" in err
    assert "isoformat" not in err


def test_a_positive_support_chat_id_is_refused_as_no_supergroup(
    shop_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKORDER_SUPPORT_CHAT_ID", "12345")

    assert main(["outbox"]) == 2

    err = capsys.readouterr().err
    assert "BACKORDER_SUPPORT_CHAT_ID must be the support supergroup's id" in err
    assert "starts with -100 (not 12345)" in err


def test_holidays_of_a_real_country_and_regional_language_tags_are_accepted(
    shop_dir: Path,
) -> None:
    settings = load_settings(
        {
            "BACKORDER_HOLIDAYS": "de",
            "BACKORDER_DEFAULT_LANGUAGE": "fr_CA",
            "BACKORDER_LOG_LEVEL": "debug",
            "BACKORDER_TIMEZONE": "europe/berlin",
        },
        dotenv=shop_dir / ".env",
    )

    assert settings.timezone.key == "Europe/Berlin"
    assert settings.holidays_country == "DE"
    assert settings.default_language == "fr"
    assert settings.log_level == logging.DEBUG


def test_a_dotenv_file_that_is_not_text_is_a_configuration_error(
    shop_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (shop_dir / ".env").write_bytes(b"BACKORDER_TIMEZONE=\xff\xfe\n")

    assert main(["outbox"]) == 2

    err = capsys.readouterr().err
    assert ".env is not UTF-8 text" in err and "Traceback" not in err


def test_run_against_an_unreachable_bot_api_says_which_setting_to_check(shop_dir: Path) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "100000001:unreachable",
        # Port 9 (discard) is closed on any test machine.
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        cwd=shop_dir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert "TELEGRAM_API_BASE_URL" in done.stderr
    assert "Traceback" not in done.stderr and "unreachable" not in done.stderr


async def test_run_with_a_token_the_bot_api_rejects_names_the_token_setting(shop_dir: Path) -> None:
    import asyncio
    import os
    import sys

    from aiohttp import web

    async def unauthorized(request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
        return web.json_response(body, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", unauthorized)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "100000001:revoked",
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
    }
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", env=env, cwd=shop_dir,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        await runner.cleanup()

    assert process.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in err.decode()
    assert "Traceback" not in err.decode() and "revoked" not in err.decode()


def test_output_cut_short_by_a_closed_pipe_ends_quietly(shop_dir: Path) -> None:
    import os
    import subprocess
    import sys

    reader, writer = os.pipe()
    # Why: the reader goes away before the command writes, as `| head -1` does after one line.
    os.close(reader)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "outbox"],
            cwd=shop_dir,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(writer)

    assert done.returncode == 1
    assert done.stderr == ""
