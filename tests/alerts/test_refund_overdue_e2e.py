"""A refund past due: one alert per staff chat, once; "Mark paid" marks it paid, audited, with a
`refund.paid` event, and the alert says who marked it and when; a second press is refused."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.clock import FrozenClock
from bot.sandbox.client import SandboxClient
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
from tests.notices.conftest import make_users
from tests.sql import execute, fetch_all, fetch_value
from tests.staff.test_refused import STALE, answer_to_press, dump

BUYER = shop.Buyer(801)
OVERDUE = "A refund is overdue"
SIX_DAYS_LATE = datetime(2026, 12, 16, 9, 0, tzinfo=UTC)


async def owe_refund(store: SqlStore, due: str) -> int:
    """A refund of the buyer's chair owed by `due` (as a cancellation leaves it); its id."""
    await execute(
        store,
        """INSERT INTO refunds (order_id, line_no, amount_minor, currency, due_date, status,
               reason, created_at)
           VALUES (:order_id, 1, :amount, 'EUR', :due, 'due', 'cancel', :created_at)""",
        order_id=BUYER.order_id,
        amount=shop.CHAIR_PRICE,
        due=due,
        created_at=shop.NOW.isoformat(),
    )
    refund_id = await fetch_value(
        store,
        "SELECT id FROM refunds WHERE order_id = :order_id AND line_no = 1 AND reason = 'cancel'",
        order_id=BUYER.order_id,
    )
    assert refund_id is not None
    return int(refund_id)


async def test_mark_paid_pays_the_refund_once_audited_and_the_alert_says_who_and_when(
    store: SqlStore, client: SandboxClient, run_bot: Any, clock: FrozenClock
) -> None:
    await shop.seed(store, [BUYER])
    await make_users(client, [BUYER])
    await make_staff(client)
    refund_id = await owe_refund(store, "2026-12-10")
    moved(clock, SIX_DAYS_LATE)
    async with run_bot():
        sams = await wait_for_alert(client, SAM, OVERDUE)
        alexs = await wait_for_alert(client, ALEX, OVERDUE)
        after = await client.last_seq(SAM)
        await client.press(SAM, data=button_data(sams, "Mark paid"))
        (paid,) = await client.wait_for(SAM, after=after, count=1, timeout=15)
        late = await answer_to_press(client, ALEX, button_data(alexs, "Mark paid"))
    async with run_bot():
        await settle()
    text = plain(sams["text"])
    assert "Order O-801 of Buyer 801 (customer C-801)." in text
    assert "€149.00 was due on Dec 10, 2026: 6 days overdue." in text
    assert paid["kind"] == "bot_edit" and paid["message_id"] == sams["message_id"]
    assert "✅ O-801: €149.00 marked paid by Sam on Dec 16, 2026 at 9:00 AM." in plain(paid["text"])
    assert paid["buttons"] == []
    assert "already marked paid" in str(late["callback_answer_text"])
    ((status),) = await fetch_all(
        store, "SELECT status, paid_by FROM refunds WHERE id = :id", id=refund_id
    )
    assert tuple(status) == ("paid", f"staff:{SAM}")
    audit: Sequence[Any] = await fetch_all(
        store, "SELECT actor, before, after FROM audit_log WHERE action = 'refund.paid'"
    )
    assert [(a, json.loads(b), json.loads(c)) for a, b, c in audit] == [
        (f"staff:{SAM}", {"status": "due"}, {"status": "paid"})
    ]
    events: Sequence[Any] = await fetch_all(
        store, "SELECT order_id, payload FROM events WHERE type = 'refund.paid'"
    )
    ((order_id, payload),) = events
    assert order_id == "O-801" and json.loads(payload)["amount_minor"] == shop.CHAIR_PRICE
    assert len(await alerts_in(client, SAM, OVERDUE)) == 1
    assert len(await alerts_in(client, ALEX, OVERDUE)) == 1
    assert STALE not in str(late["callback_answer_text"])


async def test_a_refund_not_yet_due_raises_no_alert_and_a_customer_cannot_mark_one_paid(
    store: SqlStore, client: SandboxClient, run_bot: Any, clock: FrozenClock
) -> None:
    await shop.seed(store, [BUYER])
    await make_users(client, [BUYER])
    await make_staff(client)
    await owe_refund(store, "2026-12-16")
    await owe_refund_for_line_two(store)
    moved(clock, SIX_DAYS_LATE)
    async with run_bot():
        alert = await wait_for_alert(client, SAM, OVERDUE)
        await wait_for_alert(client, ALEX, "Purchase order PO-1 is overdue")
        await wait_for_alert(client, ALEX, OVERDUE)
        await settle(1.5)
        after = await client.last_seq(BUYER.chat_id)
        await client.send_text(BUYER.chat_id, "hello")
        await client.wait_for(BUYER.chat_id, after=after, count=1, timeout=15)
        before = await dump(store)
        answer = await answer_to_press(client, BUYER.chat_id, button_data(alert, "Mark paid"))
        unchanged = await dump(store)
    assert "Dec 1, 2026" in plain(alert["text"])
    assert len(await alerts_in(client, SAM, OVERDUE)) == 1
    assert STALE in str(answer["callback_answer_text"])
    assert unchanged == before


async def owe_refund_for_line_two(store: SqlStore) -> None:
    """A second refund of the buyer's order, due on Dec 1 (long past)."""
    await execute(
        store,
        """INSERT INTO refunds (order_id, line_no, amount_minor, currency, due_date, status,
               reason, created_at)
           VALUES (:order_id, 2, 500, 'EUR', '2026-12-01', 'due', 'swap_price_decrease',
                   :created_at)""",
        order_id=BUYER.order_id,
        created_at=shop.NOW.isoformat(),
    )
