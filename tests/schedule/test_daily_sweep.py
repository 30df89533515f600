"""The daily sweep runs once every day in the business's zone, DST and downtime included."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.i18n import Catalogs
from bot.jobs import start_up, sweep_if_due
from bot.services.eta import RECOMPUTE_MARK
from storage.store import SqlStore
from tests.schedule.conftest import available, lead, services_at, with_settings

SANTIAGO = ZoneInfo("America/Santiago")


def at_local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A wall-clock moment in `zone` (the first one when it happens twice)."""
    return datetime.combine(day, clock, tzinfo=zone)


@pytest.mark.parametrize(
    ("zone", "gap_day"),
    [
        ("America/Santiago", date(2026, 9, 6)),
        ("Africa/Cairo", date(2026, 4, 24)),
        ("Asia/Beirut", date(2026, 3, 29)),
        ("America/Havana", date(2026, 3, 8)),
    ],
)
async def test_a_midnight_sweep_still_runs_on_the_day_whose_midnight_does_not_exist(
    store: SqlStore, catalogs: Catalogs, zone: str, gap_day: date
) -> None:
    tz = ZoneInfo(zone)
    eve = gap_day - timedelta(days=1)
    settings = Settings(timezone=tz, daily_sweep_at=time(0, 0))
    services = services_at(store, catalogs, settings, at_local(eve, time(0, 0), tz))
    bot_data: dict[object, object] = {}
    await start_up(bot_data, services)
    assert await available(store) == lead(eve)

    # The last second of the eve, then the first instant of the gap day (its 01:00).
    gap_ends = at_local(gap_day, time(1, 0), tz).astimezone(UTC)
    services.clock.moment = gap_ends - timedelta(seconds=1)  # type: ignore[attr-defined]
    assert not await sweep_if_due(bot_data, services)
    assert await available(store) == lead(eve)
    services.clock.moment = gap_ends  # type: ignore[attr-defined]
    assert await sweep_if_due(bot_data, services)
    assert await available(store) == lead(gap_day)

    services.clock.moment = at_local(gap_day + timedelta(days=1), time(0, 0), tz)  # type: ignore[attr-defined]
    assert await sweep_if_due(bot_data, services)
    assert await available(store) == lead(gap_day + timedelta(days=1))


async def test_a_sweep_time_that_happens_twice_runs_only_the_first_time(
    store: SqlStore, catalogs: Catalogs
) -> None:
    # Santiago's clocks go back from 24:00 to 23:00 on 2026-04-04: 23:30 happens twice.
    day = date(2026, 4, 4)
    first = at_local(day, time(23, 30), SANTIAGO).astimezone(UTC)
    settings = Settings(timezone=SANTIAGO, daily_sweep_at=time(23, 30))
    services = services_at(store, catalogs, settings, first - timedelta(hours=2))
    bot_data: dict[object, object] = {}
    await start_up(bot_data, services)

    services.clock.moment = first  # type: ignore[attr-defined]
    assert await sweep_if_due(bot_data, services)
    mark = await store.get_setting(RECOMPUTE_MARK)
    services.clock.moment = first + timedelta(hours=1)  # type: ignore[attr-defined]
    assert services.clock.now().astimezone(SANTIAGO).strftime("%H:%M") == "23:30"

    assert not await sweep_if_due(bot_data, services)
    assert await store.get_setting(RECOMPUTE_MARK) == mark


async def test_a_sweep_missed_while_the_bot_was_down_runs_when_it_starts(
    store: SqlStore, catalogs: Catalogs
) -> None:
    settings = Settings(timezone=SANTIAGO, daily_sweep_at=time(6, 0))
    services = services_at(store, catalogs, settings, at_local(date(2026, 9, 8), time(9), SANTIAGO))
    await start_up({}, services)
    assert await available(store) == lead(date(2026, 9, 8))

    # Down from the 8th's afternoon until the 10th at noon: two runs were missed.
    services.clock.moment = at_local(date(2026, 9, 10), time(12), SANTIAGO)  # type: ignore[attr-defined]
    restarted: dict[object, object] = {}
    await start_up(restarted, services)

    assert await available(store) == lead(date(2026, 9, 10))
    assert not await sweep_if_due(restarted, services)


async def test_a_restart_later_the_same_day_does_not_sweep_again(
    store: SqlStore, catalogs: Catalogs
) -> None:
    settings = Settings(timezone=SANTIAGO, daily_sweep_at=time(6, 0))
    services = services_at(store, catalogs, settings, at_local(date(2026, 9, 8), time(9), SANTIAGO))
    await start_up({}, services)
    mark = await store.get_setting(RECOMPUTE_MARK)

    services.clock.moment = at_local(date(2026, 9, 8), time(15), SANTIAGO)  # type: ignore[attr-defined]
    await start_up({}, services)

    assert await store.get_setting(RECOMPUTE_MARK) == mark


async def test_changed_date_settings_move_every_date_at_the_next_start_and_say_so_once(
    store: SqlStore, catalogs: Catalogs, caplog: pytest.LogCaptureFixture
) -> None:
    # Thursday 2026-12-24: an estimate ten days on is Sunday 3 Jan; it ships Monday 4 Jan.
    now = datetime(2026, 12, 24, 15, 0, tzinfo=UTC)
    services = services_at(store, catalogs, Settings(handling_days=1), now)
    await start_up({}, services)
    before = await _ship_date(store)

    caplog.set_level(logging.INFO, logger="bot.jobs")
    slower = with_settings(services, handling_days=3)
    await start_up({}, slower)
    after = await _ship_date(store)
    await start_up({}, slower)

    assert slower.rules.calendar.add_business_days(date.fromisoformat(before), 2) == (
        date.fromisoformat(after)
    )
    changed = [r.getMessage() for r in caplog.records if "recomputing every date" in r.message]
    assert changed == ["BACKORDER_HANDLING_DAYS changed since the last run: recomputing every date"]


async def test_new_holidays_move_a_ship_date_off_the_holiday_at_the_next_start(
    store: SqlStore, catalogs: Catalogs
) -> None:
    # Estimated on Dec 14: available on Dec 24, shipped one business day later.
    now = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)
    services = services_at(store, catalogs, Settings(), now)
    await start_up({}, services)
    assert await _ship_date(store) == "2026-12-25"

    await start_up({}, with_settings(services, holidays_country="US"))

    assert await _ship_date(store) == "2026-12-28"


async def _ship_date(store: SqlStore) -> str:
    from bot.services.status import order_json, order_view

    view = await order_view(store, "O-1")
    assert view is not None
    return str(order_json(view)["estimated_ship_date"])
