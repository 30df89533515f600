"""What the bot remembers between runs: the last daily sweep and the date settings it ran with."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date

from bot.config import Settings
from bot.domain.store import Store

_SWEPT_DAY_SETTING = "daily_sweep_day"
_DATE_SETTINGS_SETTING = "date_settings"


def date_settings(settings: Settings) -> dict[str, str]:
    """The settings that move dates (DESIGN §2), by variable name, as comparable text."""
    return {
        "BACKORDER_TIMEZONE": settings.timezone.key,
        "BACKORDER_HOLIDAYS": settings.holidays_country or "",
        "BACKORDER_HANDLING_DAYS": str(settings.handling_days),
    }


async def changed_date_settings(store: Store, current: Mapping[str, str]) -> list[str] | None:
    """Names whose value differs from the last run's; None when no run recorded them yet."""
    stored = await store.get_setting(_DATE_SETTINGS_SETTING)
    if stored is None:
        return None
    previous = json.loads(stored)
    return [name for name, value in current.items() if previous.get(name) != value]


async def remember_date_settings(store: Store, current: Mapping[str, str]) -> None:
    """Record the date settings this run uses."""
    await store.set_setting(_DATE_SETTINGS_SETTING, json.dumps(dict(current), sort_keys=True))


async def last_swept_day(store: Store) -> date | None:
    """The business day of the last completed daily sweep, if any."""
    stored = await store.get_setting(_SWEPT_DAY_SETTING)
    return date.fromisoformat(stored) if stored else None


async def record_swept_day(store: Store, day: date) -> None:
    """Remember that the daily sweep of `day` is done."""
    await store.set_setting(_SWEPT_DAY_SETTING, day.isoformat())
