"""Talk to a person end to end: the real bot, the sandbox's forum and customers over HTTP."""

from __future__ import annotations

import asyncio

from bot.sandbox.client import SandboxClient
from storage.store import SqlStore
from tests.e2e import shop
from tests.handoff.conftest import ALICE_CHAT, BOB_CHAT, OUTSIDER, STAFF, Desk
from tests.sql import fetch_all, fetch_value

OPENED = "I've asked our team to join."
REACHED = "Your message reached our team."
CLOSED = "Our team has closed this conversation."
RATE = "Thank you for talking with our team. How well did we help you?"
EXPECT = "Our team usually answers within working hours"
HINT = "Only messages from staff reach the customer; yours stays in this topic."


async def open_by_command(desk: Desk, chat_id: int, expect: str = OPENED) -> int:
    """The customer sends /human; the thread id of their topic, once the card is posted."""
    cursor = await desk.forum_seq()
    await desk.customer_says(chat_id, "/human", expect)
    [first] = await desk.client.wait_for(desk.forum, after=cursor)
    return int(first["message_thread_id"])


async def test_human_opens_a_topic_titled_with_the_name_and_orders_starting_with_the_order_card(
    desk: Desk,
) -> None:
    cursor = await desk.forum_seq()
    reply = await desk.customer_says(ALICE_CHAT, "/human", "17:00")
    assert "heute bis 17:00 (Zeit in Berlin)" in reply["text"]  # Alice reads German
    [first, *_] = await desk.client.wait_for(desk.forum, after=cursor)
    thread = int(first["message_thread_id"])
    assert await desk.topics() == {"Alice · 1001": thread}
    card = "\n".join(event["text"] for event in await desk.topic_transcript(thread))
    assert "Alice (C-ALICE) asked to talk to a person." in card
    assert "Order 1001" in card and "Office chair" in card and "Standing desk" in card
    assert "/close" in card


async def test_the_order_screen_offers_talk_to_a_person_which_opens_the_topic(
    desk: Desk, client: SandboxClient
) -> None:
    await desk.customer_says(BOB_CHAT, "/orders 2002", "Order 2002")
    after = await client.last_seq(BOB_CHAT)
    cursor = await desk.forum_seq()
    await client.press(BOB_CHAT, label="Talk to a person")
    reply = await desk.shown(BOB_CHAT, after, OPENED)
    assert "today until 5:00\u202fPM (Berlin time)" in reply["text"]
    [card, *_] = await client.wait_for(desk.forum, after=cursor)
    assert "Bob (C-BOB) asked to talk to a person." in card["text"]
    assert "Bob · 2002" in await desk.topics()


async def test_a_second_human_keeps_the_one_topic_open(desk: Desk) -> None:
    await open_by_command(desk, BOB_CHAT)
    reply = await desk.customer_says(BOB_CHAT, "/human", "already talking to our team")
    assert "just write here" in reply["text"]
    assert list(await desk.topics()) == ["Bob · 2002"]


async def test_the_customer_s_text_and_photo_reach_the_topic_and_they_are_told_once(
    desk: Desk, client: SandboxClient
) -> None:
    thread = await open_by_command(desk, BOB_CHAT)
    cursor = await desk.forum_seq()
    after = await client.last_seq(BOB_CHAT)
    await desk.customer_says(BOB_CHAT, "Where is my chair?", REACHED)
    await client.send_photo(BOB_CHAT, file_id="AgACbox", caption="The box arrived damaged")
    mirrored = await desk.topic_messages(thread, after=cursor, count=2)
    assert [event["text"] for event in mirrored] == [
        "Where is my chair?",
        "The box arrived damaged",
    ]
    assert mirrored[1]["photo"] == "AgACbox"
    await desk.customer_says(BOB_CHAT, "/orders", "open order")  # commands keep working
    told = [text for text in await desk.bot_texts(BOB_CHAT, after) if REACHED in text]
    assert len(told) == 1
    # When to expect an answer was said on /human; the first message does not repeat it.
    everything = await desk.bot_texts(BOB_CHAT, 0)
    assert sum(EXPECT in text for text in everything) == 1


async def test_a_staff_reply_reaches_the_customer_as_the_shop(
    desk: Desk, client: SandboxClient
) -> None:
    thread = await open_by_command(desk, BOB_CHAT)
    after = await client.last_seq(BOB_CHAT)
    await desk.staff_writes(STAFF, thread, "Your chair ships on 15 December.")
    copy = await desk.shown(BOB_CHAT, after, "Your chair ships")
    assert copy["text"] == "Your chair ships on 15 December."
    assert "from_user_id" not in copy


async def test_a_member_without_staff_rights_relays_nothing(
    desk: Desk, client: SandboxClient
) -> None:
    thread = await open_by_command(desk, BOB_CHAT)
    after = await client.last_seq(BOB_CHAT)
    cursor = await desk.forum_seq()
    await desk.staff_writes(OUTSIDER, thread, "psst, customer")
    [hint] = await desk.topic_messages(thread, after=cursor + 1)
    await desk.staff_writes(OUTSIDER, thread, "hello?")
    await desk.staff_writes(STAFF, thread, "Hello Bob")
    await desk.shown(BOB_CHAT, after, "Hello Bob")
    assert "psst, customer" not in await desk.bot_texts(BOB_CHAT, after)
    assert "hello?" not in await desk.bot_texts(BOB_CHAT, after)
    assert hint["text"] == HINT
    # Told once per member and topic: the second message brings no second hint.
    shown = [e["text"] for e in await desk.topic_transcript(thread) if e["kind"] == "bot_message"]
    assert shown.count(HINT) == 1


async def test_two_customers_each_reach_only_their_own_topic(
    desk: Desk, client: SandboxClient
) -> None:
    alice_thread = await open_by_command(desk, ALICE_CHAT, "17:00")
    bob_thread = await open_by_command(desk, BOB_CHAT)
    assert alice_thread != bob_thread
    await desk.customer_says(ALICE_CHAT, "Alice here", "bei unserem Team angekommen")
    await desk.customer_says(BOB_CHAT, "Bob here", REACHED)
    bob_after = await client.last_seq(BOB_CHAT)
    alice_after = await client.last_seq(ALICE_CHAT)
    await desk.staff_writes(STAFF, alice_thread, "For Alice only")
    await desk.staff_writes(STAFF, bob_thread, "For Bob only")
    await desk.shown(ALICE_CHAT, alice_after, "For Alice only")
    await desk.shown(BOB_CHAT, bob_after, "For Bob only")
    assert "For Bob only" not in await desk.bot_texts(ALICE_CHAT, alice_after)
    assert "For Alice only" not in await desk.bot_texts(BOB_CHAT, bob_after)
    alice_topic = [event["text"] for event in await desk.topic_transcript(alice_thread)]
    bob_topic = [event["text"] for event in await desk.topic_transcript(bob_thread)]
    assert "Alice here" in alice_topic and "Bob here" not in alice_topic
    assert "Bob here" in bob_topic and "Alice here" not in bob_topic


async def test_close_tells_the_customer_and_later_staff_messages_relay_nothing(
    desk: Desk, client: SandboxClient, store: SqlStore
) -> None:
    thread = await open_by_command(desk, BOB_CHAT)
    after = await client.last_seq(BOB_CHAT)
    cursor = await desk.forum_seq()
    await desk.staff_writes(STAFF, thread, "/close")
    told = await desk.shown(BOB_CHAT, after, CLOSED)
    [note] = await desk.topic_messages(thread, after=cursor)
    assert note["text"] == "Conversation closed; the customer was told."
    cursor = await desk.forum_seq()
    await desk.staff_writes(STAFF, thread, "one more thing")
    [refused] = await desk.topic_messages(thread, after=cursor)
    assert refused["text"].startswith("Not sent: this conversation is closed.")
    services = [e["service"] for e in await desk.topic_transcript(thread) if e.get("service")]
    assert services[-1] == "forum_topic_closed"
    assert "one more thing" not in await desk.bot_texts(BOB_CHAT, int(told["seq"]))
    actions = [
        (entry.actor, entry.action)
        for entry in await store.audit_entries()
        if entry.action.startswith("handoff.")
    ]
    assert actions == [("customer:C-BOB", "handoff.open"), (f"staff:{STAFF}", "handoff.close")]


async def test_a_closed_hand_off_asks_the_customer_once_for_a_rating(
    desk: Desk, client: SandboxClient, store: SqlStore
) -> None:
    thread = await open_by_command(desk, BOB_CHAT)
    after = await client.last_seq(BOB_CHAT)
    await desk.staff_writes(STAFF, thread, "/close")
    question = await desk.shown(BOB_CHAT, after, RATE)
    labels = [button["text"] for row in question["buttons"] for button in row]
    assert labels == [f"{n} ⭐" for n in range(1, 6)]
    # Reopened and closed again the same day: the question already asked stands alone (one
    # open question, at most one a day), so a score and its comment cannot part.
    await desk.customer_says(BOB_CHAT, "one more question", REACHED)
    after = await client.last_seq(BOB_CHAT)
    await desk.staff_writes(STAFF, thread, "/close")
    await desk.shown(BOB_CHAT, after, CLOSED)
    await all_handled(store)
    texts = await desk.bot_texts(BOB_CHAT, 0)
    assert sum(RATE in text for text in texts) == 1
    assert await fetch_value(store, "SELECT COUNT(*) FROM ratings") == 1


async def all_handled(store: SqlStore) -> None:
    """Wait until the bot has handled every update it received."""
    for _ in range(300):
        if not await store.unhandled_updates():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot did not handle every update")


async def test_a_customer_writing_after_close_reopens_the_topic_and_the_message_follows(
    desk: Desk, client: SandboxClient
) -> None:
    thread = await open_by_command(desk, BOB_CHAT)
    after = await client.last_seq(BOB_CHAT)
    await desk.staff_writes(STAFF, thread, "/close")
    await desk.shown(BOB_CHAT, after, CLOSED)
    cursor = await desk.forum_seq()
    reached = await desk.customer_says(BOB_CHAT, "Actually, one more question", REACHED)
    assert EXPECT in reached["text"]  # reopened by a message, not /human: said once, here
    await desk.topic_messages(thread, after=cursor, count=2)
    shown = await desk.client.transcript(desk.forum, after=cursor, message_thread_id=thread)
    texts = [event["text"] for event in shown if event["kind"] == "bot_message"]
    # Just the line: the card is already above in the topic.
    assert texts == ["Conversation reopened by the customer.", "Actually, one more question"]
    services = [e["service"] for e in await desk.topic_transcript(thread) if e.get("service")]
    assert services[-1] == "forum_topic_reopened"
    after = await client.last_seq(BOB_CHAT)
    await desk.staff_writes(STAFF, thread, "Sure, ask away")
    await desk.shown(BOB_CHAT, after, "Sure, ask away")


async def test_a_non_staff_close_changes_nothing(desk: Desk, client: SandboxClient) -> None:
    thread = await open_by_command(desk, BOB_CHAT)
    await desk.staff_writes(OUTSIDER, thread, "/close")
    after = await client.last_seq(BOB_CHAT)
    await desk.staff_writes(STAFF, thread, "still here")
    await desk.shown(BOB_CHAT, after, "still here")
    assert not any(CLOSED in text for text in await desk.bot_texts(BOB_CHAT, 0))


async def test_a_message_relayed_once_is_not_relayed_again_when_its_update_replays(
    desk: Desk, store: SqlStore
) -> None:
    thread = await open_by_command(desk, BOB_CHAT)
    cursor = await desk.forum_seq()
    await desk.customer_says(BOB_CHAT, "only once please", REACHED)
    await desk.topic_messages(thread, after=cursor)
    [relay] = await fetch_all(
        store,
        "SELECT handoff_id, from_message_id FROM handoff_relays WHERE from_chat_id = :chat",
        chat=BOB_CHAT,
    )
    handoff_id, message_id = relay.handoff_id, relay.from_message_id
    claim = await store.claim_relay(handoff_id, BOB_CHAT, message_id, at=shop.NOW)
    assert claim.done


async def test_a_staff_photo_reaches_the_customer_as_the_shop(
    desk: Desk, client: SandboxClient
) -> None:
    thread = await open_by_command(desk, BOB_CHAT)
    after = await client.last_seq(BOB_CHAT)
    await client.group_send(
        desk.forum,
        STAFF,
        text="This is the chair",
        photo_file_id="AgACchair",
        message_thread_id=thread,
    )
    copy = await desk.shown(BOB_CHAT, after, "This is the chair")
    assert (copy["photo"], copy.get("from_user_id")) == ("AgACchair", None)
