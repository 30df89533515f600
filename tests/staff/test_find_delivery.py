"""The staff order card tells where each notice stands for the customer: delivered, waiting to be
sent (held for quiet hours, or queued), not delivered and why, or no chat linked."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.domain.delays import NoticeKind
from bot.domain.notice_delivery import CHAT_UNLINKED
from bot.domain.notice_delivery import NO_CHAT as NO_CHAT_REASON
from bot.domain.notice_store import NoticeRecord, NoticeStanding, notice_standing
from bot.sandbox.client import SandboxClient
from storage.store import SqlStore
from tests.notices import shop
from tests.notices.builders import notice
from tests.notices.conftest import make_users
from tests.sql import execute, fetch_all
from tests.staff.conftest import STAFF_ID
from tests.staff.test_po_chat import plain, say

READ = shop.Buyer(821)
BLOCKED = shop.Buyer(822)
ASLEEP = shop.Buyer(823)  # in Los Angeles: 09:00 UTC is 01:00 there, quiet hours until 08:00
NO_CHAT = shop.Buyer(824)
BUYERS = [READ, BLOCKED, ASLEEP, NO_CHAT]


async def settled(store: SqlStore) -> dict[str, str]:
    """Each order's latest notice delivery once the bot has settled what it could (the held
    one stays pending until morning)."""
    wanted = {
        READ.order_id: "delivered",
        BLOCKED.order_id: "undelivered",
        ASLEEP.order_id: "pending",
        NO_CHAT.order_id: "undelivered",
    }
    found: dict[str, str] = {}
    for _ in range(300):
        rows = await fetch_all(store, "SELECT order_id, delivery FROM notice_log ORDER BY id")
        found = {str(row[0]): str(row[1]) for row in map(tuple, rows)}
        if found == wanted:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"notices never settled: {found}")


def notice_lines(card: dict[str, Any]) -> list[str]:
    """The card's lines under its Notices heading, up to the next blank line or heading."""
    lines = plain(str(card["text"])).splitlines()
    start = lines.index("Notices") + 1
    return [line for line in lines[start:] if line and not line.startswith("Answer")]


async def test_the_card_shows_each_notice_delivered_held_refused_or_without_a_chat(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await store.unlink_chat(NO_CHAT.chat_id, actor="test", at=shop.NOW)
    await execute(
        store,
        "UPDATE customers SET timezone = 'America/Los_Angeles' WHERE customer_id = :id",
        id=ASLEEP.customer_id,
    )
    await make_users(client, BUYERS)
    await client.block(BLOCKED.chat_id)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        await say(client, STAFF_ID, "/stock CHAIR 10")
        await settled(store)
        cards = [(await say(client, STAFF_ID, f"/find {b.order_id}"))[0] for b in BUYERS]
    read, blocked, asleep, no_chat = (notice_lines(card) for card in cards)
    # 01:00 in Los Angeles; its quiet hours end at 08:00 there, 16:00 UTC (the shop's zone).
    assert read == ["Dec 2, 2026: ready to ship · delivered"]
    assert blocked == [
        "Dec 2, 2026: ready to ship · not delivered: "
        "Telegram refused it: Forbidden: bot was blocked by the user"
    ]
    assert asleep == [
        "Dec 2, 2026: ready to ship · waiting to be sent: held for the customer's quiet hours "
        "until Dec 2, 2026 at 4:00 PM"
    ]
    assert no_chat == ["Dec 2, 2026: ready to ship · not sent: no chat linked to the customer"]


async def test_a_german_staff_member_reads_where_the_notices_stand_in_german(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, [READ, ASLEEP])
    await execute(
        store,
        "UPDATE customers SET timezone = 'America/Los_Angeles' WHERE customer_id = :id",
        id=ASLEEP.customer_id,
    )
    await make_users(client, [READ, ASLEEP])
    await client.create_user(STAFF_ID, "Stefan", language_code="de")
    async with run_bot():
        await say(client, STAFF_ID, "/stock CHAIR 10")
        await client.wait_for(READ.chat_id, after=0, count=1, timeout=15)
        (asleep,) = await say(client, STAFF_ID, f"/find {ASLEEP.order_id}")
    text = plain(str(asleep["text"]))
    assert "wartet auf den Versand" in text and "Ruhezeit" in text and "16:00" in text


def record(delivery: str, *, chats: int = 1, error: str | None = None) -> NoticeRecord:
    """A ready-to-ship notice of order 1001 as the history keeps it."""
    return NoticeRecord(
        "1001",
        "C-1",
        notice(NoticeKind.READY_TO_SHIP),
        shop.NOW,
        chats,
        "digest:1",
        notice_id=7,
        delivery=delivery,
        delivery_error=error,
    )


@pytest.mark.parametrize(
    ("kept", "held_until", "standing"),
    [
        (record("pending"), None, NoticeStanding.QUEUED),
        # A hold that has ended: the message goes as soon as the dispatcher gets to it.
        (record("pending"), shop.NOW - timedelta(minutes=1), NoticeStanding.QUEUED),
        (record("pending"), shop.NOW + timedelta(hours=7), NoticeStanding.HELD),
        # Decided while no chat was linked, not settled yet.
        (record("pending", chats=0), None, NoticeStanding.NO_CHAT),
        (record("no_chat", chats=0), None, NoticeStanding.NO_CHAT),
        (record("undelivered", error=NO_CHAT_REASON), None, NoticeStanding.NO_CHAT),
        (record("undelivered", error=CHAT_UNLINKED), None, NoticeStanding.UNDELIVERED),
        (record("delivered"), None, NoticeStanding.DELIVERED),
    ],
)
def test_where_a_notice_stands(
    kept: NoticeRecord, held_until: datetime | None, standing: NoticeStanding
) -> None:
    assert notice_standing(kept, held_until=held_until, now=shop.NOW) is standing
