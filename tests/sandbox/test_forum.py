"""Forum supergroups: topics, members writing in them, copies between chats, photos, presses."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.client import SandboxClient, SandboxError
from bot.sandbox.flood import FloodGate
from tests.sandbox.conftest import BotApi

STAFF = 601
OUTSIDER = 602


@pytest.fixture
async def forum(client: SandboxClient, customer: int) -> int:
    """A forum supergroup with one staff admin and one plain member; its chat id."""
    await client.create_user(STAFF, "Sam", language_code="en")
    await client.create_user(OUTSIDER, "Olga", language_code="en")
    return await client.create_group("Support", [STAFF, OUTSIDER], admin_ids=[STAFF])


async def _updates(api: BotApi) -> list[dict[str, Any]]:
    updates: list[dict[str, Any]] = await api.result("getUpdates", timeout=0)
    if updates:
        await api.result("getUpdates", offset=updates[-1]["update_id"] + 1, timeout=0)
    return updates


async def test_a_new_topic_has_its_name_and_a_thread_id_and_shows_a_service_message(
    api: BotApi, client: SandboxClient, forum: int
) -> None:
    topic = await api.result("createForumTopic", chat_id=forum, name="Ann Lee · 1042")
    assert topic["name"] == "Ann Lee · 1042"
    thread = topic["message_thread_id"]
    events = await client.transcript(forum, message_thread_id=thread)
    assert [(e["kind"], e["service"]) for e in events] == [("service", "forum_topic_created")]


async def test_a_topic_name_must_have_1_to_128_characters(api: BotApi, forum: int) -> None:
    for name in ("", " "):
        status, _ = await api.call("createForumTopic", chat_id=forum, name=name)
        assert status == 400
    status, body = await api.call("createForumTopic", chat_id=forum, name="x" * 129)
    assert (status, body["description"]) == (400, "Bad Request: TOPIC_NAME_INVALID")
    assert await api.result("createForumTopic", chat_id=forum, name="x" * 128)


async def test_topics_exist_only_in_forums_and_need_the_right_to_manage_them(
    api: BotApi, client: SandboxClient, forum: int
) -> None:
    plain = await client.create_group("Plain", [STAFF], is_forum=False)
    status, body = await api.call("createForumTopic", chat_id=plain, name="x")
    assert (status, body["description"]) == (400, "Bad Request: the chat is not a forum")
    powerless = await client.create_group("Weak", [STAFF], bot_can_manage_topics=False)
    status, body = await api.call("createForumTopic", chat_id=powerless, name="x")
    assert status == 400
    assert "not enough rights" in body["description"]


async def test_a_message_to_an_unknown_thread_is_refused(api: BotApi, forum: int) -> None:
    status, body = await api.call("sendMessage", chat_id=forum, text="hi", message_thread_id=999)
    assert (status, body["description"]) == (400, "Bad Request: message thread not found")


async def test_the_bot_posts_into_a_topic_and_the_member_s_reply_reaches_it_as_a_topic_message(
    api: BotApi, client: SandboxClient, forum: int
) -> None:
    thread = (await api.result("createForumTopic", chat_id=forum, name="Ann"))["message_thread_id"]
    sent = await api.result("sendMessage", chat_id=forum, text="card", message_thread_id=thread)
    assert (sent["message_thread_id"], sent["is_topic_message"]) == (thread, True)
    assert sent["chat"] == {"id": forum, "type": "supergroup", "title": "Support", "is_forum": True}
    await _updates(api)
    await client.group_send(forum, STAFF, text="Hello Ann", message_thread_id=thread)
    [update] = await _updates(api)
    message = update["message"]
    assert message["chat"]["type"] == "supergroup"
    assert message["from"]["id"] == STAFF
    assert (message["message_thread_id"], message["is_topic_message"]) == (thread, True)
    assert message["text"] == "Hello Ann"


async def test_a_closed_topic_refuses_plain_members_but_not_admins_or_the_bot(
    api: BotApi, client: SandboxClient, forum: int
) -> None:
    thread = (await api.result("createForumTopic", chat_id=forum, name="Ann"))["message_thread_id"]
    assert await api.result("closeForumTopic", chat_id=forum, message_thread_id=thread) is True
    status, body = await api.call("closeForumTopic", chat_id=forum, message_thread_id=thread)
    assert (status, body["description"]) == (400, "Bad Request: TOPIC_NOT_MODIFIED")
    with pytest.raises(SandboxError, match="TOPIC_CLOSED"):
        await client.group_send(forum, OUTSIDER, text="let me in", message_thread_id=thread)
    await client.group_send(forum, STAFF, text="note", message_thread_id=thread)
    await api.result("sendMessage", chat_id=forum, text="bot note", message_thread_id=thread)
    assert await api.result("reopenForumTopic", chat_id=forum, message_thread_id=thread) is True
    await client.group_send(forum, OUTSIDER, text="now open", message_thread_id=thread)
    services = [
        e["service"]
        for e in await client.transcript(forum, message_thread_id=thread)
        if e.get("service")
    ]
    assert services == ["forum_topic_created", "forum_topic_closed", "forum_topic_reopened"]


async def test_a_bot_without_topic_rights_cannot_post_into_a_closed_topic(
    api: BotApi, client: SandboxClient, forum: int
) -> None:
    thread = (await api.result("createForumTopic", chat_id=forum, name="Ann"))["message_thread_id"]
    await api.result("closeForumTopic", chat_id=forum, message_thread_id=thread)
    await client.create_group(
        "Support", [STAFF, OUTSIDER], chat_id=forum, bot_can_manage_topics=False
    )
    status, body = await api.call("sendMessage", chat_id=forum, text="x", message_thread_id=thread)
    assert (status, body["description"]) == (400, "Bad Request: TOPIC_CLOSED")


async def test_a_renamed_topic_keeps_its_thread(
    api: BotApi, client: SandboxClient, forum: int
) -> None:
    thread = (await api.result("createForumTopic", chat_id=forum, name="Ann"))["message_thread_id"]
    assert await api.result(
        "editForumTopic", chat_id=forum, message_thread_id=thread, name="Ann · 1043"
    )
    events = await client.transcript(forum, message_thread_id=thread)
    assert events[-1]["service"] == "forum_topic_edited"


async def test_a_customer_s_photo_is_copied_into_a_topic_as_the_bot_s_own_message(
    api: BotApi, client: SandboxClient, forum: int, customer: int
) -> None:
    photo_id = await client.send_photo(customer, file_id="AgACphoto1", caption="the box")
    [update] = await _updates(api)
    sizes = update["message"]["photo"]
    assert sizes[-1]["file_id"] == "AgACphoto1"
    assert {"file_id", "file_unique_id", "width", "height"} <= set(sizes[0])
    assert update["message"]["caption"] == "the box"
    thread = (await api.result("createForumTopic", chat_id=forum, name="Ann"))["message_thread_id"]
    copied = await api.result(
        "copyMessage",
        chat_id=forum,
        from_chat_id=customer,
        message_id=photo_id,
        message_thread_id=thread,
    )
    assert set(copied) == {"message_id"}
    [event] = await client.wait_for(forum, after=0, message_thread_id=thread)
    assert (event["photo"], event["text"], event.get("from_user_id")) == (
        "AgACphoto1",
        "the box",
        None,
    )


async def test_a_staff_text_copied_to_the_customer_shows_as_sent_by_the_bot(
    api: BotApi, client: SandboxClient, forum: int, customer: int
) -> None:
    thread = (await api.result("createForumTopic", chat_id=forum, name="Ann"))["message_thread_id"]
    staff_message = await client.group_send(
        forum, STAFF, text="It ships Friday", message_thread_id=thread
    )
    cursor = await client.last_seq(customer)
    await api.result("copyMessage", chat_id=customer, from_chat_id=forum, message_id=staff_message)
    [event] = await client.wait_for(customer, after=cursor)
    assert (event["kind"], event["text"]) == ("bot_message", "It ships Friday")
    assert "from_user_id" not in event


async def test_copying_a_missing_message_is_refused(api: BotApi, forum: int, customer: int) -> None:
    status, body = await api.call(
        "copyMessage", chat_id=forum, from_chat_id=customer, message_id=99
    )
    assert (status, body["description"]) == (400, "Bad Request: message to copy not found")


async def test_a_copy_to_a_customer_who_blocked_the_bot_is_forbidden(
    api: BotApi, client: SandboxClient, forum: int, customer: int
) -> None:
    staff_message = await client.group_send(forum, STAFF, text="hello")
    await client.block(customer)
    status, body = await api.call(
        "copyMessage", chat_id=customer, from_chat_id=forum, message_id=staff_message
    )
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")


async def test_a_member_presses_a_button_in_the_group(
    api: BotApi, client: SandboxClient, forum: int
) -> None:
    await api.result(
        "sendMessage",
        chat_id=forum,
        text="Undelivered notice",
        reply_markup={"inline_keyboard": [[{"text": "Mark paid", "callback_data": "paid:1"}]]},
    )
    await _updates(api)
    query_id = await client.group_press(forum, STAFF, label="Mark paid")
    [update] = await _updates(api)
    query = update["callback_query"]
    assert (query["id"], query["from"]["id"], query["data"]) == (query_id, STAFF, "paid:1")
    assert query["message"]["chat"]["id"] == forum
    assert await api.result("answerCallbackQuery", callback_query_id=query_id, text="Done")


async def test_only_members_write_or_press_in_a_group(
    client: SandboxClient, forum: int, customer: int
) -> None:
    with pytest.raises(SandboxError, match="not a member"):
        await client.group_send(forum, customer, text="hi")


def test_a_group_takes_about_20_messages_a_minute() -> None:
    gate = FloodGate(global_rate=None, per_chat_rate=None, burst=3, group_rate_per_minute=20)
    assert all(gate.admit(-100, now=0.0, group=True) is None for _ in range(20))
    assert gate.admit(-100, now=0.0, group=True) == 3
    assert gate.admit(-100, now=3.0, group=True) is None
    assert gate.admit(501, now=3.0) is None


async def test_the_group_limit_answers_429_with_retry_after(
    api: BotApi, client: SandboxClient, forum: int
) -> None:
    await client.configure(group_rate_per_minute=2)
    for _ in range(2):
        await api.result("sendMessage", chat_id=forum, text="alert")
    status, body = await api.call("sendMessage", chat_id=forum, text="alert")
    assert (status, body["parameters"]["retry_after"]) == (429, 30)


async def test_a_member_who_never_opened_the_bots_chat_cannot_be_written_to_until_they_write(
    api: BotApi, client: SandboxClient
) -> None:
    await client.create_user(777, "Alex", language_code="en", started=False)
    group = await client.create_group("Support", [777])
    await client.group_send(group, 777, text="hello team")
    status, body = await api.call("sendMessage", chat_id=777, text="Move the date?")
    assert (status, body["description"]) == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    await client.send_text(777, "/start")
    sent = await api.result("sendMessage", chat_id=777, text="Move the date?")
    assert sent["chat"]["id"] == 777
