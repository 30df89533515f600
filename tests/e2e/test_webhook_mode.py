"""Webhook mode: the real Application behind our web server, the sandbox delivering by webhook."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.app import BotApplication, serving_bot
from bot.config import Settings
from bot.context import Services
from bot.domain.outbox import OutgoingMessage
from bot.i18n import Catalogs
from bot.run_output import StartRefused, start_failure
from bot.sandbox.client import SandboxClient
from bot.services.handles import order_handle
from bot.services.linking import deep_link_for_order
from bot.web.server import WebServer
from bot.web.webhook import SECRET_HEADER
from handlers import UPDATE_KINDS
from storage.store import SqlStore
from tests.e2e import shop
from tests.e2e.conftest import Users

WEBHOOK_SECRET = "e2e_webhook-SECRET-42"
WEBHOOK_PATH = "/telegram/updates"


@dataclass
class WebhookBot:
    """The bot running in webhook mode and its web server."""

    application: BotApplication
    server: WebServer

    @property
    def webhook_url(self) -> str:
        """Where our server answers the webhook."""
        return f"{self.server.base_url}{WEBHOOK_PATH}"


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    """A bound socket for the bot's web server, so the webhook URL is known before it starts."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def port_of(sock: socket.socket) -> int:
    """The port a bound socket listens on."""
    return int(sock.getsockname()[1])


@asynccontextmanager
async def webhook_bot(
    settings: Settings, store: SqlStore, catalogs: Catalogs, sock: socket.socket, public_port: int
) -> AsyncIterator[WebhookBot]:
    """The bot as `run` runs it in webhook mode, its server on `sock`; Telegram is told to post
    to `public_port` (the server's own, or a proxy's in front of it)."""
    services = Services(
        settings=replace(
            settings,
            webhook_url=f"http://127.0.0.1:{public_port}{WEBHOOK_PATH}",
            webhook_secret=WEBHOOK_SECRET,
        ),
        store=store,
        clock=shop.clock(),
        rules=shop.RULES,
        catalogs=catalogs,
    )
    async with serving_bot(services, sock=sock) as (application, server):
        yield WebhookBot(application, server)


@pytest.fixture
async def bot_by_webhook(
    settings: Settings, store: SqlStore, catalogs: Catalogs, listening: socket.socket
) -> AsyncIterator[WebhookBot]:
    """The bot taking updates by webhook straight from the sandbox."""
    async with webhook_bot(settings, store, catalogs, listening, port_of(listening)) as bot:
        yield bot


def buttons_data(event: dict[str, Any]) -> list[str]:
    """The callback data of every inline button under a message."""
    return [str(button.get("callback_data")) for row in event["buttons"] for button in row]


async def test_a_customer_links_and_sees_their_orders_with_updates_coming_by_webhook(
    bot_by_webhook: WebhookBot, client: SandboxClient, store: SqlStore, settings: Settings
) -> None:
    info = await bot_by_webhook.application.bot.get_webhook_info()
    assert info.url == bot_by_webhook.webhook_url
    assert sorted(info.allowed_updates or ()) == sorted(UPDATE_KINDS)
    url = await deep_link_for_order(store, settings, "1001", now=shop.NOW)
    assert url is not None
    alice = await Users(client).create(501, "Alice", language_code="en")
    welcome, orders = await alice.say(f"/start {url.split('start=')[1]}", replies=2)
    assert "Alice" in welcome["text"]
    assert buttons_data(orders) == [f"o:{order_handle('1001')}"]
    (listed,) = await alice.say("/orders")
    assert buttons_data(listed) == [f"o:{order_handle('1001')}"]
    detail = await alice.tap("1001")
    assert "Office chair" in detail["text"]
    assert await store.linked_customer(501) == "C-ALICE"
    stats = await client.stats()
    assert stats["calls"].get("getUpdates", 0) == 0
    # /start, /orders and the button press: three updates, each posted once.
    assert (stats["webhook_posts"], stats["updates_delivered"]) == (3, 3)


UPDATE = {
    "update_id": 777001,
    "message": {
        "message_id": 1,
        "date": 1_790_000_000,
        "chat": {"id": 555, "type": "private", "first_name": "Mallory"},
        "from": {"id": 555, "is_bot": False, "first_name": "Mallory"},
        "text": "/orders",
    },
}


@pytest.mark.parametrize(
    "headers",
    [{}, {SECRET_HEADER: "not-the-secret"}, {SECRET_HEADER: WEBHOOK_SECRET[:-1]}],
    ids=["missing", "wrong", "prefix"],
)
async def test_a_post_without_the_right_secret_gets_403_and_records_nothing(
    bot_by_webhook: WebhookBot, client: SandboxClient, store: SqlStore, headers: dict[str, str]
) -> None:
    # Mallory exists, so a reply to the forged update would show in her chat.
    await client.create_user(555, "Mallory", language_code="en")
    async with (
        aiohttp.ClientSession() as session,
        session.post(bot_by_webhook.webhook_url, json=UPDATE, headers=headers) as answer,
    ):
        assert answer.status == 403
    newest = await store.newest_update()
    assert newest is None or newest.update_id != UPDATE["update_id"]
    assert await client.transcript(555) == []


async def test_the_right_secret_is_recorded_once_when_telegram_delivers_it_twice(
    bot_by_webhook: WebhookBot, store: SqlStore
) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            async with session.post(
                bot_by_webhook.webhook_url, json=UPDATE, headers={SECRET_HEADER: WEBHOOK_SECRET}
            ) as answer:
                assert answer.status == 200
    newest = await store.newest_update()
    assert newest is not None and newest.update_id == UPDATE["update_id"]


@dataclass
class LosingProxy:
    """A proxy in front of the webhook that forwards every POST but answers the first one's
    sender 500, as a load balancer timing out after the bot recorded the update would."""

    target: str
    forwarded: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        """Forward the POST; lose the first answer."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                self.target + request.path, data=await request.read(), headers=request.headers
            ) as answer,
        ):
            self.forwarded += 1
            if self.forwarded == 1:
                return web.Response(status=500, text="upstream answer lost")
            return web.Response(status=answer.status, body=await answer.read())


async def test_an_update_whose_answer_was_lost_is_delivered_again_and_handled_once(
    settings: Settings,
    store: SqlStore,
    catalogs: Catalogs,
    listening: socket.socket,
    client: SandboxClient,
) -> None:
    proxy = LosingProxy(f"http://127.0.0.1:{port_of(listening)}")
    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, proxy.handle)
    front = TestServer(app, host="127.0.0.1")
    await front.start_server()
    try:
        async with webhook_bot(settings, store, catalogs, listening, front.port or 0):
            bob = await Users(client).create(601, "Bob", language_code="en")
            (first,) = await bob.say("/help")
            (second,) = await bob.say("/language")
            stats = await client.stats()
            transcript = await client.transcript(601)
    finally:
        await front.close()
    assert "/orders" in first["text"]
    assert second["message_id"] == first["message_id"] + 2
    bot_messages = [event for event in transcript if event["kind"] == "bot_message"]
    assert [event["message_id"] for event in bot_messages] == [
        first["message_id"],
        second["message_id"],
    ]
    assert stats["webhook_failures"] == 1
    assert proxy.forwarded == 3


async def scrape(bot: WebhookBot) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The bot's /metrics, every sample by name and labels."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{bot.server.base_url}/metrics") as answer,
    ):
        assert answer.status == 200
        text = await answer.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def grown(
    before: dict[tuple[str, tuple[tuple[str, str], ...]], float],
    after: dict[tuple[str, tuple[tuple[str, str], ...]], float],
    name: str,
    **labels: str,
) -> float:
    """How much a series grew between two scrapes."""
    key = (name, tuple(sorted(labels.items())))
    return after[key] - before.get(key, 0.0)


async def test_metrics_count_a_chat_and_time_its_replies_and_notices_sent(
    bot_by_webhook: WebhookBot, client: SandboxClient, store: SqlStore
) -> None:
    carol = await Users(client).create(651, "Carol", language_code="en")
    await carol.say("/help")
    before = await scrape(bot_by_webhook)
    await carol.say("/help")
    await carol.say("/orders")
    after_chat = await scrape(bot_by_webhook)
    assert grown(before, after_chat, "backorder_updates_handled_total") == 2
    assert grown(before, after_chat, "backorder_reply_latency_seconds_count") == 2
    assert grown(before, after_chat, "backorder_reply_latency_seconds_sum") > 0
    assert grown(before, after_chat, "backorder_messages_sent_total", kind="reply") >= 2
    after = await client.last_seq(651)
    await store.enqueue_messages([OutgoingMessage("metrics-notice", 651, "A notice")], now=shop.NOW)
    (notice,) = await client.wait_for(651, after=after)
    assert notice["text"] == "A notice"
    # Why: the send is counted when Telegram accepts it, the row leaves the backlog when its
    # mark commits a moment later.
    for _ in range(100):
        after_notice = await scrape(bot_by_webhook)
        if after_notice[("backorder_outbox_backlog", ())] == 0:
            break
        await asyncio.sleep(0.05)
    assert grown(after_chat, after_notice, "backorder_messages_sent_total", kind="notice") == 1
    assert after_notice[("backorder_outbox_backlog", ())] == 0


async def test_a_webhook_telegram_refuses_stops_the_start_naming_the_setting(
    settings: Settings,
    store: SqlStore,
    catalogs: Catalogs,
    listening: socket.socket,
    client: SandboxClient,
) -> None:
    await client.configure(fail_next="setWebhook:1", fault_code=400)
    with pytest.raises(StartRefused) as refused:
        async with webhook_bot(settings, store, catalogs, listening, port_of(listening)):
            pass
    assert str(refused.value).startswith("the Bot API refused BACKORDER_WEBHOOK_URL http://")
    assert start_failure(refused.value) == str(refused.value)
    assert WEBHOOK_SECRET not in str(refused.value)


async def test_in_polling_mode_the_server_still_serves_healthz_and_a_stale_webhook_is_removed(
    settings: Settings,
    store: SqlStore,
    catalogs: Catalogs,
    listening: socket.socket,
    client: SandboxClient,
) -> None:
    services = Services(
        settings=settings, store=store, clock=shop.clock(), rules=shop.RULES, catalogs=catalogs
    )
    await left_webhook(settings, store, catalogs)
    async with serving_bot(services, sock=listening, poll_timeout=1) as (application, server):
        info = await application.bot.get_webhook_info()
        assert info.url == ""
        dan = await Users(client).create(661, "Dan", language_code="en")
        (reply,) = await dan.say("/help")
        assert "/orders" in reply["text"]
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{server.base_url}/healthz") as health,
        ):
            assert (health.status, (await health.json())["status"]) == (200, "ok")


async def left_webhook(settings: Settings, store: SqlStore, catalogs: Catalogs) -> None:
    """A webhook-mode run that stopped, leaving its webhook set at Telegram."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        async with webhook_bot(settings, store, catalogs, sock, port_of(sock)) as bot:
            assert (await bot.application.bot.get_webhook_info()).url
    finally:
        sock.close()
