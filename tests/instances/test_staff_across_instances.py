"""A staff wizard whose steps land on different instances goes on where it was (DESIGN §13)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from storage.store import open_store
from tests.instances.conftest import two_instances
from tests.notices import shop
from tests.notices.conftest import make_users
from tests.staff.test_po_chat import data, plain

pytestmark = pytest.mark.postgresql

TOKEN = "100000001:instances-staff"
STAFF_ID = 555
BUYERS = [shop.Buyer(811), shop.Buyer(812, language="de")]


async def events_after(
    client: SandboxClient, chat_id: int, after: int, count: int = 1
) -> list[dict[str, Any]]:
    return await client.wait_for(chat_id, after=after, count=count, timeout=15)


async def test_a_po_date_asked_on_one_instance_is_typed_on_the_other_and_customers_hear(
    postgres_url: str, sandbox: Sandbox, client: SandboxClient, catalogs: Catalogs
) -> None:
    store = await open_store(postgres_url)
    try:
        await shop.seed(store, BUYERS)
    finally:
        await store.close()
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Stefan", language_code="de")
    async with two_instances(
        postgres_url,
        sandbox,
        token=TOKEN,
        clock=FrozenClock(shop.NOW),
        rules=shop.RULES,
        catalogs=catalogs,
        staff_ids=frozenset({STAFF_ID}),
    ) as pair:
        # Why: instance 1 follows; the change typed there is sent out by the leader's dispatcher.
        assert pair.roles() == ["leader", "follower"]
        pair.route_to(1)
        after = await client.last_seq(STAFF_ID)
        await client.send_text(STAFF_ID, "/po PO-1")
        (screen,) = await events_after(client, STAFF_ID, after)
        pair.route_to(0)
        after = await client.last_seq(STAFF_ID)
        await client.press(STAFF_ID, data=data(screen, "sp:m:"))
        (asked,) = await events_after(client, STAFF_ID, after)
        pair.route_to(1)
        after = await client.last_seq(STAFF_ID)
        await client.send_text(STAFF_ID, "28.12.2026")
        (edited,) = await events_after(client, STAFF_ID, after)
        notices = {
            buyer.chat_id: plain((await events_after(client, buyer.chat_id, 0))[0]["text"])
            for buyer in BUYERS
        }
        audit = [
            (entry.action, json.loads(entry.after or "{}")["expected_date"])
            for entry in await pair.stores[1].audit_entries()
            if entry.actor == f"staff:{STAFF_ID}"
        ]
        handed_to = [instance for _, instance in pair.balancer.handed]

    assert handed_to == [1, 0, 1]
    assert asked["kind"] == "bot_edit" and asked["message_id"] == screen["message_id"]
    assert edited["message_id"] == screen["message_id"] and "28.12.2026" in plain(edited["text"])
    assert audit == [("purchase_order.move_date", "2026-12-28")]
    assert "Order O-811 is delayed" in notices[811]
    assert "Bestellung O-812 verzögert sich" in notices[812]
