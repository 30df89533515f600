"""BACKORDER_DATABASE_URL (DESIGN §2): unset keeps SQLite, postgresql:// picks the server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings, load_settings
from storage.database import database_url

SECRET = "pa55-w0rd"


def settings_from(**environ: str) -> Settings:
    """Settings read from just these variables (no .env)."""
    return load_settings(environ, Path(os.devnull))


def test_without_a_database_url_the_bot_uses_the_sqlite_file(tmp_path: Path) -> None:
    settings = settings_from(BACKORDER_DB=str(tmp_path / "shop.sqlite3"))

    assert settings.database_url is None
    assert settings.database_target == tmp_path / "shop.sqlite3"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://bot:{SECRET}@db.example:5432/shop",
        f"postgres://bot:{SECRET}@db.example/shop",
        f"postgresql+asyncpg://bot:{SECRET}@db.example/shop",
        # libpq also takes the password as a query parameter.
        f"postgresql://bot@db.example/shop?password={SECRET}",
    ],
)
def test_a_postgresql_url_is_the_database_and_its_password_is_never_shown(url: str) -> None:
    settings = settings_from(BACKORDER_DATABASE_URL=url)

    assert settings.database_target == url
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    assert SECRET not in settings.shown_database
    assert "bot:***@db.example" in settings.shown_database


@pytest.mark.parametrize(
    ("url", "named"),
    [
        (f"mysql://bot:{SECRET}@db.example/shop", "(not mysql://…)"),
        (f"sqlite:///{SECRET}.sqlite3", "(not sqlite://…)"),
        (f"bot:{SECRET}@db.example/shop", ""),
    ],
)
def test_another_kind_of_database_url_is_one_line_naming_the_setting_and_exit_2(
    url: str,
    named: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BACKORDER_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)

    assert main(["outbox"]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        "backorder-bot: configuration error: BACKORDER_DATABASE_URL must be a postgresql:// URL"
    )
    assert named in err and SECRET not in err


def test_a_server_that_cannot_be_reached_is_one_line_naming_the_setting_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Why: port 1 on this machine refuses connections at once.
    monkeypatch.setenv("BACKORDER_DATABASE_URL", f"postgresql://bot:{SECRET}@127.0.0.1:1/shop")

    assert main(["order", "1042"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("backorder-bot: cannot open the database postgresql://bot:***@")
    assert "BACKORDER_DATABASE_URL" in err and SECRET not in err


def test_a_password_in_the_query_string_goes_to_the_driver_as_the_password() -> None:
    url = database_url(f"postgresql://bot@db.example/shop?password={SECRET}&sslmode=require")

    assert (url.username, url.password) == ("bot", SECRET)
    assert dict(url.query) == {"ssl": "require"}


def test_libpq_sslmode_in_the_url_is_given_to_the_driver_as_ssl() -> None:
    url = database_url("postgresql://bot@db.example/shop?sslmode=require")

    assert url.drivername == "postgresql+asyncpg"
    assert dict(url.query) == {"ssl": "require"}
