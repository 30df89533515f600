"""getUpdates: long polling, confirming by offset, filtering, and the shape of updates."""

from __future__ import annotations

import asyncio

from bot.sandbox.client import SandboxClient
from tests.sandbox.conftest import CUSTOMER_PHONE, BotApi


async def test_a_long_poll_returns_as_soon_as_the_user_writes(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    poll = asyncio.create_task(api.result("getUpdates", timeout=30))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await client.send_text(customer, "where is my order?")
    [update] = await asyncio.wait_for(poll, timeout=10)
    assert update["message"]["text"] == "where is my order?"
    assert update["message"]["chat"] == {
        "id": customer,
        "type": "private",
        "first_name": "Ann",
        "last_name": "Lee",
    }
    assert update["message"]["from"]["language_code"] == "de"


async def test_a_poll_without_updates_returns_an_empty_list_after_its_timeout(
    api: BotApi, customer: int
) -> None:
    assert await api.result("getUpdates", timeout=0) == []


async def test_updates_below_the_offset_are_confirmed_and_not_sent_again(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.send_text(customer, "one")
    await client.send_text(customer, "two")
    first, second = await api.result("getUpdates")
    assert first["update_id"] + 1 == second["update_id"]
    assert [u["message"]["text"] for u in await api.result("getUpdates")] == ["one", "two"]
    remaining = await api.result("getUpdates", offset=second["update_id"])
    assert [u["message"]["text"] for u in remaining] == ["two"]
    assert await api.result("getUpdates", offset=second["update_id"] + 1) == []


async def test_limit_caps_the_batch_and_a_negative_offset_keeps_only_the_latest(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    for text in ("a", "b", "c"):
        await client.send_text(customer, text)
    assert [u["message"]["text"] for u in await api.result("getUpdates", limit=2)] == ["a", "b"]
    assert [u["message"]["text"] for u in await api.result("getUpdates", offset=-1)] == ["c"]


async def test_allowed_updates_filters_what_the_bot_receives(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.send_text(customer, "ignored")
    await client.block(customer)
    updates = await api.result("getUpdates", allowed_updates=["my_chat_member"])
    assert [list(update)[1] for update in updates] == ["my_chat_member"]


async def test_a_command_carries_a_bot_command_entity_and_plain_text_none(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.send_text(customer, "/start abc123")
    await client.send_text(customer, "A-1001")
    command, plain = await api.result("getUpdates")
    assert command["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert "entities" not in plain["message"]


async def test_a_shared_contact_carries_the_phone_and_whose_contact_it_is(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.share_contact(customer)
    await client.share_contact(customer, phone_number="+15550100", contact_user_id=777)
    own, forged = await api.result("getUpdates")
    assert own["message"]["contact"] == {
        "phone_number": CUSTOMER_PHONE,
        "first_name": "Ann",
        "last_name": "Lee",
        "user_id": customer,
    }
    assert (forged["message"]["contact"]["user_id"], forged["message"]["from"]["id"]) == (
        777,
        customer,
    )


async def test_a_button_press_arrives_with_the_message_as_currently_shown(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Cancel line 2", "callback_data": "cancel:2"}]]}
    sent = await api.result("sendMessage", chat_id=customer, text="v1", reply_markup=keyboard)
    await api.result(
        "editMessageText",
        chat_id=customer,
        message_id=sent["message_id"],
        text="v2",
        reply_markup=keyboard,
    )
    query_id = await client.press(customer, label="Cancel")
    [update] = await api.result("getUpdates")
    query = update["callback_query"]
    assert (query["id"], query["data"], query["from"]["id"]) == (query_id, "cancel:2", customer)
    assert (query["message"]["message_id"], query["message"]["text"]) == (sent["message_id"], "v2")
    assert query["chat_instance"]


async def test_blocking_and_unblocking_send_my_chat_member_updates(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.block(customer)
    await client.unblock(customer)
    blocked, unblocked = await api.result("getUpdates")
    assert blocked["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert unblocked["my_chat_member"]["new_chat_member"]["status"] == "member"


async def test_delete_webhook_can_drop_pending_updates(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.send_text(customer, "stale")
    assert (await api.result("getWebhookInfo"))["pending_update_count"] == 1
    assert await api.result("deleteWebhook", drop_pending_updates=True) is True
    assert await api.result("getUpdates") == []


async def test_a_second_poller_ends_the_first_with_409_conflict(api: BotApi, customer: int) -> None:
    first = asyncio.create_task(api.call("getUpdates", timeout=30))
    await asyncio.sleep(0.05)
    assert await api.result("getUpdates", timeout=0) == []
    status, body = await asyncio.wait_for(first, timeout=10)
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")
