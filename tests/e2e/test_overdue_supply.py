"""A customer waiting on a supplier delivery past its due date reads that it is late."""

from __future__ import annotations

from datetime import date

from bot.config import Settings
from bot.domain.model import PoStatus, PurchaseOrder
from bot.services.eta import recompute_etas
from bot.services.linking import deep_link_for_order
from storage.store import SqlStore
from tests.e2e import shop
from tests.e2e.conftest import Users

PAST_DUE = date(2026, 11, 20)


async def test_a_customer_whose_delivery_is_overdue_reads_it_is_late_not_confirmed(
    users: Users, store: SqlStore, settings: Settings
) -> None:
    late = PurchaseOrder("PO-1", "CHAIR", 10, PAST_DUE, status=PoStatus.CONFIRMED)
    await store.upsert_purchase_orders([late], actor="test", at=shop.NOW)
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    url = await deep_link_for_order(store, settings, "2002", now=shop.NOW)
    assert url is not None
    bob = await users.create(551, "Bob", language_code="en")
    await bob.say(f"/start {url.split('start=')[1]}", replies=2)

    detail = await bob.tap("2002")

    text = detail["text"]
    assert "Delayed: the supplier's delivery was due Nov 20 and is late" in text
    assert "Confirmed" not in text
    # The earliest it can ship: the delivery could come today, plus one day of handling.
    assert "estimated to ship Dec 3, 2026" in text
