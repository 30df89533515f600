"""BACKORDER_WEBHOOK_URL, BACKORDER_WEBHOOK_SECRET and BACKORDER_LISTEN (DESIGN §2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings, load_settings

SECRET = "Abc_123-xyz"


def settings_from(tmp_path: Path, **env: str) -> Settings:
    """Settings read from exactly these variables (no .env)."""
    return load_settings({"BACKORDER_DB": str(tmp_path / "shop.sqlite3"), **env}, tmp_path / ".env")


def test_without_a_webhook_url_the_bot_polls_and_listens_on_127_0_0_1_8080(tmp_path: Path) -> None:
    settings = settings_from(tmp_path)
    assert (settings.webhook_url, settings.webhook_secret) == (None, None)
    assert settings.listen == ("127.0.0.1", 8080)


def test_a_webhook_url_with_its_secret_and_a_listen_address_are_read(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        BACKORDER_WEBHOOK_URL="https://bot.example.com/telegram/updates",
        BACKORDER_WEBHOOK_SECRET=SECRET,
        BACKORDER_LISTEN="0.0.0.0:9000",
    )
    assert settings.webhook_url == "https://bot.example.com/telegram/updates"
    assert settings.webhook_secret == SECRET
    assert settings.listen == ("0.0.0.0", 9000)
    assert SECRET not in repr(settings)


@pytest.mark.parametrize(
    ("listen", "expected"),
    [
        ("[::1]:8443", ("::1", 8443)),
        (":8081", ("0.0.0.0", 8081)),
        ("localhost:0", ("localhost", 0)),
    ],
)
def test_listen_addresses_take_ipv6_any_interface_and_a_free_port(
    tmp_path: Path, listen: str, expected: tuple[str, int]
) -> None:
    assert settings_from(tmp_path, BACKORDER_LISTEN=listen).listen == expected


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_plain_http_is_accepted_on_the_loopback_only(tmp_path: Path, host: str) -> None:
    url = f"http://{host}:8080/telegram"
    settings = settings_from(tmp_path, BACKORDER_WEBHOOK_URL=url, BACKORDER_WEBHOOK_SECRET=SECRET)
    assert settings.webhook_url == url


def test_plain_http_elsewhere_names_every_loopback_host_it_is_accepted_on(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from(tmp_path, BACKORDER_WEBHOOK_URL="http://10.0.0.5:8080/telegram")
    assert "plain http:// only on the loopback: 127.0.0.1, localhost or [::1]" in str(raised.value)


BAD = [
    ({"BACKORDER_WEBHOOK_URL": "http://bot.example.com/t"}, "must be an https:// URL"),
    ({"BACKORDER_WEBHOOK_URL": "bot.example.com/t"}, "must be an https:// URL"),
    ({"BACKORDER_WEBHOOK_URL": "https:///t"}, "must be an https:// URL"),
    ({"BACKORDER_WEBHOOK_URL": "https://bot.example.com:99999/t"}, "bad port"),
    ({"BACKORDER_WEBHOOK_URL": "https://bot.example.com/t?x=1"}, "must not have a query"),
    ({"BACKORDER_WEBHOOK_URL": "https://bot.example.com/t"}, "BACKORDER_WEBHOOK_SECRET is not"),
    ({"BACKORDER_WEBHOOK_SECRET": SECRET}, "BACKORDER_WEBHOOK_URL is not"),
    ({"BACKORDER_WEBHOOK_SECRET": "has spaces in it"}, "BACKORDER_WEBHOOK_URL is not"),
    ({"BACKORDER_LISTEN": "8080"}, "BACKORDER_LISTEN must be HOST:PORT"),
    ({"BACKORDER_LISTEN": "127.0.0.1:http"}, "BACKORDER_LISTEN must be HOST:PORT"),
    ({"BACKORDER_LISTEN": "127.0.0.1:70000"}, "BACKORDER_LISTEN must be HOST:PORT"),
]


@pytest.mark.parametrize(("env", "message"), BAD)
def test_a_bad_webhook_or_listen_setting_is_a_configuration_error(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("?", r"\?")):
        settings_from(tmp_path, **env)


@pytest.mark.parametrize(
    "secret",
    ["has spaces", "ünïcode", "a" * 257, "semi;colon", "slash/secret"],
    ids=["space", "unicode", "too-long", "semicolon", "slash"],
)
def test_a_secret_telegram_would_refuse_is_a_configuration_error_that_does_not_quote_it(
    tmp_path: Path, secret: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from(
            tmp_path,
            BACKORDER_WEBHOOK_URL="https://bot.example.com/t",
            BACKORDER_WEBHOOK_SECRET=secret,
        )
    assert "1-256 characters, only A-Z, a-z, 0-9, _ and -" in str(raised.value)
    assert secret not in str(raised.value)


def test_a_secret_of_256_allowed_characters_is_accepted(tmp_path: Path) -> None:
    secret = ("Az09_-" * 43)[:256]
    settings = settings_from(
        tmp_path, BACKORDER_WEBHOOK_URL="https://bot.example.com/t", BACKORDER_WEBHOOK_SECRET=secret
    )
    assert settings.webhook_secret == secret


def test_run_with_a_webhook_url_but_no_secret_exits_2_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKORDER_DB", str(tmp_path / "shop.sqlite3"))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST-TOKEN")
    monkeypatch.setenv("BACKORDER_WEBHOOK_URL", "https://bot.example.com/t")
    monkeypatch.delenv("BACKORDER_WEBHOOK_SECRET", raising=False)

    assert main(["run"]) == 2

    err = capsys.readouterr().err
    assert err.startswith("backorder-bot: configuration error: ")
    assert "BACKORDER_WEBHOOK_SECRET" in err and err.count("\n") == 1
