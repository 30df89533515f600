"""Webhook settings come from the environment; a URL without a secret is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import run_bot
from bot.config import ConfigError, Settings, load_settings
from bot.services.webhook import WebhookConfigError, WebhookTarget, webhook_target

NO_DOTENV = Path("/nonexistent/.env")


def test_the_webhook_url_and_secret_come_from_the_environment() -> None:
    settings = load_settings(
        {
            "BACKORDER_EVENTS_WEBHOOK_URL": "https://shop.example/hooks/backorder",
            "BACKORDER_EVENTS_SECRET": "s3cret",
        },
        dotenv=NO_DOTENV,
    )

    assert webhook_target(settings) == WebhookTarget(
        "https://shop.example/hooks/backorder", "s3cret"
    )
    assert "s3cret" not in repr(settings) and "s3cret" not in repr(webhook_target(settings))


def test_without_a_url_nothing_is_delivered() -> None:
    assert webhook_target(load_settings({}, dotenv=NO_DOTENV)) is None


def test_a_url_that_is_not_http_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="BACKORDER_EVENTS_WEBHOOK_URL"):
        load_settings({"BACKORDER_EVENTS_WEBHOOK_URL": "ftp://shop.example/"}, dotenv=NO_DOTENV)


def test_a_url_without_a_secret_is_refused_with_a_clear_reason() -> None:
    settings = Settings(events_webhook_url="https://shop.example/hook")

    with pytest.raises(WebhookConfigError, match="BACKORDER_EVENTS_SECRET"):
        webhook_target(settings)


def test_run_refuses_to_start_when_events_would_go_out_unsigned(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = Settings(
        token="123456:TEST-TOKEN",
        db_path=tmp_path / "db.sqlite3",
        events_webhook_url="https://shop.example/hook",
    )

    assert run_bot(settings) == 2

    error = capsys.readouterr().err
    assert "BACKORDER_EVENTS_SECRET" in error and "unsigned" in error
    assert "TEST-TOKEN" not in error
