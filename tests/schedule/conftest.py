"""A one-line shop in a real database whose estimate moves with the business's today."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import Services
from bot.domain.model import Customer, Order, OrderLine, Product
from bot.i18n import Catalogs
from bot.runtime import make_rules
from bot.services.status import order_json, order_view
from storage.store import SqlStore, open_store

LEAD_DAYS = 10
ORDER_ID = "O-1"
PLACED = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The shipped catalogs, compiled once."""
    return Catalogs.load()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """A migrated store with one open order of a product that has no stock and no supply."""
    opened = await open_store(database_url)
    # Why: with no stock and no purchase order the line waits the lead time from today.
    lamp = Product("LAMP", "Desk lamp", 4900, "USD", on_hand=0, lead_time_days=LEAD_DAYS)
    await opened.upsert_products([lamp], actor="test", at=PLACED)
    order = Order(
        ORDER_ID,
        "C-1",
        PLACED,
        "USD",
        lines=(OrderLine(ORDER_ID, 1, "LAMP", 1, 4900),),
    )
    await opened.upsert_orders([Customer("C-1", "Ann")], [order], actor="test", at=PLACED)
    yield opened
    await opened.close()


def services_at(store: SqlStore, catalogs: Catalogs, settings: Settings, now: datetime) -> Services:
    """The bot's services on this store, the clock stopped at `now`."""
    return Services(settings, store, FrozenClock(now), make_rules(settings), catalogs)


def with_settings(services: Services, **changes: object) -> Services:
    """The same store and clock with other settings (as after a restart with a changed .env)."""
    settings = dataclasses.replace(services.settings, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(services, settings=settings, rules=make_rules(settings))


async def available(store: SqlStore) -> str:
    """The date the customer's line is expected to be available, as `order --json` shows it."""
    view = await order_view(store, ORDER_ID)
    assert view is not None
    return str(order_json(view)["lines"][0]["available_date"])  # type: ignore[index]


def lead(day: date) -> str:
    """The available date of an estimate made on business day `day`."""
    return (day + timedelta(days=LEAD_DAYS)).isoformat()
