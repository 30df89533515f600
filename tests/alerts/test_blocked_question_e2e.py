"""A customer who blocked the bot with a delay question open: staff are alerted once per
customer and question, with the deadline and what happens at it, and can open the order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.domain.model import Jurisdiction
from bot.sandbox.client import SandboxClient
from bot.services.reachability import BLOCKED_REASON
from storage.store import SqlStore
from tests.alerts.conftest import (
    ALEX,
    SAM,
    alerts_in,
    button_data,
    make_staff,
    plain,
    settle,
    wait_for_alert,
)
from tests.notices import shop
from tests.notices.conftest import make_users
from tests.sql import execute

EVA = shop.Buyer(902, jurisdiction=Jurisdiction.EU)
OLA = shop.Buyer(903, jurisdiction=Jurisdiction.UK)
DANA = shop.Buyer(904, jurisdiction=Jurisdiction.US)
BLOCKED = "A customer blocked the bot with a delay question open"
UNDELIVERED = "A notice could not be delivered"


async def test_blocking_the_bot_with_a_question_open_alerts_once_and_show_order_opens_it(
    store: SqlStore, client: SandboxClient, run_bot: Any, tmp_path: Path
) -> None:
    await shop.seed(store, [EVA])
    await execute(
        store,
        "UPDATE customers SET email = 'eva<x>@example.com', phone = '+49 30 1234567'"
        " WHERE customer_id = :id",
        id=EVA.customer_id,
    )
    await make_users(client, [EVA])
    await make_staff(client)
    async with run_bot():
        await shop.import_slip(store, tmp_path)
        await client.wait_for(EVA.chat_id, after=0, count=1, timeout=15)
        await settle(1.5)
        await client.block(EVA.chat_id)
        alert = await wait_for_alert(client, SAM, BLOCKED)
        await wait_for_alert(client, ALEX, BLOCKED)
        after = await client.last_seq(SAM)
        await client.press(SAM, data=button_data(alert, "Show order"))
        (card,) = await client.wait_for(SAM, after=after, count=1, timeout=15)
    await client.unblock(EVA.chat_id)
    await client.block(EVA.chat_id)
    async with run_bot():
        await settle()
    text = plain(alert["text"])
    assert "Order O-902 of Buyer 902 (customer C-902)." in text
    assert "not cancelled automatically (EU/UK law)" in text
    assert "contact them another way" in text
    # The other ways are shown, escaped, in the alert and on the order card.
    assert "Email: eva<x>@example.com\nPhone: +49 30 1234567" in text
    assert "Email: eva<x>@example.com" in plain(card["text"])
    assert "Phone: +49 30 1234567" in plain(card["text"])
    assert card["kind"] == "bot_message" and "Order O-902" in card["text"]
    assert "Blocked the bot" in card["text"]
    assert len(await alerts_in(client, SAM, BLOCKED)) == 1
    assert len(await alerts_in(client, ALEX, BLOCKED)) == 1
    assert await alerts_in(client, SAM, UNDELIVERED) == []


async def test_a_refused_send_with_a_question_open_alerts_as_a_block_does(
    store: SqlStore, client: SandboxClient, run_bot: Any, tmp_path: Path
) -> None:
    await shop.seed(store, [OLA])
    await make_users(client, [OLA])
    await make_staff(client)
    async with run_bot() as application:
        await shop.import_slip(store, tmp_path)
        await client.wait_for(OLA.chat_id, after=0, count=1, timeout=15)
        await settle(1.5)
        # What the dispatcher records when Telegram answers a send with 403 (no my_chat_member).
        now = application.bot_data["services"].clock.now()
        await store.mark_chat_unreachable(OLA.chat_id, reason=BLOCKED_REASON, at=now)
        alert = await wait_for_alert(client, SAM, BLOCKED)
    assert "Order O-903 of Buyer 903" in plain(alert["text"])


async def test_a_customer_without_an_open_question_who_blocks_the_bot_raises_no_alert(
    store: SqlStore, client: SandboxClient, run_bot: Any, tmp_path: Path
) -> None:
    await shop.seed(store, [DANA])
    await make_users(client, [DANA])
    await make_staff(client)
    async with run_bot():
        await shop.import_slip(store, tmp_path)
        await client.wait_for(DANA.chat_id, after=0, count=1, timeout=15)
        await settle(1.5)
        await client.block(DANA.chat_id)
        await settle()
    assert await alerts_in(client, SAM, BLOCKED) == []


async def test_an_undelivered_notice_alert_opens_the_order_with_show_order(
    store: SqlStore, client: SandboxClient, run_bot: Any, tmp_path: Path
) -> None:
    await shop.seed(store, [DANA])
    await make_users(client, [DANA])
    await make_staff(client)
    await client.block(DANA.chat_id)
    async with run_bot():
        await shop.import_slip(store, tmp_path)
        alert = await wait_for_alert(client, SAM, UNDELIVERED)
        after = await client.last_seq(SAM)
        await client.press(SAM, data=button_data(alert, "Show order"))
        (card,) = await client.wait_for(SAM, after=after, count=1, timeout=15)
        await settle()
    assert "Order O-904" in plain(alert["text"])
    assert "Order O-904" in card["text"] and "Customer: Buyer 904" in card["text"]
    assert len(await alerts_in(client, SAM, UNDELIVERED)) == 1
    assert await alerts_in(client, SAM, BLOCKED) == []
