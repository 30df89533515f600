"""The daily sweep's schedule across DST gaps and folds in the business's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.daily_schedule import due_sweep_day, next_sweep, sweep_instant

MIDNIGHT = time(0, 0)
SANTIAGO = ZoneInfo("America/Santiago")


def local(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")


def runs_between(start: date, days: int, zone: ZoneInfo, at: time) -> list[str]:
    """Every run on the local dates `start` .. `start + days - 1`, as local wall times."""
    now = datetime.combine(start, time(0), tzinfo=zone).astimezone(UTC) - timedelta(minutes=1)
    end = start + timedelta(days=days)
    runs = []
    while (now := next_sweep(now, zone, at)).astimezone(zone).date() < end:
        runs.append(local(now, zone))
    return runs


def test_santiago_sweeps_on_the_day_whose_midnight_does_not_exist_at_one_oclock() -> None:
    assert runs_between(date(2026, 9, 5), 3, SANTIAGO, MIDNIGHT) == [
        "2026-09-05 00:00 -0400",
        "2026-09-06 01:00 -0300",
        "2026-09-07 00:00 -0300",
    ]


@pytest.mark.parametrize(
    ("zone", "gap_day"),
    [
        ("Africa/Cairo", date(2026, 4, 24)),
        ("Asia/Beirut", date(2026, 3, 29)),
        ("America/Havana", date(2026, 3, 8)),
        ("America/Santiago", date(2026, 9, 6)),
    ],
)
def test_a_midnight_in_a_dst_gap_runs_once_at_the_first_instant_after_it(
    zone: str, gap_day: date
) -> None:
    tz = ZoneInfo(zone)
    instant = sweep_instant(gap_day, tz, MIDNIGHT)

    assert instant.astimezone(tz).time() == time(1, 0)
    assert instant.astimezone(tz).date() == gap_day
    # The instant a second before still shows the previous day: nothing between them exists.
    assert (instant - timedelta(seconds=1)).astimezone(tz).date() == gap_day - timedelta(days=1)
    assert len(runs_between(gap_day - timedelta(days=1), 3, tz, MIDNIGHT)) == 3


def test_a_time_inside_a_gap_runs_when_the_gap_ends_not_later() -> None:
    instant = sweep_instant(date(2026, 9, 6), SANTIAGO, time(0, 30))

    assert local(instant, SANTIAGO) == "2026-09-06 01:00 -0300"


def test_a_wall_clock_time_that_happens_twice_runs_once_at_its_first_occurrence() -> None:
    # Santiago's clocks go back from 24:00 to 23:00 on 2026-04-04: 23:30 happens twice.
    runs = runs_between(date(2026, 4, 3), 3, SANTIAGO, time(23, 30))

    assert runs == [
        "2026-04-03 23:30 -0300",
        "2026-04-04 23:30 -0300",
        "2026-04-05 23:30 -0400",
    ]


def test_new_york_runs_once_in_the_repeated_hour_of_november() -> None:
    zone = ZoneInfo("America/New_York")

    runs = runs_between(date(2026, 11, 1), 2, zone, time(1, 30))

    assert runs == ["2026-11-01 01:30 -0400", "2026-11-02 01:30 -0500"]


def test_the_sweep_is_due_once_its_instant_has_passed_and_only_until_it_is_recorded() -> None:
    at = time(6, 0)
    before = datetime(2026, 9, 7, 8, 59, tzinfo=UTC)  # 05:59 in Santiago
    after = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)  # 06:00

    assert due_sweep_day(before, SANTIAGO, at, date(2026, 9, 6)) is None
    assert due_sweep_day(after, SANTIAGO, at, date(2026, 9, 6)) == date(2026, 9, 7)
    assert due_sweep_day(after, SANTIAGO, at, date(2026, 9, 7)) is None


def test_days_missed_while_the_bot_was_down_are_caught_up_in_one_run() -> None:
    back_up = datetime(2026, 9, 10, 12, 0, tzinfo=UTC)

    assert due_sweep_day(back_up, SANTIAGO, time(6, 0), date(2026, 9, 6)) == date(2026, 9, 10)


def test_before_todays_run_a_missed_run_of_yesterday_is_still_due() -> None:
    early = datetime(2026, 9, 10, 7, 0, tzinfo=UTC)  # 04:00 in Santiago

    assert due_sweep_day(early, SANTIAGO, time(6, 0), date(2026, 9, 8)) == date(2026, 9, 9)
    assert due_sweep_day(early, SANTIAGO, time(6, 0), None) == date(2026, 9, 9)


def test_a_time_with_seconds_inside_a_gap_still_runs_when_the_gap_ends() -> None:
    instant = sweep_instant(date(2026, 9, 6), SANTIAGO, time(0, 15, 30, 250_000))

    assert instant == datetime(2026, 9, 6, 4, 0, tzinfo=UTC)
