"""The webhook's POST handler on a real inbox: what is recorded and queued for each answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram import Bot, Update

from bot.domain.update_inbox import KEEP_HANDLED_FOR
from bot.update_inbox import UpdateInbox
from bot.web.webhook import SECRET_HEADER, WebhookIntake
from storage.store import SqlStore
from tests.e2e import shop

SECRET = "intake-secret"
PATH = "/hook"


@dataclass
class Intake:
    """The handler served for real, its inbox's queue, and a client."""

    intake: WebhookIntake
    inbox: UpdateInbox
    queue: asyncio.Queue[object]
    url: str
    session: aiohttp.ClientSession

    async def post(self, body: Any, secret: str | None = SECRET) -> tuple[int, dict[str, str]]:
        """POST `body` as JSON; the status and headers."""
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with self.session.post(self.url, json=body, headers=headers) as answer:
            return answer.status, dict(answer.headers)

    def queued(self) -> list[int]:
        """The update ids queued for handling so far (the queue is emptied)."""
        ids = []
        while not self.queue.empty():
            update = self.queue.get_nowait()
            assert isinstance(update, Update)
            ids.append(update.update_id)
        return ids


def update(update_id: int, chat_id: int = 42) -> dict[str, Any]:
    """A message update as Telegram posts it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Ann"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"},
            "text": f"hello {update_id}",
        },
    }


@pytest.fixture
async def served(store: SqlStore) -> AsyncIterator[Intake]:
    """An intake (not yet open) on the test's store."""
    queue: asyncio.Queue[object] = asyncio.Queue()
    inbox = UpdateInbox(store, shop.clock(), queue)
    intake = WebhookIntake(SECRET, PATH)
    app = web.Application()
    intake.add_routes(app)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        yield Intake(intake, inbox, queue, str(server.make_url(PATH)), session)
    await server.close()


async def test_before_the_bot_runs_the_webhook_answers_503_and_records_nothing(
    served: Intake, store: SqlStore
) -> None:
    status, headers = await served.post(update(1))
    assert (status, headers.get("Retry-After")) == (503, "1")
    assert await store.newest_update() is None


async def test_a_body_that_is_not_an_update_is_400_and_records_nothing(
    served: Intake, store: SqlStore
) -> None:
    served.intake.open(served.inbox, Bot("123456:TEST-TOKEN"))
    bodies: list[object] = [{"message": {}}, [1, 2], {"update_id": "7"}, "text"]
    for body in bodies:
        status, _ = await served.post(body)
        assert status == 400, body
    assert await store.newest_update() is None


async def test_a_wrong_secret_is_refused_before_the_body_is_read(served: Intake) -> None:
    served.intake.open(served.inbox, Bot("123456:TEST-TOKEN"))
    status, _ = await served.post("not json at all", secret="wrong")
    assert status == 403
    assert served.queued() == []


async def test_updates_posted_side_by_side_are_each_recorded_and_queued_once(
    served: Intake, store: SqlStore
) -> None:
    served.intake.open(served.inbox, Bot("123456:TEST-TOKEN"))
    bodies = [update(n, chat_id=100 + n) for n in range(1, 21)]
    answers = await asyncio.gather(*(served.post(body) for body in bodies + bodies[:5]))
    assert [status for status, _ in answers] == [200] * 25
    assert sorted(served.queued()) == list(range(1, 21))
    assert [row.update_id for row in await store.unhandled_updates()] == list(range(1, 21))


async def test_after_stop_the_webhook_answers_503_again(served: Intake, store: SqlStore) -> None:
    served.intake.open(served.inbox, Bot("123456:TEST-TOKEN"))
    assert (await served.post(update(1)))[0] == 200
    await served.intake.stop()
    assert (await served.post(update(2)))[0] == 503
    assert [row.update_id for row in await store.unhandled_updates()] == [1]


async def test_opening_prunes_updates_handled_long_ago_as_polling_does(
    served: Intake, store: SqlStore
) -> None:
    bot = Bot("123456:TEST-TOKEN")
    await served.inbox.receive([Update.de_json(update(n), bot) for n in (1, 2)])
    await store.mark_updates_handled([1], now=shop.NOW - KEEP_HANDLED_FOR - timedelta(days=1))
    await store.mark_updates_handled([2], now=shop.NOW)

    served.intake.open(served.inbox, bot)
    await served.intake.stop()  # waits for the pruning it started

    newest = await store.newest_update()
    assert newest is not None and newest.update_id == 2
    assert await store.prune_handled_updates(before=shop.NOW - KEEP_HANDLED_FOR) == 0
