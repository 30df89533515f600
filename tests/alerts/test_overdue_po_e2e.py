"""A purchase order past its date with customers waiting: one alert per staff chat, once per
expected date, whose button moves the date through issue 9's flow (DESIGN §12)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.clock import FrozenClock
from bot.domain.model import Jurisdiction
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
from tests.sql import fetch_all
from tests.staff.test_refused import STALE, answer_to_press, dump

# Why: EU law cancels nothing on its own, so the customers still wait when the new date passes.
BUYERS = [shop.Buyer(chat, jurisdiction=Jurisdiction.EU) for chat in (801, 802, 803)]
OVERDUE = "Purchase order PO-1 is overdue"
TWO_DAYS_LATE = datetime(2026, 12, 16, 9, 0, tzinfo=UTC)
AFTER_THE_NEW_DATE = datetime(2026, 12, 30, 9, 0, tzinfo=UTC)


async def test_each_staff_chat_gets_the_overdue_po_alert_once_even_after_a_restart(
    store: SqlStore, client: SandboxClient, run_bot: Any, clock: FrozenClock
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await make_staff(client)
    moved(clock, TWO_DAYS_LATE)
    async with run_bot():
        alert = await wait_for_alert(client, SAM, OVERDUE)
        await wait_for_alert(client, ALEX, OVERDUE)
    async with run_bot():
        await settle()
    text = plain(alert["text"])
    assert "Office chair (CHAIR)" in text
    assert "Expected: Dec 14, 2026 · 2 days overdue" in text
    assert "Waiting on it: 3 customers, 3 lines" in text
    assert [b["text"] for row in alert["buttons"] for b in row] == ["Move the date"]
    assert len(await alerts_in(client, SAM, OVERDUE)) == 1
    assert len(await alerts_in(client, ALEX, OVERDUE)) == 1


async def test_move_the_date_asks_in_place_moves_the_po_and_a_new_overdue_date_alerts_again(
    store: SqlStore, client: SandboxClient, run_bot: Any, clock: FrozenClock
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await make_staff(client)
    moved(clock, TWO_DAYS_LATE)
    async with run_bot():
        alert = await wait_for_alert(client, SAM, OVERDUE)
        after = await client.last_seq(SAM)
        await client.press(SAM, data=button_data(alert, "Move the date"))
        (asked,) = await client.wait_for(SAM, after=after, count=1, timeout=15)
        after = await client.last_seq(SAM)
        await client.send_text(SAM, "2026-12-28")
        (summary,) = await client.wait_for(SAM, after=after, count=1, timeout=15)
        told = [
            (await client.wait_for(b.chat_id, after=0, count=1, timeout=15))[-1]["text"]
            for b in BUYERS
        ]
    moved(clock, AFTER_THE_NEW_DATE)
    async with run_bot():
        await wait_for_alert(client, ALEX, "Expected: Dec 28")
    assert asked["kind"] == "bot_edit" and asked["message_id"] == alert["message_id"]
    assert "Type the new expected date" in asked["text"]
    assert summary["kind"] == "bot_edit" and summary["message_id"] == alert["message_id"]
    assert "Dec 28, 2026" in plain(summary["text"])
    assert all("delayed" in text for text in told)
    rows: Sequence[Any] = await fetch_all(
        store,
        "SELECT action, before, after FROM audit_log WHERE actor = :actor",
        actor=f"staff:{SAM}",
    )
    ((_, before, after_),) = [row for row in rows if row[0] == "purchase_order.move_date"]
    assert json.loads(before)["expected_date"] == "2026-12-14"
    assert json.loads(after_)["expected_date"] == "2026-12-28"
    alerts = [plain(a["text"]) for a in await alerts_in(client, ALEX, OVERDUE)]
    assert len(alerts) == 2
    assert "Expected: Dec 28, 2026 · 2 days overdue" in alerts[1]


async def test_a_customer_pressing_the_alert_button_is_refused_and_nothing_changes(
    store: SqlStore, client: SandboxClient, run_bot: Any, clock: FrozenClock
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await make_staff(client)
    moved(clock, TWO_DAYS_LATE)
    async with run_bot():
        alert = await wait_for_alert(client, SAM, OVERDUE)
        await wait_for_alert(client, ALEX, OVERDUE)
        await settle()
        # Why: the sandbox presses a button on a message that has a keyboard (the menu here).
        await client.wait_for(801, after=await _typed(client, 801, "hello"), count=1, timeout=15)
        before = await dump(store)
        answer = await answer_to_press(client, 801, button_data(alert, "Move the date"))
        (free,) = await client.wait_for(
            801, after=await _typed(client, 801, "2026-12-28"), count=1, timeout=15
        )
        after = await dump(store)
    assert STALE in str(answer["callback_answer_text"])
    assert "PO-1" not in free["text"]
    assert after == before


async def _typed(client: SandboxClient, chat_id: int, text: str) -> int:
    after = await client.last_seq(chat_id)
    await client.send_text(chat_id, text)
    return after
