"""setWebhook, deleteWebhook, getWebhookInfo and webhook delivery, as Telegram has them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from tests.sandbox.conftest import BotApi

SECRET = "s3cret_token-1"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@dataclass
class Receiver:
    """A webhook endpoint that records what it is sent and answers `statuses` in turn (then 200)."""

    statuses: list[int] = field(default_factory=list)
    posts: list[tuple[str | None, dict[str, Any], int]] = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Record the POST, answer the next status."""
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            body = await request.json()
            await asyncio.sleep(0.01)
            status = self.statuses.pop(0) if self.statuses else 200
            self.posts.append((request.headers.get(SECRET_HEADER), body, status))
            self.arrived.set()
            return web.Response(status=status)
        finally:
            self.in_flight -= 1

    def acknowledged(self) -> list[dict[str, Any]]:
        """The updates the receiver answered 2xx, in arrival order."""
        return [body for _, body, status in self.posts if status == 200]

    async def wait_for(self, count: int) -> list[dict[str, Any]]:
        """Wait until `count` updates were acknowledged."""
        for _ in range(500):
            if len(self.acknowledged()) >= count:
                return self.acknowledged()
            await asyncio.sleep(0.01)
        raise AssertionError(f"only {len(self.acknowledged())} of {count} updates arrived")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A running webhook endpoint at /telegram on 127.0.0.1."""
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/telegram", endpoint.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    endpoint.url = str(server.make_url("/telegram"))
    yield endpoint
    await server.close()


async def test_updates_are_posted_to_the_webhook_with_the_secret_and_getupdates_is_refused(
    api: BotApi, client: SandboxClient, customer: int, receiver: Receiver
) -> None:
    assert await api.result("setWebhook", url=receiver.url, secret_token=SECRET) is True
    await client.send_text(customer, "hello")
    [update] = await receiver.wait_for(1)
    assert update["message"]["text"] == "hello"
    assert receiver.posts[0][0] == SECRET
    status, body = await api.call("getUpdates")
    assert (status, body["description"]) == (409, WEBHOOK_CONFLICT)
    info = await api.result("getWebhookInfo")
    assert (info["url"], info["pending_update_count"], info["max_connections"]) == (
        receiver.url,
        0,
        40,
    )


async def test_a_webhook_without_a_secret_gets_no_secret_header(
    api: BotApi, client: SandboxClient, customer: int, receiver: Receiver
) -> None:
    await api.result("setWebhook", url=receiver.url)
    await client.send_text(customer, "hello")
    await receiver.wait_for(1)
    assert receiver.posts[0][0] is None


async def test_updates_arrive_one_at_a_time_in_update_id_order(
    api: BotApi, client: SandboxClient, customer: int, receiver: Receiver
) -> None:
    for number in range(5):
        await client.send_text(customer, f"message {number}")
    await api.result("setWebhook", url=receiver.url, secret_token=SECRET)
    updates = await receiver.wait_for(5)
    assert [update["message"]["text"] for update in updates] == [
        f"message {number}" for number in range(5)
    ]
    ids = [update["update_id"] for update in updates]
    assert ids == sorted(ids)
    assert receiver.peak_in_flight == 1


async def test_an_update_is_posted_again_until_the_webhook_answers_2xx(
    api: BotApi, client: SandboxClient, customer: int, receiver: Receiver
) -> None:
    receiver.statuses = [500, 502]
    await api.result("setWebhook", url=receiver.url, secret_token=SECRET)
    await client.send_text(customer, "first")
    await client.send_text(customer, "second")
    updates = await receiver.wait_for(2)
    assert [update["message"]["text"] for update in updates] == ["first", "second"]
    assert [(body["message"]["text"], status) for _, body, status in receiver.posts] == [
        ("first", 500),
        ("first", 502),
        ("first", 200),
        ("second", 200),
    ]
    info = await api.result("getWebhookInfo")
    assert info["pending_update_count"] == 0
    assert info["last_error_message"] == "Wrong response from the webhook: 502 Bad Gateway"
    assert isinstance(info["last_error_date"], int)


async def test_an_unreachable_webhook_keeps_the_update_and_says_why(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await api.result("setWebhook", url="http://127.0.0.1:9/telegram")
    await client.send_text(customer, "hello")
    for _ in range(200):
        info = await api.result("getWebhookInfo")
        if "last_error_message" in info:
            break
        await asyncio.sleep(0.02)
    assert info["last_error_message"].startswith("Connection failed")
    assert info["pending_update_count"] == 1


async def test_allowed_updates_are_honoured_by_webhook_delivery(
    api: BotApi, client: SandboxClient, customer: int, receiver: Receiver
) -> None:
    sent = await api.result(
        "sendMessage",
        chat_id=customer,
        text="Pick",
        reply_markup={"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]},
    )
    await api.result(
        "setWebhook", url=receiver.url, secret_token=SECRET, allowed_updates=["callback_query"]
    )
    await client.send_text(customer, "not wanted")
    await client.press(customer, label="Yes")
    [update] = await receiver.wait_for(1)
    assert update["callback_query"]["message"]["message_id"] == sent["message_id"]
    assert (await api.result("getWebhookInfo"))["allowed_updates"] == ["callback_query"]


async def test_delete_webhook_stops_delivery_and_getupdates_works_again(
    api: BotApi, client: SandboxClient, customer: int, receiver: Receiver, sandbox: Sandbox
) -> None:
    await api.result("setWebhook", url=receiver.url, secret_token=SECRET)
    await api.result("deleteWebhook")
    await client.send_text(customer, "after")
    [update] = await api.result("getUpdates")
    assert update["message"]["text"] == "after"
    assert receiver.posts == []
    assert (await api.result("getWebhookInfo"))["url"] == ""


async def test_setwebhook_with_an_empty_url_removes_the_webhook(
    api: BotApi, receiver: Receiver
) -> None:
    await api.result("setWebhook", url=receiver.url)
    assert await api.result("setWebhook", url="") is True
    assert (await api.result("getWebhookInfo"))["url"] == ""
    assert await api.result("getUpdates") == []


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"url": "http://bot.example.com/telegram"}, "An HTTPS URL must be provided"),
        ({"url": "https://bot.example.com/t", "secret_token": "has space"}, "unallowed characters"),
        ({"url": "https://bot.example.com/t", "secret_token": "é"}, "unallowed characters"),
        ({"url": "https://bot.example.com/t", "secret_token": "a" * 257}, "too long"),
        ({"url": "https://bot.example.com/t", "max_connections": 0}, "max_connections"),
        ({"url": "https://bot.example.com/t", "max_connections": 101}, "max_connections"),
        ({"url": "https://bot.example.com/t", "allowed_updates": "message"}, "allowed_updates"),
    ],
)
async def test_setwebhook_refuses_what_telegram_refuses(
    api: BotApi, params: dict[str, Any], description: str
) -> None:
    status, body = await api.call("setWebhook", **params)
    assert status == 400
    assert body["description"].startswith("Bad Request: ")
    assert description in body["description"]
    assert (await api.result("getWebhookInfo"))["url"] == ""


async def test_a_secret_of_256_allowed_characters_is_accepted(api: BotApi) -> None:
    secret = ("Az09_-" * 43)[:256]
    assert await api.result("setWebhook", url="https://bot.example.com/t", secret_token=secret)
    info = await api.result("getWebhookInfo")
    assert info["url"] == "https://bot.example.com/t"


async def test_different_chats_are_posted_side_by_side_each_chat_in_order(
    api: BotApi, client: SandboxClient, receiver: Receiver
) -> None:
    chats = range(601, 605)
    for chat in chats:
        await client.create_user(chat, f"User {chat}")
    for number in range(3):
        for chat in chats:
            await client.send_text(chat, f"{chat}:{number}")
    await api.result("setWebhook", url=receiver.url, secret_token=SECRET)
    updates = await receiver.wait_for(12)
    for chat in chats:
        texts = [u["message"]["text"] for u in updates if u["message"]["chat"]["id"] == chat]
        assert texts == [f"{chat}:{number}" for number in range(3)]
    assert receiver.peak_in_flight > 1


async def test_max_connections_1_posts_one_update_at_a_time_in_update_id_order(
    api: BotApi, client: SandboxClient, receiver: Receiver
) -> None:
    for chat in (611, 612):
        await client.create_user(chat, f"User {chat}")
    for number in range(3):
        for chat in (611, 612):
            await client.send_text(chat, f"{chat}:{number}")
    await api.result("setWebhook", url=receiver.url, secret_token=SECRET, max_connections=1)
    updates = await receiver.wait_for(6)
    ids = [update["update_id"] for update in updates]
    assert ids == sorted(ids)
    assert receiver.peak_in_flight == 1
    assert (await api.result("getWebhookInfo"))["max_connections"] == 1
