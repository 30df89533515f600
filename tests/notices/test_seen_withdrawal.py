"""A notice taken back before it was sent leaves the dates the customer saw on screen since.

The sequence a customer met (issue 11's QA, order 10485): news held for the morning, the order's
new date seen on an order screen meanwhile, then the date moved later before the news went. The
news was taken back and the order's state returned to what it was decided from, forgetting the
date seen: the later date was then told as "sooner".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.delays import NoticeKind, QuietHours
from bot.domain.model import Customer, Order, OrderLine, Product, PurchaseOrder
from bot.i18n import Catalogs
from bot.services.eta import recompute_etas
from bot.services.notices import mark_communicated, mark_shown
from bot.services.purchase_order_changes import move_expected_date
from bot.services.status import open_order_views
from bot.services.stock import set_on_hand_units
from bot.services.supply_impact import NoticeSettings, SupplyChange
from handlers.notices import make_renderer
from storage.store import SqlStore
from tests.notices import shop
from tests.sql import fetch_all

CUSTOMER = "C-9501"
ORDER = "O-9501"
CHAT = 9501
EVENING = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # quiet hours: news waits for 08:00
SUPPLY_DUE = date(2026, 12, 28)  # ships Tue 29 Dec: the date the customer was told first
TOLD_FIRST = date(2026, 12, 29)
READY_SHIPS = date(2026, 12, 3)  # from stock, the day after the evening it arrived
EARLIER_SUPPLY_DUE = date(2026, 12, 14)
LATER_THAN_SEEN = date(2026, 12, 15)  # after the date seen, before the date told first

Look = Callable[[SqlStore, datetime], Awaitable[None]]


async def looks_at_orders(store: SqlStore, now: datetime) -> None:
    """The customer opens /orders: one read, the dates shown recorded as told (handlers)."""
    read = await store.customer_open_orders(CUSTOMER)
    (view,) = open_order_views(read)
    assert view.estimated_ship_date == READY_SHIPS
    await mark_shown(
        store,
        CUSTOMER,
        read.orders,
        read.etas,
        now=now,
        states=read.notice_states,
        unshown=read.unshown_notices,
    )


async def links_again(store: SqlStore, now: datetime) -> None:
    """The customer links the chat again: every open order's dates count as seen."""
    await mark_communicated(store, CUSTOMER, now=now)


async def seed(store: SqlStore) -> None:
    """A linked customer (no jurisdiction: news only) waiting on a chair told to ship Dec 29."""
    chair = Product("CHAIR", "Office chair", shop.CHAIR_PRICE, "EUR", on_hand=0, lead_time_days=30)
    await store.upsert_products([chair], actor="test", at=shop.NOW)
    await store.upsert_purchase_orders(
        [PurchaseOrder("PO-1", "CHAIR", 100, SUPPLY_DUE)], actor="test", at=shop.NOW
    )
    order = Order(
        ORDER,
        CUSTOMER,
        shop.NOW - timedelta(days=1),
        "EUR",
        lines=(OrderLine(ORDER, 1, "CHAIR", 1, shop.CHAIR_PRICE),),
    )
    customer = Customer(CUSTOMER, "Alex Morgan", language="en")
    await store.upsert_orders([customer], [order], actor="test", at=shop.NOW)
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    await store.link_chat(CHAT, CUSTOMER, via="deep_link", actor="test", at=shop.NOW)
    await mark_communicated(store, CUSTOMER, now=shop.NOW)


def notice_settings(catalogs: Catalogs) -> NoticeSettings:
    """The bot's settings: news held through quiet hours, 21:00-08:00."""
    return NoticeSettings(
        timezone=ZoneInfo("UTC"),
        rules=shop.RULES,
        refund_days=14,
        quiet_hours=QuietHours.parse("21:00-08:00"),
        render=make_renderer(catalogs),
    )


async def held_texts(store: SqlStore) -> list[str]:
    """The messages waiting for the customer's chat."""
    rows = await fetch_all(
        store,
        "SELECT text FROM outbox WHERE chat_id = :chat AND status = 'pending' ORDER BY id",
        chat=CHAT,
    )
    return [str(row[0]) for row in rows]


async def stock_counted_wrong(
    store: SqlStore, catalogs: Catalogs, look: Look | None
) -> SupplyChange[Product]:
    """The evening: a chair counted in stock (ready news held for the morning), the customer
    looks (when `look`), the supplier's delivery moves earlier, and the count is corrected to
    nothing: the chair waits for the delivery, later than the date seen, sooner than the first."""
    settings = notice_settings(catalogs)
    arrived = await set_on_hand_units(
        store, "CHAIR", 1, actor="staff:555", now=EVENING, settings=settings
    )
    assert isinstance(arrived, SupplyChange)
    assert arrived.impact.notices == {NoticeKind.READY_TO_SHIP: 1}
    (held,) = await held_texts(store)
    assert "ready to ship" in held or "in stock" in held
    if look is not None:
        await look(store, EVENING + timedelta(minutes=5))
    earlier = await move_expected_date(
        store,
        "PO-1",
        EARLIER_SUPPLY_DUE,
        actor="staff:555",
        now=EVENING + timedelta(minutes=10),
        settings=settings,
    )
    # Why: the chair ships from stock either way; the held ready news still holds.
    assert isinstance(earlier, SupplyChange) and earlier.impact.notices_queued == 0
    assert await held_texts(store) == [held]
    corrected = await set_on_hand_units(
        store, "CHAIR", 0, actor="staff:555", now=EVENING + timedelta(minutes=15), settings=settings
    )
    assert isinstance(corrected, SupplyChange)
    return corrected


@pytest.mark.parametrize("look", [looks_at_orders, links_again])
async def test_a_date_later_than_the_one_seen_on_screen_is_a_delay_never_sooner(
    store: SqlStore, catalogs: Catalogs, look: Look
) -> None:
    await seed(store)

    corrected = await stock_counted_wrong(store, catalogs, look)

    assert corrected.impact.later == 1
    assert corrected.impact.notices == {NoticeKind.DELAY_INFO: 1}
    last = (await store.notice_history(ORDER))[-1].notice
    assert (last.kind, last.previous_date, last.revised_date) == (
        NoticeKind.DELAY_INFO,
        READY_SHIPS,
        LATER_THAN_SEEN,
    )
    (held,) = await held_texts(store)
    assert "Dec 15, 2026" in held
    assert "sooner" not in held and "Good news" not in held
    kinds = [record.notice.kind for record in await store.notice_history(ORDER)]
    assert NoticeKind.GOOD_NEWS not in kinds


async def test_a_customer_who_did_not_look_hears_the_date_is_sooner_than_the_one_told(
    store: SqlStore, catalogs: Catalogs
) -> None:
    await seed(store)

    corrected = await stock_counted_wrong(store, catalogs, None)

    last = (await store.notice_history(ORDER))[-1].notice
    assert (last.kind, last.previous_date, last.revised_date) == (
        NoticeKind.GOOD_NEWS,
        TOLD_FIRST,
        LATER_THAN_SEEN,
    )
    assert corrected.impact.notices == {NoticeKind.GOOD_NEWS: 1}
    (held,) = await held_texts(store)
    assert "sooner, on Dec 15, 2026" in held
