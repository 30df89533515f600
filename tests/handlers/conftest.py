"""Fixtures for handler tests: the shipped catalogs and a real store with one customer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import Services
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Customer, Order, OrderLine, Product
from bot.i18n import Catalogs
from storage.store import open_store

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The shipped catalogs."""
    return Catalogs.load()


@pytest.fixture
async def services(database_url: str, catalogs: Catalogs) -> AsyncIterator[Services]:
    """Services on the test's database holding customer C-1 (orders in Spanish) and order 1."""
    store = await open_store(database_url)
    product = Product("LAMP", "Lamp", 1000, "EUR", on_hand=1)
    await store.upsert_products([product], actor="test", at=NOW)
    customer = Customer("C-1", "Ana", language="es")
    order = Order("1", "C-1", NOW, "EUR", lines=(OrderLine("1", 1, "LAMP", 1, 1000),))
    await store.upsert_orders([customer], [order], actor="test", at=NOW)
    yield Services(
        settings=Settings(),
        store=store,
        clock=FrozenClock(NOW),
        rules=EtaRules(calendar=BusinessCalendar(), default_handling_days=1),
        catalogs=catalogs,
    )
    await store.close()
