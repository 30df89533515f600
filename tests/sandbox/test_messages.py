"""Sending and editing messages: limits, HTML, keyboards, blocked users and faults."""

from __future__ import annotations

import json

import pytest

from bot.sandbox.client import SandboxClient
from tests.sandbox.conftest import BotApi

YES_BUTTON = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}


async def test_a_sent_message_shows_in_the_transcript_as_plain_text_with_its_html_source(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    sent = await api.result(
        "sendMessage", chat_id=customer, text="Ships <b>12 Dec</b>", parse_mode="HTML"
    )
    assert sent["text"] == "Ships 12 Dec"
    assert sent["entities"] == [{"type": "bold", "offset": 6, "length": 6}]
    [event] = await client.transcript(customer)
    assert (event["kind"], event["text"], event["html"]) == (
        "bot_message",
        "Ships 12 Dec",
        "Ships <b>12 Dec</b>",
    )


async def test_a_message_of_4096_characters_is_sent_but_4097_is_too_long(
    api: BotApi, customer: int
) -> None:
    fits = "<b>" + "x" * 4096 + "</b>"
    status, _ = await api.call("sendMessage", chat_id=customer, text=fits, parse_mode="HTML")
    assert status == 200
    status, body = await api.call("sendMessage", chat_id=customer, text="x" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")


@pytest.mark.parametrize("text", ["", "   \n", "<b></b>"])
async def test_a_message_without_visible_text_is_refused_as_empty(
    api: BotApi, customer: int, text: str
) -> None:
    status, body = await api.call("sendMessage", chat_id=customer, text=text, parse_mode="HTML")
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")


async def test_unescaped_html_is_refused_with_cant_parse_entities(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    status, body = await api.call(
        "sendMessage", chat_id=customer, text="Total < 5 items", parse_mode="HTML"
    )
    assert status == 400
    assert body["description"].startswith("Bad Request: can't parse entities: ")
    assert await client.transcript(customer) == []


async def test_callback_data_up_to_64_bytes_is_accepted_and_65_refused(
    api: BotApi, customer: int
) -> None:
    def keyboard(data: str) -> dict[str, object]:
        return {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}

    status, _ = await api.call(
        "sendMessage", chat_id=customer, text="a", reply_markup=keyboard("é" * 32)
    )
    assert status == 200
    status, body = await api.call(
        "sendMessage", chat_id=customer, text="a", reply_markup=keyboard("x" * 65)
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


async def test_an_inline_keyboard_of_100_buttons_is_accepted_and_101_refused(
    api: BotApi, customer: int
) -> None:
    def keyboard(count: int) -> dict[str, object]:
        return {
            "inline_keyboard": [[{"text": f"{n}", "callback_data": f"b{n}"}] for n in range(count)]
        }

    status, _ = await api.call(
        "sendMessage", chat_id=customer, text="a", reply_markup=keyboard(100)
    )
    assert status == 200
    status, body = await api.call(
        "sendMessage", chat_id=customer, text="a", reply_markup=keyboard(101)
    )
    assert (status, body["description"]) == (400, "Bad Request: reply markup is too long")


async def test_a_message_to_an_unknown_chat_is_refused(api: BotApi) -> None:
    status, body = await api.call("sendMessage", chat_id=999999, text="hello")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")


async def test_a_form_encoded_call_with_a_json_keyboard_works_as_ptb_sends_it(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    status, body = await api.call_form(
        "sendMessage",
        chat_id=str(customer),
        text="Share your phone?",
        disable_notification="true",
        reply_markup=json.dumps(
            {"keyboard": [[{"text": "Share my phone number", "request_contact": True}]]}
        ),
    )
    assert (status, body["ok"]) == (200, True)
    [event] = await client.transcript(customer)
    assert event["keyboard"] == "reply"
    assert event["buttons"] == [[{"text": "Share my phone number", "request_contact": True}]]


async def test_removing_the_reply_keyboard_is_recorded(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await api.result(
        "sendMessage", chat_id=customer, text="Thanks", reply_markup={"remove_keyboard": True}
    )
    [event] = await client.transcript(customer)
    assert (event["keyboard"], event["buttons"]) == ("remove", [])


async def test_editing_a_message_changes_what_the_chat_shows_and_records_an_edit(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    sent = await api.result("sendMessage", chat_id=customer, text="Pick", reply_markup=YES_BUTTON)
    edited = await api.result(
        "editMessageText",
        chat_id=customer,
        message_id=sent["message_id"],
        text="<i>Done</i>",
        parse_mode="HTML",
    )
    assert (edited["text"], "reply_markup" in edited, "edit_date" in edited) == (
        "Done",
        False,
        True,
    )
    events = await client.transcript(customer)
    assert [(e["kind"], e["text"], e["keyboard"]) for e in events] == [
        ("bot_message", "Pick", "inline"),
        ("bot_edit", "Done", None),
    ]


async def test_editing_with_identical_content_is_refused_as_not_modified(
    api: BotApi, customer: int
) -> None:
    sent = await api.result("sendMessage", chat_id=customer, text="Same", reply_markup=YES_BUTTON)
    status, body = await api.call(
        "editMessageText",
        chat_id=customer,
        message_id=sent["message_id"],
        text="Same",
        reply_markup=YES_BUTTON,
    )
    assert status == 400
    assert body["description"].startswith("Bad Request: message is not modified")


async def test_the_keyboard_alone_can_be_replaced_or_removed(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    sent = await api.result("sendMessage", chat_id=customer, text="Pick", reply_markup=YES_BUTTON)
    no_button = {"inline_keyboard": [[{"text": "No", "callback_data": "no"}]]}
    await api.result(
        "editMessageReplyMarkup",
        chat_id=customer,
        message_id=sent["message_id"],
        reply_markup=no_button,
    )
    await api.result("editMessageReplyMarkup", chat_id=customer, message_id=sent["message_id"])
    events = await client.transcript(customer)
    assert [e["buttons"] for e in events] == [
        [[{"text": "Yes", "callback_data": "yes"}]],
        [[{"text": "No", "callback_data": "no"}]],
        [],
    ]


async def test_a_users_message_cannot_be_edited_by_the_bot(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    message_id = await client.send_text(customer, "hello")
    status, body = await api.call(
        "editMessageText", chat_id=customer, message_id=message_id, text="changed"
    )
    assert (status, body["description"]) == (400, "Bad Request: message can't be edited")
    status, body = await api.call("editMessageText", chat_id=customer, message_id=99, text="x")
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")


async def test_sending_to_a_user_who_blocked_the_bot_is_forbidden_until_unblocked(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.block(customer)
    status, body = await api.call("sendMessage", chat_id=customer, text="Your order shipped")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    await client.unblock(customer)
    status, _ = await api.call("sendMessage", chat_id=customer, text="Your order shipped")
    assert status == 200
    assert (await client.stats())["forbidden"] == 1


async def test_injected_faults_answer_5xx_and_are_counted(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.configure(fault_5xx_rate=1.0, seed=7)
    status, body = await api.call("sendMessage", chat_id=customer, text="hello")
    assert status in (500, 502)
    assert body["ok"] is False
    await client.configure(fault_5xx_rate=0.0)
    status, _ = await api.call("sendMessage", chat_id=customer, text="hello")
    assert status == 200
    assert (await client.stats())["faults_injected"] == 1


async def test_the_same_seed_injects_the_same_faults(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    async def statuses() -> list[int]:
        await client.configure(fault_5xx_rate=0.5, seed=42)
        results = [await api.call("sendMessage", chat_id=customer, text="hi") for _ in range(12)]
        return [status for status, _ in results]

    first = await statuses()
    assert first == await statuses()
    assert 200 in first
    assert {500, 502} & set(first)


async def test_a_deleted_message_is_gone_from_the_chat(api: BotApi, customer: int) -> None:
    sent = await api.result("sendMessage", chat_id=customer, text="oops")
    assert await api.result("deleteMessage", chat_id=customer, message_id=sent["message_id"])
    status, body = await api.call("deleteMessage", chat_id=customer, message_id=sent["message_id"])
    assert (status, body["description"]) == (400, "Bad Request: message to delete not found")


def _keyboard(rows: int, per_row: int, text: str = "Go") -> dict[str, object]:
    return {
        "inline_keyboard": [
            [{"text": text, "callback_data": f"{row}-{column}"} for column in range(per_row)]
            for row in range(rows)
        ]
    }


@pytest.mark.parametrize(
    ("rows", "per_row", "text"),
    [(101, 1, "Go"), (1, 9, "Go"), (60, 1, "Stainless gastronorm pan 1/1 GN no.07 " * 8)],
)
async def test_a_keyboard_over_100_buttons_8_a_row_or_10_kb_is_refused_as_too_long(
    api: BotApi, client: SandboxClient, customer: int, rows: int, per_row: int, text: str
) -> None:
    status, body = await api.call(
        "sendMessage", chat_id=customer, text="a", reply_markup=_keyboard(rows, per_row, text)
    )
    assert (status, body["description"]) == (400, "Bad Request: reply markup is too long")
    assert await client.transcript(customer) == []


async def test_a_keyboard_of_100_buttons_8_a_row_is_accepted(api: BotApi, customer: int) -> None:
    status, _ = await api.call(
        "sendMessage", chat_id=customer, text="a", reply_markup=_keyboard(12, 8)
    )
    assert status == 200
    status, _ = await api.call(
        "sendMessage", chat_id=customer, text="a", reply_markup=_keyboard(100, 1)
    )
    assert status == 200


async def test_an_edit_with_too_many_buttons_is_refused_and_changes_nothing(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    sent = await api.result("sendMessage", chat_id=customer, text="a", reply_markup=YES_BUTTON)
    status, body = await api.call(
        "editMessageText",
        chat_id=customer,
        message_id=sent["message_id"],
        text="b",
        reply_markup=_keyboard(101, 1),
    )
    assert (status, body["description"]) == (400, "Bad Request: reply markup is too long")
    [event] = await client.transcript(customer)
    assert event["text"] == "a"


async def test_a_message_the_user_deleted_can_no_longer_be_edited(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    sent = await api.result(
        "sendMessage", chat_id=customer, text="Cancel?", reply_markup=YES_BUTTON
    )
    await client.delete_message(customer, sent["message_id"])
    status, body = await api.call(
        "editMessageText", chat_id=customer, message_id=sent["message_id"], text="Cancelled"
    )
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
    assert [event["kind"] for event in await client.transcript(customer)] == [
        "bot_message",
        "user_delete",
    ]
