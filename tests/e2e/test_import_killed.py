"""An import killed after its rows commit and before its recompute: the running bot dates the new
lines at its next tick, and the customer's order screen shows them (issue 8)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storage.store import SqlStore
from tests.e2e import shop
from tests.e2e.conftest import Users
from tests.recovery.killed import import_killed_before_recompute

NEW_ORDER = (
    "order_id,customer_id,customer_name,placed_at,sku,quantity,unit_price,currency\n"
    "5005,C-BOB,Bob,2026-12-01T10:00:00+00:00,LAMP,1,29.99,EUR\n"
)


async def caught_up(store: SqlStore) -> None:
    """Until no change waits for a recompute (the bot's tick comes each second)."""
    for _ in range(200):
        if not (await store.eta_marks()).pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the running bot never recomputed what the killed import left")


async def test_the_order_screen_dates_the_lines_of_an_import_killed_before_its_recompute(
    users: Users, store: SqlStore, database_url: str, tmp_path: Path
) -> None:
    await store.link_chat(561, "C-BOB", via="contact", actor="test", at=shop.NOW)
    bob = await users.create(561, "Bob", language_code="en")

    await import_killed_before_recompute(
        database_url, "orders", NEW_ORDER, now=shop.NOW, folder=tmp_path
    )
    await caught_up(store)

    await bob.say("/orders")
    detail = await bob.tap("5005")
    assert f"ships {shop.LAMP_SHIPS:%b} {shop.LAMP_SHIPS.day}, 2026" in detail["text"]
    assert "no estimated ship date" not in detail["text"]
