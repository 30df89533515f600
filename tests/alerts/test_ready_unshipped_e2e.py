"""An order in stock and ready to ship that nobody marked shipped by its promised date.

Under the US rule the shop, having sent no delay notice, cancels it the day after: the customer
is told why (not "as we told you": nobody told them anything) and staff are alerted once per
order. An EU order is not cancelled (its customer is asked about the late date); staff are
alerted all the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.clock import FrozenClock
from bot.domain.model import Customer, Jurisdiction, LineStatus, Order, OrderLine, Product
from bot.sandbox.client import SandboxClient
from bot.services.eta import recompute_etas
from bot.services.notices import mark_communicated
from storage.store import SqlStore
from tests.alerts.conftest import (
    ALEX,
    SAM,
    alerts_in,
    button_data,
    make_staff,
    moved,
    plain,
    settle,
    wait_for_alert,
)
from tests.notices import shop
from tests.notices.conftest import bot_messages, make_users

US_BUYER = shop.Buyer(901, jurisdiction=Jurisdiction.US)
EU_BUYER = shop.Buyer(902, jurisdiction=Jurisdiction.EU)
PROMISED = date(2026, 12, 3)
DAY_AFTER = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
HEADING = "An order ready to ship was not shipped by its promised date"


async def seed_ready_orders(store: SqlStore) -> None:
    """A lamp in stock, one order of it per buyer, promised to ship on 3 December."""
    lamp = Product("LAMP", "Desk lamp", 4900, "EUR", on_hand=10, lead_time_days=5)
    await store.upsert_products([lamp], actor="test", at=shop.NOW)
    buyers = (US_BUYER, EU_BUYER)
    customers = [Customer(b.customer_id, f"Buyer {b.chat_id}", language="en") for b in buyers]
    orders = [
        Order(
            b.order_id,
            b.customer_id,
            shop.NOW - timedelta(days=1),
            "EUR",
            promised_ship_date=PROMISED,
            jurisdiction=b.jurisdiction,
            lines=(OrderLine(b.order_id, 1, "LAMP", 1, 4900),),
        )
        for b in buyers
    ]
    await store.upsert_orders(customers, orders, actor="test", at=shop.NOW)
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    for buyer in buyers:
        await store.link_chat(
            buyer.chat_id, buyer.customer_id, via="deep_link", actor="test", at=shop.NOW
        )
        await mark_communicated(store, buyer.customer_id, now=shop.NOW)


async def test_a_ready_order_past_its_promise_is_cancelled_with_the_true_reason_and_alerted_once(
    store: SqlStore, client: SandboxClient, run_bot: Any, clock: FrozenClock
) -> None:
    await seed_ready_orders(store)
    await make_users(client, [US_BUYER, EU_BUYER])
    await make_staff(client)
    moved(clock, DAY_AFTER)
    async with run_bot():
        await wait_for_alert(client, SAM, US_BUYER.order_id)
        await wait_for_alert(client, SAM, EU_BUYER.order_id)
        await wait_for_alert(client, ALEX, EU_BUYER.order_id)
        (told,) = await client.wait_for(US_BUYER.chat_id, after=0, count=1, timeout=15)
    async with run_bot():
        await settle()

    text = plain(str(told["text"]))
    assert "Order O-901 is cancelled" in text
    assert "did not tell you of a delay in time" in text
    assert "as we told you" not in text
    assert "4.90" in text or "49.00" in text
    us_order = await store.get_order(US_BUYER.order_id)
    eu_order = await store.get_order(EU_BUYER.order_id)
    assert us_order is not None and eu_order is not None
    assert [line.status for line in us_order.lines] == [LineStatus.CANCELLED]
    assert [line.status for line in eu_order.lines] == [LineStatus.OPEN]
    # The EU rule asks the customer about the late date; it cancels nothing on its own.
    assert [
        "is cancelled" in str(m["text"]) for m in await bot_messages(client, EU_BUYER.chat_id)
    ] == [False]

    for chat in (SAM, ALEX):
        alerts = await alerts_in(client, chat, HEADING)
        assert len(alerts) == 2, chat
        us_alert, eu_alert = sorted(alerts, key=lambda m: "O-901" not in plain(str(m["text"])))
        us_text, eu_text = plain(str(us_alert["text"])), plain(str(eu_alert["text"]))
        assert "Order O-901 of Buyer 901 (customer C-901)." in us_text
        assert "not marked shipped by Dec 3, 2026" in us_text
        assert "it was cancelled automatically" in us_text
        assert "Order O-902 of Buyer 902 (customer C-902)." in eu_text
        assert "Ship it, or tell the customer when it will ship." in eu_text
        assert "cancelled" not in eu_text
        assert button_data(eu_alert, "Show order").startswith("al:")
