"""Staff are alerted again about an order's undelivered notices only when what the law requires
of them changed (the ship-by date, the refund), not for each notice that repeats it."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.model import Customer, Jurisdiction, Order, OrderLine
from bot.sandbox.client import SandboxClient
from bot.services.importing import import_csv
from storage.store import SqlStore
from tests.notices import shop
from tests.notices.conftest import bot_messages
from tests.notices.test_delivery_e2e import settled
from tests.notices.test_reachable_again_e2e import (
    STAFF,
    clock,
    run_shop_bot,
    us_chair_order,
)

__all__ = ["clock", "run_shop_bot"]

ORDER = "9401"


async def _move_po(store: SqlStore, directory: Path, due: date, notices: int) -> None:
    """The supplier's file moves PO-1 to `due`; wait until the order's `notices`th is settled."""
    path = directory / f"po-{due.isoformat()}.csv"
    path.write_text(
        f"po_id,sku,quantity,expected_date\nPO-1,CHAIR,10000,{due.isoformat()}\n",
        encoding="utf-8",
    )
    await import_csv(
        store,
        "purchase-orders",
        path,
        timezone=ZoneInfo("UTC"),
        rules=shop.RULES,
        now=shop.NOW,
        actor="cli",
    )
    for _ in range(150):
        if len(await store.notice_history(ORDER)) >= notices:
            break
        await asyncio.sleep(0.1)
    assert len(await store.notice_history(ORDER)) == notices
    assert await settled(store, [ORDER]) == ["undelivered"]


async def _alerts(client: SandboxClient) -> list[str]:
    return [
        m["text"] for m in await bot_messages(client, STAFF) if f"Order {ORDER} of" in m["text"]
    ]


async def test_a_po_moved_again_while_the_customer_has_no_chat_alerts_staff_only_on_new_terms(
    store: SqlStore, client: SandboxClient, run_shop_bot: Any, tmp_path: Path
) -> None:
    await us_chair_order(store, "C-OLLI", "Olli", ORDER)
    await client.create_user(STAFF, "Sam", language_code="en")

    async with run_shop_bot():
        await _move_po(store, tmp_path, date(2026, 12, 28), notices=2)
        await client.wait_for(STAFF, after=0, count=1, timeout=15)
        await _move_po(store, tmp_path, date(2026, 12, 30), notices=3)
        await asyncio.sleep(2.5)  # several settle ticks: no second alert may follow
        after_second_move = await _alerts(client)
        # The customer adds a second chair: the refund staff must offer changes.
        customer = Customer("C-OLLI", "Olli", email="olli@example.com", language="en")
        order = Order(
            ORDER,
            "C-OLLI",
            shop.NOW - timedelta(days=1),
            "EUR",
            promised_ship_date=shop.PROMISED,
            jurisdiction=Jurisdiction.US,
            lines=(OrderLine(ORDER, 1, "CHAIR", 2, shop.CHAIR_PRICE),),
        )
        await store.upsert_orders([customer], [order], actor="test", at=shop.NOW)
        await _move_po(store, tmp_path, date(2027, 1, 4), notices=4)
        await client.wait_for(STAFF, after=0, count=2, timeout=15)
        await asyncio.sleep(2.5)
        alerts = await _alerts(client)

    (first,) = after_second_move
    assert "must ship by Dec 18, 2026" in first and "€149.00" in first
    assert len(alerts) == 2 and alerts[0] == first
    assert "must ship by Dec 18, 2026" in alerts[1] and "€298.00" in alerts[1]
