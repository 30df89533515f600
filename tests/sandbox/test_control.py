"""The control API: users act, transcripts record, settings change at run time."""

from __future__ import annotations

import pytest

from bot.sandbox.client import SandboxClient, SandboxError, SandboxTimeout
from tests.sandbox.conftest import BOT_ID, BotApi

ORDER_BUTTONS = {
    "inline_keyboard": [
        [{"text": "Order A-1001", "callback_data": "order:A-1001"}],
        [{"text": "Help", "url": "https://example.com/help"}],
    ]
}


async def test_the_transcript_lists_every_event_of_the_chat_in_order(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.send_text(customer, "/orders")
    await api.result(
        "sendMessage", chat_id=customer, text="Your orders", reply_markup=ORDER_BUTTONS
    )
    query_id = await client.press(customer, label="A-1001")
    await api.result("answerCallbackQuery", callback_query_id=query_id, text="Opening…")
    await client.share_contact(customer)
    events = await client.transcript(customer)
    assert [(e["kind"], e["text"]) for e in events] == [
        ("user_message", "/orders"),
        ("bot_message", "Your orders"),
        ("user_press", "Order A-1001"),
        ("callback_answer", "Opening…"),
        ("user_contact", "+4915112345678"),
    ]
    assert events[3]["callback_answer_text"] == "Opening…"
    assert events[1]["buttons"][1] == [{"text": "Help", "url": "https://example.com/help"}]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    later = await client.transcript(customer, after=events[2]["seq"])
    assert [e["kind"] for e in later] == ["callback_answer", "user_contact"]


async def test_wait_for_returns_the_bots_messages_and_edits_after_a_cursor(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    cursor = await client.last_seq(customer)
    await client.send_text(customer, "hi")
    sent = await api.result("sendMessage", chat_id=customer, text="Hello!")
    await api.result("editMessageText", chat_id=customer, message_id=sent["message_id"], text="Hi!")
    events = await client.wait_for(customer, after=cursor, count=2)
    assert [(e["kind"], e["text"]) for e in events] == [
        ("bot_message", "Hello!"),
        ("bot_edit", "Hi!"),
    ]


async def test_wait_for_gives_up_with_a_timeout_naming_what_arrived(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await api.result("sendMessage", chat_id=customer, text="only one")
    with pytest.raises(SandboxTimeout) as waited:
        await client.wait_for(customer, after=0, count=2, timeout=0.2)
    assert [e["text"] for e in waited.value.events] == ["only one"]
    assert "only one" in str(waited.value)


async def test_pressing_a_label_that_is_not_shown_fails_and_lists_the_buttons(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await api.result("sendMessage", chat_id=customer, text="Orders", reply_markup=ORDER_BUTTONS)
    with pytest.raises(SandboxError) as refused:
        await client.press(customer, label="B-2002")
    assert refused.value.status == 404
    assert "Order A-1001" in refused.value.description


async def test_forged_callback_data_reaches_the_bot_unchanged(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    sent = await api.result(
        "sendMessage", chat_id=customer, text="Orders", reply_markup=ORDER_BUTTONS
    )
    await client.press(customer, data="order:SOMEONE-ELSES", message_id=sent["message_id"])
    [update] = await api.result("getUpdates")
    assert update["callback_query"]["data"] == "order:SOMEONE-ELSES"
    [press] = [e for e in await client.transcript(customer) if e["kind"] == "user_press"]
    assert (press["text"], press["callback_data"]) == ("", "order:SOMEONE-ELSES")


async def test_a_callback_query_can_be_answered_only_once(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await api.result("sendMessage", chat_id=customer, text="Orders", reply_markup=ORDER_BUTTONS)
    query_id = await client.press(customer, label="A-1001")
    assert await api.result("answerCallbackQuery", callback_query_id=query_id) is True
    status, body = await api.call("answerCallbackQuery", callback_query_id=query_id)
    assert status == 400
    assert "query ID is invalid" in body["description"]


async def test_an_unknown_setting_is_refused_and_nothing_changes(client: SandboxClient) -> None:
    with pytest.raises(SandboxError) as refused:
        await client.configure(burst=5, flood="yes")
    assert refused.value.status == 400
    with pytest.raises(SandboxError):
        await client.configure(fault_5xx_rate=2)


async def test_stats_count_calls_per_method_and_messages_sent(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await api.result("getMe")
    await api.result("sendMessage", chat_id=customer, text="a")
    await api.result("sendMessage", chat_id=customer, text="b")
    stats = await client.stats()
    assert stats["calls"] == {"getMe": 1, "sendMessage": 2}
    assert stats["messages_sent"] == 2


async def test_two_bots_share_a_sandbox_without_seeing_each_others_chats(
    sandbox_api_for_second_bot: BotApi, api: BotApi, client: SandboxClient, customer: int
) -> None:
    await api.result("getMe")
    other = SandboxClient(client.base_url, bot_id=42)
    try:
        await other.create_user(customer, "Echo user")
        await other.send_text(customer, "ping")
        assert await api.result("getUpdates") == []
        [update] = await sandbox_api_for_second_bot.result("getUpdates")
        assert update["message"]["text"] == "ping"
        me = await sandbox_api_for_second_bot.result("getMe")
        assert (me["id"], (await api.result("getMe"))["id"]) == (42, BOT_ID)
    finally:
        await other.close()


@pytest.fixture
def sandbox_api_for_second_bot(api: BotApi) -> BotApi:
    """A Bot API caller for a second bot (id 42) on the same sandbox."""
    return BotApi(api.session, api.api_base_url, token="42:second-bot-secret")


async def test_command_menus_are_kept_per_language_and_scope(api: BotApi) -> None:
    german = [{"command": "bestellungen", "description": "Meine Bestellungen"}]
    english = [{"command": "orders", "description": "My orders"}]
    await api.result("setMyCommands", commands=german, language_code="de")
    await api.result("setMyCommands", commands=english)
    assert await api.result("getMyCommands", language_code="de") == german
    assert await api.result("getMyCommands") == english
    assert await api.result("getMyCommands", scope={"type": "all_group_chats"}) == []
    await api.result("deleteMyCommands", language_code="de")
    assert await api.result("getMyCommands", language_code="de") == []


async def test_a_chat_scope_keeps_its_own_menu_and_needs_its_chat_id(api: BotApi) -> None:
    staff = [{"command": "po", "description": "A purchase order"}]
    await api.result("setMyCommands", commands=staff, scope={"type": "chat", "chat_id": 555})
    assert await api.result("getMyCommands", scope={"type": "chat", "chat_id": "555"}) == staff
    assert await api.result("getMyCommands", scope={"type": "chat", "chat_id": 556}) == []
    assert await api.result("getMyCommands") == []
    status, body = await api.call("setMyCommands", commands=staff, scope={"type": "chat"})
    assert (status, body["description"]) == (
        400,
        "Bad Request: wrong bot command scope specified",
    )


async def test_an_invalid_command_name_is_refused(api: BotApi) -> None:
    status, body = await api.call(
        "setMyCommands", commands=[{"command": "My Orders", "description": "x"}]
    )
    assert (status, body["description"]) == (400, "Bad Request: BOT_COMMAND_INVALID")


async def test_the_menu_button_is_kept_per_chat_with_the_bot_default_as_fallback(
    api: BotApi, customer: int
) -> None:
    assert await api.result("getChatMenuButton", chat_id=customer) == {"type": "commands"}
    await api.result("setChatMenuButton", chat_id=customer, menu_button={"type": "default"})
    await api.result("setChatMenuButton", menu_button={"type": "commands"})
    assert await api.result("getChatMenuButton", chat_id=customer) == {"type": "commands"}


async def test_acting_for_a_user_who_was_never_created_fails_clearly(
    client: SandboxClient,
) -> None:
    with pytest.raises(SandboxError) as refused:
        await client.send_text(4242, "hello")
    assert (refused.value.status, "create the user first" in refused.value.description) == (
        404,
        True,
    )


async def test_a_press_left_unanswered_until_it_expires_is_too_old_to_answer(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await api.result("sendMessage", chat_id=customer, text="Orders", reply_markup=ORDER_BUTTONS)
    query_id = await client.press(customer, label="A-1001")
    assert await client.expire_callbacks() == 1
    status, body = await api.call("answerCallbackQuery", callback_query_id=query_id)
    assert (status, body["description"]) == (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )


async def test_a_method_named_in_failing_methods_answers_500_and_others_work(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.configure(failing_methods="setMyCommands")
    commands = [{"command": "orders", "description": "Your orders"}]
    status, body = await api.call("setMyCommands", commands=commands)
    assert (status, body["description"]) == (500, "Internal Server Error")
    status, _ = await api.call("sendMessage", chat_id=customer, text="still here")
    assert status == 200


async def test_fail_next_fails_that_many_calls_of_a_method_with_the_fault_code_then_clears(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.configure(fail_next="sendMessage:2", fault_code=502)
    answers = [await api.call("sendMessage", chat_id=customer, text="hi") for _ in range(3)]
    assert [(status, body.get("description")) for status, body in answers[:2]] == [
        (502, "Bad Gateway"),
        (502, "Bad Gateway"),
    ]
    assert answers[2][0] == 200
    assert (await client.stats())["faults_injected"] == 2


async def test_an_injected_429_carries_retry_after_as_telegram_sends_it(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.configure(fail_next="sendMessage:1", fault_code=429)
    status, body = await api.call("sendMessage", chat_id=customer, text="hi")
    assert (status, body["parameters"]) == (429, {"retry_after": 1})


@pytest.mark.parametrize(
    "changes",
    [{"fail_next": "sendMessage"}, {"fail_next": "sendMessage:two"}, {"fault_code": 418}],
)
async def test_a_malformed_fault_setting_is_refused(
    client: SandboxClient, changes: dict[str, object]
) -> None:
    with pytest.raises(SandboxError):
        await client.configure(**changes)
