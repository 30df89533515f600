"""An import killed between its rows and its ETA recompute: the running bot's next tick, or the
next start, recomputes what it left behind, from the durable mark written with the rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import Services
from bot.domain.model import Customer, Order, OrderLine, Product
from bot.i18n import Catalogs
from bot.jobs import start_up, sweep_when_recomputed
from bot.runtime import make_rules
from bot.services.eta import RECOMPUTE_MARK, recompute_etas
from bot.services.status import order_json, order_view
from storage.store import SqlStore, open_store
from tests.recovery.killed import import_killed_before_recompute

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday
SETTINGS = Settings(link_secret="recovery-secret")
ORDERS = (
    "order_id,customer_id,customer_name,placed_at,sku,quantity,unit_price,currency\n"
    "5005,C-DORA,Dora,2026-12-01T10:00:00+00:00,LAMP,1,29.99,EUR\n"
    "5005,C-DORA,Dora,2026-12-01T10:00:00+00:00,DESK,1,499.00,EUR\n"
)


async def a_shop(path: str) -> SqlStore:
    """A lamp in stock, a desk with a 21-day lead time, one earlier order, dates computed."""
    store = await open_store(path)
    products = [
        Product("LAMP", "Desk lamp", 2999, "EUR", on_hand=5),
        Product("DESK", "Standing desk", 49900, "EUR", on_hand=0, lead_time_days=21),
    ]
    await store.upsert_products(products, actor="test", at=NOW)
    lines = (OrderLine("4004", 1, "LAMP", 1, 2999), OrderLine("4004", 2, "DESK", 1, 49900))
    first = Order("4004", "C-ED", NOW, "EUR", lines=lines)
    await store.upsert_orders([Customer("C-ED", "Ed")], [first], actor="test", at=NOW)
    await recompute_etas(store, rules=make_rules(SETTINGS), today=NOW.date())
    return store


def services(store: SqlStore, catalogs: Catalogs) -> Services:
    """The running bot's services on this store, its clock stopped at NOW."""
    return Services(SETTINGS, store, FrozenClock(NOW), make_rules(SETTINGS), catalogs)


async def ship_dates(store: SqlStore, order_id: str) -> list[object]:
    """Each line's estimated ship date as `backorder-bot order --json` prints it."""
    view = await order_view(store, order_id)
    assert view is not None
    lines = order_json(view)["lines"]
    assert isinstance(lines, list)
    return [line["estimated_ship_date"] for line in lines]


SHIPS = ["2026-12-03", "2026-12-24"]  # the lamp from stock; the desk after its lead time


async def test_the_running_bot_dates_the_lines_of_a_killed_import_at_its_next_tick(
    database_url: str, tmp_path: Path, catalogs: Catalogs
) -> None:
    store = await a_shop(database_url)
    try:
        bot_data: dict[object, object] = {}
        running = services(store, catalogs)
        await start_up(bot_data, running)
        swept = await store.get_setting(RECOMPUTE_MARK)

        await import_killed_before_recompute(
            database_url, "orders", ORDERS, now=NOW, folder=tmp_path
        )
        assert await ship_dates(store, "5005") == [None, None]

        await sweep_when_recomputed(_Tick(bot_data, running))  # type: ignore[arg-type]

        assert await ship_dates(store, "5005") == SHIPS
        assert not (await store.eta_marks()).pending
        # The notice sweep ran on the new dates, as after any recompute.
        assert await store.get_setting(RECOMPUTE_MARK) != swept
    finally:
        await store.close()


async def test_the_next_start_dates_the_lines_of_a_killed_import(
    database_url: str, tmp_path: Path, catalogs: Catalogs
) -> None:
    earlier = await a_shop(database_url)
    # The bot ran earlier today (its daily sweep is done) and was stopped.
    await start_up({}, services(earlier, catalogs))
    await earlier.close()
    await import_killed_before_recompute(database_url, "orders", ORDERS, now=NOW, folder=tmp_path)

    store = await open_store(database_url)
    try:
        assert await ship_dates(store, "5005") == [None, None]
        await start_up({}, services(store, catalogs))
        assert await ship_dates(store, "5005") == SHIPS
    finally:
        await store.close()


class _Tick:
    """What a JobQueue callback reads from its context: the bot's data and services."""

    def __init__(self, bot_data: dict[object, object], services: Services) -> None:
        self.bot_data = bot_data
        self.services = services


@pytest.mark.parametrize(
    ("kind", "csv_text", "ships"),
    [
        # The lamp runs out (10 days' lead time): Sat 12 Dec, shipped the next business day.
        (
            "products",
            "sku,name,price,currency,on_hand,lead_time_days\nLAMP,Desk lamp,29.99,EUR,0,10\n",
            ["2026-12-14", "2026-12-24"],
        ),
        # A delivery of desks is due Wed 9 Dec.
        (
            "purchase-orders",
            "po_id,sku,quantity,expected_date\nPO-9,DESK,5,2026-12-09\n",
            ["2026-12-03", "2026-12-10"],
        ),
    ],
)
async def test_the_running_bot_moves_the_dates_a_killed_import_of_supply_changed(
    database_url: str,
    tmp_path: Path,
    catalogs: Catalogs,
    kind: str,
    csv_text: str,
    ships: list[str],
) -> None:
    store = await a_shop(database_url)
    try:
        bot_data: dict[object, object] = {}
        running = services(store, catalogs)
        await start_up(bot_data, running)
        assert await ship_dates(store, "4004") == SHIPS

        await import_killed_before_recompute(database_url, kind, csv_text, now=NOW, folder=tmp_path)
        assert await ship_dates(store, "4004") == SHIPS
        await sweep_when_recomputed(_Tick(bot_data, running))  # type: ignore[arg-type]

        assert await ship_dates(store, "4004") == ships
    finally:
        await store.close()
