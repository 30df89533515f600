"""What happened in the demo shop before the demo starts, beyond what its CSV files say."""

from __future__ import annotations

from datetime import datetime

from bot.demo.catalogue import UNKNOWN_SKU
from bot.demo.seed import Shop
from bot.domain.delays import ConsentState, NoticeState
from bot.domain.notice_store import NoticeStore


def open_ended_wait_order(shop: Shop) -> str:
    """The demo customer's order with the item no supplier has dated yet."""
    customer_id = shop.demo_customer.customer_id
    return next(
        row["order_id"]
        for row in shop.orders
        if row["customer_id"] == customer_id and row["sku"] == UNKNOWN_SKU
    )


async def record_open_ended_wait(store: NoticeStore, shop: Shop, *, at: datetime) -> None:
    """The demo customer agreed (by email, before the demo) to wait for the undated item."""
    # Why: a US order without a date otherwise asks its FTC question on linking, and the demo's
    # first notice should be the one the staged supplier slip causes.
    agreed = NoticeState(
        order_id=open_ended_wait_order(shop),
        deadline=None,
        communicated_date=None,
        communicated_at=at,
        consent=ConsentState.INDEFINITE,
    )
    await store.save_notice_states([agreed], action="notice.consent", actor="demo", at=at)
