"""Builds the shared runtime pieces from settings: clock, ETA rules, store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import holidays

from bot.clock import Clock, FrozenClock, SystemClock
from bot.config import Settings
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from storage.store import SqlStore, open_store


def make_clock(settings: Settings) -> Clock:
    """The clock: frozen when BACKORDER_NOW is set, else the system clock."""
    if settings.frozen_now is not None:
        return FrozenClock(settings.frozen_now)
    return SystemClock()


def make_rules(settings: Settings) -> EtaRules:
    """ETA rules with the business calendar of the configured country."""
    country = settings.holidays_country
    days_off = holidays.country_holidays(country) if country else frozenset()
    return EtaRules(
        calendar=BusinessCalendar(holidays=days_off),
        default_handling_days=settings.handling_days,
    )


@asynccontextmanager
async def store_session(settings: Settings) -> AsyncIterator[SqlStore]:
    """An open store, upgraded to the newest schema, on the configured database; closed on exit."""
    store = await open_store(settings.database_target)
    try:
        yield store
    finally:
        await store.close()
