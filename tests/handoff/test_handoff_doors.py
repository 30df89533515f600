"""Who may hand off and when: no support chat, unlinked chats, blocked customers, hours, replays."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FrozenClock
from bot.sandbox.client import SandboxClient
from storage.store import SqlStore
from tests.e2e import shop
from tests.handoff.conftest import ALICE_CHAT, BOB_CHAT, STAFF, Desk, RunBot
from tests.handoff.test_handoff_e2e import OPENED, REACHED, open_by_command
from tests.sql import execute

STRANGER = 803


async def test_without_a_support_chat_there_is_no_button_and_human_says_it_is_not_available(
    run_bot: RunBot, client: SandboxClient, forum: int
) -> None:
    async with run_bot(support_chat_id=None):
        desk = Desk(client, forum)
        screen = await desk.customer_says(BOB_CHAT, "/orders 2002", "Order 2002")
        assert not any("Talk to a person" in label for label in screen["buttons"])
        reply = await desk.customer_says(BOB_CHAT, "/human", "isn't available")
        assert reply["text"].startswith("Sorry, chatting with our team isn't available here.")
        help_text = await desk.customer_says(BOB_CHAT, "/help", "/orders")
        assert "/human" not in help_text["text"]
    assert await desk.topics() == {}


async def test_help_names_human_when_a_support_chat_is_configured(desk: Desk) -> None:
    help_text = await desk.customer_says(BOB_CHAT, "/help", "/orders")
    assert "/human – talk to a person from our team" in help_text["text"]
    # In every language, /human is one of the command lines, before the closing sentence.
    german = await desk.customer_says(ALICE_CHAT, "/help", "/orders")
    commands, closing = german["text"].split("\n\n")[1:3]
    assert commands.splitlines()[-1].startswith("/human – ")
    assert closing.startswith("Ich zeige nur die Bestellungen")


async def test_an_unlinked_chat_gets_the_linking_hint_and_no_topic(
    desk: Desk, client: SandboxClient
) -> None:
    await client.create_user(STRANGER, "Stranger", language_code="en")
    reply = await desk.customer_says(STRANGER, "/human", "link this chat")
    assert "Find my orders" in reply["text"]
    assert await desk.topics() == {}


async def test_staff_are_told_in_the_topic_when_the_customer_blocked_the_bot(
    desk: Desk, client: SandboxClient
) -> None:
    thread = await open_by_command(desk, BOB_CHAT)
    await client.block(BOB_CHAT)
    cursor = await desk.forum_seq()
    await desk.staff_writes(STAFF, thread, "Are you there?")
    [note] = await desk.topic_messages(thread, after=cursor)
    assert note["text"].startswith("Not delivered: the customer has blocked the bot")


async def test_out_of_hours_the_customer_learns_when_the_team_is_back(
    desk: Desk, clock: FrozenClock
) -> None:
    clock.moment = datetime(2026, 12, 4, 17, 30, tzinfo=UTC)  # Friday 18:30 in Berlin
    reply = await desk.customer_says(BOB_CHAT, "/human", OPENED)
    assert "Our team is away now and back Monday at 9:00\u202fAM (Berlin time)" in reply["text"]


async def test_a_message_whose_update_replays_after_a_crash_is_mirrored_once(
    run_bot: RunBot, client: SandboxClient, forum: int, store: SqlStore
) -> None:
    desk = Desk(client, forum)
    async with run_bot():
        thread = await open_by_command(desk, BOB_CHAT)
        cursor = await desk.forum_seq()
        await desk.customer_says(BOB_CHAT, "only once please", REACHED)
        await desk.topic_messages(thread, after=cursor)
    # The run died after relaying the message but before marking its update handled.
    await execute(
        store, "UPDATE update_inbox SET handled_at = NULL WHERE payload LIKE '%only once please%'"
    )
    assert len(await store.unhandled_updates()) == 1
    async with run_bot():
        after = await client.last_seq(BOB_CHAT)
        await client.send_text(BOB_CHAT, "and this one")
        await desk.topic_messages(thread, after=cursor, count=2)
    assert await store.unhandled_updates() == []
    shown = [event["text"] for event in await desk.topic_transcript(thread)]
    assert shown.count("only once please") == 1
    assert shown.count("and this one") == 1
    assert not any(REACHED in text for text in await desk.bot_texts(BOB_CHAT, after))


async def test_a_chat_linked_to_someone_else_gets_nothing_from_the_old_customer_s_topic(
    desk: Desk, client: SandboxClient, store: SqlStore
) -> None:
    thread = await open_by_command(desk, BOB_CHAT)
    # Bob's chat now belongs to Alice (unlinked from Bob, linked to her).
    await store.link_chat(BOB_CHAT, "C-ALICE", via="contact", actor="test", at=shop.NOW)
    after = await client.last_seq(BOB_CHAT)
    cursor = await desk.forum_seq()
    await desk.staff_writes(STAFF, thread, "Bob's private answer")
    [note] = await desk.topic_messages(thread, after=cursor)
    assert note["text"] == "Not delivered: no chat is linked to the customer any more."
    assert "Bob's private answer" not in await desk.bot_texts(BOB_CHAT, after)
