"""Staff alerts in the support chat (DESIGN §12), end to end: a forum supergroup in the sandbox
is BACKORDER_SUPPORT_CHAT_ID, with staff Sam and Alex and Mia, a member who is not staff. Sam has
opened a private chat with the bot, Alex never has. Alerts land once in the General topic; what
a button shows goes to the presser's private chat; the group hears nothing of customer flows."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import BotApplication, build_application, polling
from bot.clock import FrozenClock
from bot.context import Services
from bot.domain.model import Jurisdiction, LineStatus
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from storage.store import SqlStore
from tests.alerts.conftest import ALEX, SAM, button_data, moved, plain, settle
from tests.alerts.test_refund_overdue_e2e import owe_refund
from tests.databases import database_settings
from tests.notices import shop
from tests.notices.conftest import TOKEN, catalogs, make_users, store
from tests.ratings.conftest import import_orders, orders_csv
from tests.staff.test_refused import STALE, dump

__all__ = ["catalogs", "store"]

MIA = 557  # a member of the support chat without staff rights
BUYERS = [shop.Buyer(chat, jurisdiction=Jurisdiction.EU) for chat in (801, 802, 803)]
PO_OVERDUE = "Purchase order PO-1 is overdue"
REFUND_OVERDUE = "A refund is overdue"
UNDELIVERED = "A notice could not be delivered"
LOW_RATING = "Low rating: 1 out of 5"
TWO_DAYS_LATE = datetime(2026, 12, 16, 9, 0, tzinfo=UTC)
PRIVATELY = "I've written to you privately."
OPEN_A_CHAT = "I can't write to you privately yet. Open a chat with me (send /start)"
RunBot = Callable[[], Any]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox without flood limits, the group limit included."""
    server = Sandbox(
        SandboxConfig(global_rate=None, per_chat_rate=None, group_rate_per_minute=None)
    )
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    """The control-API client that plays the customers, staff and Mia."""
    async with SandboxClient(sandbox.base_url) as opened:
        yield opened


@pytest.fixture
async def support(client: SandboxClient) -> int:
    """The support forum with Sam, Alex and Mia; Alex never opened the bot's chat. Its id."""
    await client.create_user(SAM, "Sam", language_code="en")
    await client.create_user(ALEX, "Alex", language_code="en", started=False)
    await client.create_user(MIA, "Mia", language_code="en")
    return await client.create_group("Support", [SAM, ALEX, MIA], admin_ids=[SAM, ALEX])


@pytest.fixture
def clock() -> FrozenClock:
    """The shop's clock; a test moves it to let dates pass."""
    return FrozenClock(shop.NOW)


@pytest.fixture
def run_bot(
    sandbox: Sandbox,
    store: SqlStore,
    catalogs: Catalogs,
    database_url: str,
    clock: FrozenClock,
    support: int,
) -> RunBot:
    """Start the real application with Sam and Alex as staff and the forum as support chat."""

    @asynccontextmanager
    async def running() -> AsyncIterator[BotApplication]:
        settings = database_settings(
            database_url,
            token=TOKEN,
            api_base_url=sandbox.api_base_url,
            staff_ids=frozenset({SAM, ALEX}),
            support_chat_id=support,
        )
        services = Services(
            settings=settings, store=store, clock=clock, rules=shop.RULES, catalogs=catalogs
        )
        async with polling(build_application(services), poll_timeout=1) as application:
            yield application

    return running


async def bot_messages(client: SandboxClient, chat_id: int, after: int = 0) -> list[Any]:
    """The bot's messages and edits in a chat after `after`."""
    events = await client.transcript(chat_id, after=after)
    return [event for event in events if event["kind"] in ("bot_message", "bot_edit")]


async def in_general(client: SandboxClient, group: int, heading: str) -> list[dict[str, Any]]:
    """The bot's messages in the group's General topic (no thread) whose text has `heading`."""
    return [
        event
        for event in await client.transcript(group)
        if event["kind"] == "bot_message"
        and "message_thread_id" not in event
        and heading in plain(str(event["text"]))
    ]


async def alert_in(client: SandboxClient, chat_id: int, heading: str) -> dict[str, Any]:
    """The first bot message in a chat with `heading`, once it has arrived."""
    for _ in range(300):
        found = [
            event
            for event in await client.transcript(chat_id)
            if event["kind"] == "bot_message" and heading in plain(str(event["text"]))
        ]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {heading!r} in chat {chat_id}")


async def handled(store: SqlStore, act: Awaitable[object]) -> None:
    """Await `act` (it makes one update), then wait until the bot has handled every update it
    received (so silence can be asserted without waiting a fixed time)."""

    async def count() -> int:
        rows = await store.connection.execute_fetchall(
            "SELECT COUNT(*) FROM update_inbox WHERE handled_at IS NOT NULL"
        )
        return int(next(iter(rows))[0])

    before = await count()
    await act
    for _ in range(300):
        if await count() > before and not await store.unhandled_updates():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot did not handle the update")


async def group_press(
    client: SandboxClient, group: int, user_id: int, data: str, message_id: int
) -> dict[str, Any]:
    """A member presses a button in a group; the bot's answer to that press."""
    after = await client.last_seq(group)
    await client.group_press(group, user_id, data=data, message_id=message_id)
    for _ in range(300):
        answers = [
            event
            for event in await client.transcript(group, after=after)
            if event["kind"] == "callback_answer"
        ]
        if answers:
            return answers[-1]
        await asyncio.sleep(0.05)
    raise AssertionError("no answer to the press")


async def cursors(client: SandboxClient, chats: list[int]) -> dict[int, int]:
    """Each chat's latest event."""
    return {chat: await client.last_seq(chat) for chat in chats}


async def silent_since(client: SandboxClient, since: dict[int, int]) -> dict[int, list[str]]:
    """The bot's messages and edits in each chat since the cursors (empty lists: silence)."""
    return {
        chat: [str(e["text"]) for e in await bot_messages(client, chat, after)]
        for chat, after in since.items()
    }


async def test_the_overdue_po_alert_reaches_the_general_topic_once_and_no_staff_private_chat(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, clock: FrozenClock, support: int
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    moved(clock, TWO_DAYS_LATE)
    async with run_bot():
        alert = await alert_in(client, support, PO_OVERDUE)
        await settle()
    async with run_bot():
        await settle()
    assert "message_thread_id" not in alert
    assert "Waiting on it: 3 customers, 3 lines" in plain(alert["text"])
    assert len(await in_general(client, support, PO_OVERDUE)) == 1
    assert await bot_messages(client, SAM) == []
    assert await bot_messages(client, ALEX) == []


async def test_move_the_date_pressed_in_the_group_refuses_mia_and_alex_and_asks_sam_privately(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, clock: FrozenClock, support: int
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    moved(clock, TWO_DAYS_LATE)
    everyone = [support, SAM, ALEX, MIA, *(b.chat_id for b in BUYERS)]
    async with run_bot():
        alert = await alert_in(client, support, PO_OVERDUE)
        await settle(1.5)
        data, message_id = button_data(alert, "Move the date"), int(alert["message_id"])
        before, since = await dump(store), await cursors(client, everyone)
        mias = await group_press(client, support, MIA, data, message_id)
        alexs = await group_press(client, support, ALEX, data, message_id)
        unchanged, quiet = await dump(store), await silent_since(client, since)
        after = await client.last_seq(SAM)
        sams = await group_press(client, support, SAM, data, message_id)
        (asked,) = await client.wait_for(SAM, after=after, count=1, timeout=15)
        after = await client.last_seq(SAM)
        await client.send_text(SAM, "2026-12-28")
        (summary,) = await client.wait_for(SAM, after=after, count=1, timeout=15)
        told = [
            (await client.wait_for(b.chat_id, after=since[b.chat_id], count=1, timeout=15))[-1]
            for b in BUYERS
        ]
        group_after = await bot_messages(client, support, since[support])
    assert STALE in str(mias["callback_answer_text"])
    assert OPEN_A_CHAT in str(alexs["callback_answer_text"]) and alexs["show_alert"]
    assert unchanged == before
    assert all(texts == [] for texts in quiet.values()), quiet
    assert sams["callback_answer_text"] == PRIVATELY
    assert asked["kind"] == "bot_message" and "PO-1" in asked["text"]
    assert "Type the new expected date" in asked["text"]
    assert summary["message_id"] == asked["message_id"]
    assert "Dec 28, 2026" in plain(summary["text"])
    assert all("delayed" in event["text"] for event in told)
    assert group_after == []
    rows = await store.connection.execute_fetchall(
        "SELECT actor, after FROM audit_log WHERE action = 'purchase_order.move_date'"
    )
    assert [(actor, json.loads(moved_to)["expected_date"]) for actor, moved_to in rows] == [
        (f"staff:{SAM}", "2026-12-28")
    ]


async def test_mark_paid_in_the_group_edits_the_alert_refuses_mia_and_a_second_press(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, clock: FrozenClock, support: int
) -> None:
    await client.create_user(SAM, "Sam", language_code="de")  # Sam reads German
    buyer = shop.Buyer(801)
    await shop.seed(store, [buyer])
    await make_users(client, [buyer])
    refund_id = await owe_refund(store, "2026-12-10")
    moved(clock, TWO_DAYS_LATE)
    async with run_bot():
        alert = await alert_in(client, support, REFUND_OVERDUE)
        data, message_id = button_data(alert, "Mark paid"), int(alert["message_id"])
        before = await dump(store)
        mias = await group_press(client, support, MIA, data, message_id)
        unchanged = await dump(store)
        after = await client.last_seq(support)
        sams = await group_press(client, support, SAM, data, message_id)
        (paid,) = await client.wait_for(support, after=after, count=1, timeout=15)
        seen = await client.last_seq(support)
        answers: list[dict[str, Any]] = []

        async def press_again() -> None:
            answers.append(await group_press(client, support, ALEX, data, message_id))

        await handled(store, press_again())
        later = await bot_messages(client, support, after=seen)
    assert STALE in str(mias["callback_answer_text"]) and unchanged == before
    assert sams["callback_answer_text"] == "Als bezahlt markiert."  # the presser's language
    assert paid["kind"] == "bot_edit" and paid["message_id"] == message_id
    # The shared alert stays in the default language, whoever pressed.
    assert "✅ O-801: €149.00 marked paid by Sam on Dec 16, 2026" in plain(paid["text"])
    assert "already marked paid" in str(answers[0]["callback_answer_text"])
    assert later == []  # the second press leaves the alert as it is
    (row,) = await store.connection.execute_fetchall(
        "SELECT status, paid_by FROM refunds WHERE id = ?", (refund_id,)
    )
    assert tuple(row) == ("paid", f"staff:{SAM}")
    assert await bot_messages(client, SAM) == []


async def test_staff_pressing_a_copied_alert_button_in_another_group_is_refused(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, clock: FrozenClock, support: int
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    other = await client.create_group("Friends", [SAM, MIA], is_forum=False)
    moved(clock, TWO_DAYS_LATE)
    async with run_bot() as application:
        alert = await alert_in(client, support, PO_OVERDUE)
        data = button_data(alert, "Move the date")
        copied = await application.bot.send_message(
            other,
            "Purchase order PO-1 (copied)",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Move the date", callback_data=data)]]
            ),
        )
        await settle(1.5)
        before, since = await dump(store), await cursors(client, [support, SAM, other])
        answer = await group_press(client, other, SAM, data, copied.message_id)
        unchanged, quiet = await dump(store), await silent_since(client, since)
    assert STALE in str(answer["callback_answer_text"])
    assert unchanged == before
    assert all(texts == [] for texts in quiet.values()), quiet


async def test_show_order_of_an_undelivered_notice_alert_goes_to_the_pressers_private_chat(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, support: int, tmp_path: Path
) -> None:
    dana = shop.Buyer(904, jurisdiction=Jurisdiction.US)
    await shop.seed(store, [dana])
    await make_users(client, [dana])
    await client.block(dana.chat_id)
    async with run_bot():
        await shop.import_slip(store, tmp_path)
        alert = await alert_in(client, support, UNDELIVERED)
        after, in_group = await client.last_seq(SAM), await client.last_seq(support)
        answer = await group_press(
            client, support, SAM, button_data(alert, "Show order"), int(alert["message_id"])
        )
        (card,) = await client.wait_for(SAM, after=after, count=1, timeout=15)
        await settle()
        group_after = await bot_messages(client, support, in_group)
    assert "message_thread_id" not in alert and "Order O-904" in plain(alert["text"])
    assert answer["callback_answer_text"] == PRIVATELY
    assert "Order O-904" in card["text"] and "Customer: Buyer 904" in card["text"]
    assert group_after == []
    assert len(await in_general(client, support, UNDELIVERED)) == 1


async def test_a_low_rating_alert_reaches_the_general_topic_once(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, support: int, tmp_path: Path
) -> None:
    clara = shop.Buyer(1003, language="fr")
    await shop.seed(store, [clara])
    await make_users(client, [clara])
    async with run_bot():
        await import_orders(store, orders_csv(tmp_path, [clara], LineStatus.SHIPPED), now=shop.NOW)
        await client.wait_for(clara.chat_id, after=0, timeout=15)
        await client.press(clara.chat_id, label="1 ⭐")
        alert = await alert_in(client, support, LOW_RATING)
        await settle()
    assert "message_thread_id" not in alert
    assert "From Buyer 1003 (customer C-1003) about order O-1003." in alert["text"]
    assert len(await in_general(client, support, LOW_RATING)) == 1
    assert await bot_messages(client, SAM) == []


async def test_customer_flows_stay_silent_in_the_support_chat_and_in_any_other_group(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, support: int
) -> None:
    buyer = shop.Buyer(801)
    await shop.seed(store, [buyer])
    await make_users(client, [buyer])
    other = await client.create_group("Friends", [SAM, MIA, buyer.chat_id], is_forum=False)
    said = [
        (support, SAM, "Morning all, who takes the refunds today?"),
        (support, MIA, "hello bot"),
        (support, SAM, "/orders"),
        (support, MIA, "/orders O-801"),
        (support, SAM, "/start"),
        (support, SAM, "/help"),
        (other, buyer.chat_id, "/orders"),
        (other, buyer.chat_id, "where is my chair?"),
        (other, SAM, "/po PO-1"),
    ]
    async with run_bot():
        since = await cursors(client, [support, other, SAM, MIA, buyer.chat_id])
        for group, member, text in said:
            await handled(store, client.group_send(group, member, text=text))
        quiet = await silent_since(client, since)
        after = await client.last_seq(SAM)
        await client.send_text(SAM, "/orders")
        (private,) = await client.wait_for(SAM, after=after, count=1, timeout=15)
    assert all(texts == [] for texts in quiet.values()), quiet
    assert private["text"]  # the private chat still answers


async def test_a_customers_order_button_pressed_in_a_group_shows_nothing_of_the_order(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, support: int
) -> None:
    buyer = shop.Buyer(801)
    await shop.seed(store, [buyer])
    await make_users(client, [buyer])
    other = await client.create_group("Friends", [SAM, MIA, buyer.chat_id], is_forum=False)
    async with run_bot() as application:
        after = await client.last_seq(buyer.chat_id)
        await client.send_text(buyer.chat_id, "/orders")
        (screen,) = await client.wait_for(buyer.chat_id, after=after, count=1, timeout=15)
        data = button_data(screen, "Order O-801")
        # Why: a bot's buttons work only where it posted them; this stands for forged data.
        copied = await application.bot.send_message(
            other,
            "Orders",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("O", callback_data=data)]]),
        )
        before, since = await dump(store), await cursors(client, [other, buyer.chat_id])
        answer = await group_press(client, other, buyer.chat_id, data, copied.message_id)
        unchanged, quiet = await dump(store), await silent_since(client, since)
    assert "O-801" not in str(answer["callback_answer_text"]) and answer["show_alert"]
    assert unchanged == before
    assert all(texts == [] for texts in quiet.values()), quiet
