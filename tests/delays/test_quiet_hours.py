"""Quiet hours hold non-urgent messages until morning, but never past a deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.delays import NoticeKind, QuietHours, hold_for_quiet_hours
from tests.delays.rules import facts, run

BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = QuietHours(time(21, 0), time(8, 0))
GOOD_NEWS = run(facts(date(2027, 2, 22), jurisdiction=None), None, date(2027, 2, 15)).notices
FIRST_NOTICE = run(facts(None), None, date(2027, 2, 15)).notices


def test_quiet_hours_parse_from_the_setting() -> None:
    assert QuietHours.parse("21:00-08:00") == NIGHT
    with pytest.raises(ValueError):
        QuietHours.parse("nine to five")


def test_a_message_in_the_evening_waits_until_eight_the_next_morning() -> None:
    evening = datetime(2027, 2, 15, 22, 30, tzinfo=BERLIN)

    hold = hold_for_quiet_hours(GOOD_NEWS, now=evening, zone=BERLIN, quiet_hours=NIGHT)

    assert hold.not_before == datetime(2027, 2, 16, 8, 0, tzinfo=BERLIN)
    assert not hold.urgent


def test_a_message_in_the_small_hours_waits_until_eight_the_same_morning() -> None:
    small_hours = datetime(2027, 2, 16, 1, 0, tzinfo=ZoneInfo("UTC"))

    hold = hold_for_quiet_hours(GOOD_NEWS, now=small_hours, zone=BERLIN, quiet_hours=NIGHT)

    assert hold.not_before == datetime(2027, 2, 16, 8, 0, tzinfo=BERLIN)


def test_a_message_in_the_day_goes_at_once() -> None:
    noon = datetime(2027, 2, 15, 12, 0, tzinfo=BERLIN)

    assert (
        hold_for_quiet_hours(GOOD_NEWS, now=noon, zone=BERLIN, quiet_hours=NIGHT).not_before is None
    )


def test_a_deadline_notice_is_urgent_but_may_wait_for_a_morning_before_its_deadline() -> None:
    evening = datetime(2027, 2, 15, 22, 30, tzinfo=BERLIN)

    hold = hold_for_quiet_hours(FIRST_NOTICE, now=evening, zone=BERLIN, quiet_hours=NIGHT)

    assert hold.urgent
    assert hold.not_before == datetime(2027, 2, 16, 8, 0, tzinfo=BERLIN)


def test_a_deadline_notice_on_its_last_evening_goes_at_once() -> None:
    (notice,) = FIRST_NOTICE
    due_today = replace(notice, decision_deadline=date(2027, 2, 15))
    assert due_today.kind == NoticeKind.DELAY_FIRST
    evening = datetime(2027, 2, 15, 22, 30, tzinfo=BERLIN)

    hold = hold_for_quiet_hours([due_today], now=evening, zone=BERLIN, quiet_hours=NIGHT)

    assert hold == replace(hold, not_before=None, urgent=True)


def test_quiet_hours_ending_at_a_time_the_clocks_skip_end_when_the_jump_is_over() -> None:
    # Santiago's clocks jump from 00:00 to 01:00 on 2026-09-06: 00:30 never shows.
    santiago = ZoneInfo("America/Santiago")
    short_night = QuietHours(time(21, 0), time(0, 30))
    evening = datetime(2026, 9, 5, 22, 0, tzinfo=santiago)

    hold = hold_for_quiet_hours(GOOD_NEWS, now=evening, zone=santiago, quiet_hours=short_night)

    assert hold.not_before == datetime(2026, 9, 6, 1, 0, tzinfo=santiago)


def test_quiet_hours_ending_at_a_time_that_happens_twice_end_the_first_time() -> None:
    # Berlin's clocks go back from 03:00 to 02:00 on 2026-10-25: 02:30 happens twice.
    late_night = QuietHours(time(21, 0), time(2, 30))
    evening = datetime(2026, 10, 24, 23, 0, tzinfo=BERLIN)

    hold = hold_for_quiet_hours(GOOD_NEWS, now=evening, zone=BERLIN, quiet_hours=late_night)

    assert hold.not_before is not None
    assert hold.not_before.astimezone(ZoneInfo("UTC")) == datetime(
        2026, 10, 25, 0, 30, tzinfo=ZoneInfo("UTC")
    )


def test_an_automatic_cancellation_goes_at_once_even_at_night() -> None:
    (notice,) = FIRST_NOTICE
    cancelled = replace(notice, kind=NoticeKind.AUTO_CANCELLED)
    evening = datetime(2027, 2, 15, 22, 30, tzinfo=BERLIN)

    hold = hold_for_quiet_hours([cancelled], now=evening, zone=BERLIN, quiet_hours=NIGHT)

    assert (hold.not_before, hold.urgent) == (None, True)
