"""What a customer reads about the expected reply, and topic names that fit Telegram's limit."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.handoffs import TOPIC_NAME_LIMIT, topic_title
from bot.domain.support_hours import SupportHours
from bot.i18n import Catalogs
from handlers.handoff import expected_reply_line
from handlers.menu import bot_commands

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOURS = SupportHours.parse("Mon-Fri 09:00-17:00")
WEDNESDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN)
FRIDAY_18 = datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN)
THURSDAY_18 = datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN)
WEDNESDAY_7 = datetime(2026, 12, 2, 7, 0, tzinfo=BERLIN)


def test_within_hours_the_line_names_today_s_closing_time_and_the_business_zone(
    catalogs: Catalogs,
) -> None:
    t = catalogs.translator("en")
    line = expected_reply_line(t, HOURS, WEDNESDAY_10, BERLIN, None)
    assert line == (
        "Our team usually answers within working hours, today until 5:00\u202fPM (Berlin time)."
    )


def test_a_customer_s_own_time_zone_is_used_when_known(catalogs: Catalogs) -> None:
    t = catalogs.translator("en")
    line = expected_reply_line(t, HOURS, WEDNESDAY_10, BERLIN, NEW_YORK)
    assert "today until 11:00\u202fAM." in line
    assert "Berlin" not in line


@pytest.mark.parametrize(
    ("now", "when"),
    [
        (WEDNESDAY_7, "today at 9:00\u202fAM"),
        (THURSDAY_18, "tomorrow at 9:00\u202fAM"),
        (FRIDAY_18, "Monday at 9:00\u202fAM"),
    ],
)
def test_out_of_hours_the_line_says_when_the_team_is_back(
    catalogs: Catalogs, now: datetime, when: str
) -> None:
    t = catalogs.translator("en")
    line = expected_reply_line(t, HOURS, now, BERLIN, None)
    assert line == f"Our team is away now and back {when} (Berlin time); they answer then."


def test_the_line_is_in_the_customer_s_language_and_locale(catalogs: Catalogs) -> None:
    line = expected_reply_line(catalogs.translator("de"), HOURS, FRIDAY_18, BERLIN, None)
    assert line == (
        "Unser Team ist gerade nicht erreichbar und ab Montag um 09:00 (Zeit in Berlin) wieder "
        "für Sie da."
    )


def test_without_hours_no_time_is_promised(catalogs: Catalogs) -> None:
    line = expected_reply_line(catalogs.translator("en"), None, FRIDAY_18, BERLIN, None)
    assert line == "Our team answers here as soon as they can."


def test_a_topic_name_shows_the_name_and_order_numbers() -> None:
    assert topic_title("Ann  Lee", ["1042", "1043"]) == "Ann Lee · 1042, 1043"
    assert topic_title("Ann", []) == "Ann"


def test_a_topic_name_fits_128_characters_and_counts_the_orders_left_out() -> None:
    title = topic_title("A" * 200, [f"ORDER-{n:05}" for n in range(40)])
    assert len(title) <= TOPIC_NAME_LIMIT
    assert title.startswith("A" * 63 + "…")
    shown = title.split(" · ")[1]
    listed = shown.split(" +")[0].split(", ")
    assert shown.endswith(f" +{40 - len(listed)}")


def test_the_command_menu_offers_human_only_with_a_support_chat(catalogs: Catalogs) -> None:
    t = catalogs.translator("en")
    assert "human" in [command.command for command in bot_commands(t, handoff=True)]
    assert "human" not in [command.command for command in bot_commands(t)]
