"""`backorder-bot demo`: the seeded shop, sandbox and real bot, played from a script."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest

from bot.config import Settings
from bot.demo.runner import demo_chat, run_demo

# A Wednesday: the dates below follow from it and the seeded shop.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
TOUR = Path(str(files("bot.demo").joinpath("tour.txt")))


def demo_settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "real-shop.sqlite3", frozen_now=NOW)


def test_the_shipped_tour_links_the_chat_and_shows_every_confidence_with_its_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_demo(demo_settings(tmp_path), TOUR) == 0
    out = capsys.readouterr().out
    transcript = out[out.index("you: /start") :]
    for expected in (
        "you: 10479",
        "you: alex.morgan@example.com",
        "bot: Thank you, Alex Morgan! This chat is now linked to your orders.",
        "  [Order 10479 · ships about Dec 21]",
        "you tap: [Order 10479]",
        "bot (edited): Order 10479",
        "  Ready · ships Nov 26, 2026",
        "  In stock.",
        "  Backordered · estimated to ship Dec 2, 2026",
        "  Confirmed by the supplier: waiting for a supplier delivery due Dec 1.",
        "  Planned, may still change: waiting for a supplier delivery due Dec 19.",
        "  Backordered · estimated to ship Dec 17, 2026",
        "  Rough estimate: our supplier needs about 3 weeks.",
        "  No date from the supplier yet.",
        "  Voraussichtliches Versanddatum der gesamten Bestellung: 21.12.2026",
        "bot (edited): Done. I will write to you in English from now on.",
        "/help – this message",
    ):
        assert expected in transcript
    assert transcript.index("Ready · ships") < transcript.index("tap: [Deutsch]")


def test_the_demo_never_touches_the_configured_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "short.txt"
    script.write_text("say: /help\n", encoding="utf-8")
    settings = demo_settings(tmp_path)
    assert run_demo(settings, script) == 0
    assert "bot: I keep you posted" in capsys.readouterr().out
    assert not settings.db_path.exists()


def test_a_bad_action_line_stops_before_anything_starts_and_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "bad.txt"
    script.write_text("# fine\nsay: /orders\ndance: now\n", encoding="utf-8")
    assert run_demo(demo_settings(tmp_path), script) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{script}:3: unknown action 'dance': dance: now" in captured.err


def test_a_tap_no_button_matches_fails_after_printing_the_transcript_so_far(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "tap.txt"
    script.write_text("say: /help\ntap: Klingon\nsay: /orders\n", encoding="utf-8")
    assert run_demo(demo_settings(tmp_path), script) == 1
    captured = capsys.readouterr()
    assert "  [Language]" in captured.out
    assert "you: /orders" not in captured.out
    assert f"{script}:2: no button matches [Klingon]" in captured.err


def test_a_missing_script_file_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_demo(demo_settings(tmp_path), tmp_path / "nope.txt") == 2
    assert "cannot read" in capsys.readouterr().err


async def test_the_deep_link_from_the_intro_links_the_chat_at_once(tmp_path: Path) -> None:
    printed: list[str] = []
    settings = demo_settings(tmp_path)
    async with demo_chat(settings, tmp_path, write=printed.append) as (chat, customer, deep_link):
        token = deep_link.partition("?start=")[2]
        await chat.say(f"/start {token}")
    assert deep_link.startswith("https://t.me/")
    assert f"bot: Thank you, {customer.name}! This chat is now linked to your orders." in printed
