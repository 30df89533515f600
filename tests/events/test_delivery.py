"""Webhook delivery: signed, in id order, at least once, the cursor moving only after 2xx."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.domain.events import Event
from bot.services.events import event_json_text
from bot.services.webhook import (
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    Backoff,
    WebhookDelivery,
    WebhookTarget,
    signature,
    signature_matches,
)
from storage.store import SqlStore, open_store
from tests.events.conftest import add_events
from tests.events.receiver import Receiver

CLIENT_TIMEOUT = 0.2


class Halt(Exception):
    """Raised by a test's sleep to end a drain that would otherwise retry forever."""


class RecordedSleep:
    """Records the backoff waits without waiting; halts after `limit` of them."""

    def __init__(self, limit: int | None = None) -> None:
        self.waits: list[float] = []
        self.limit = limit

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.limit is not None and len(self.waits) >= self.limit:
            raise Halt


def delivery_to(
    receiver: Receiver, store: SqlStore, sleep: RecordedSleep, secret: str = "shop-secret"
) -> WebhookDelivery:
    """A delivery loop to the receiver with a short timeout and no real waiting."""
    return WebhookDelivery(
        store,
        WebhookTarget(receiver.url, secret),
        timeout=CLIENT_TIMEOUT,
        sleep=sleep,
        jitter=lambda: 0.5,
    )


async def test_every_event_arrives_once_in_id_order_with_the_cli_json_as_body(
    store: SqlStore, receiver: Receiver
) -> None:
    ids = await add_events(store, 12)

    delivered = await delivery_to(receiver, store, RecordedSleep()).drain()

    assert delivered == 12
    assert receiver.accepted == ids
    first = receiver.requests[0]
    (event,) = await store.events_after(0, limit=1)
    assert first.body.decode() == event_json_text(event)
    assert first.event["payload"]["note"] == "Größe ✓"
    assert first.headers[EVENT_TYPE_HEADER] == "line.cancelled"
    assert await store.delivered_event_id() == ids[-1]


async def test_a_receiver_can_verify_the_signature_over_the_exact_body(
    store: SqlStore, receiver: Receiver
) -> None:
    await add_events(store, 3)

    await delivery_to(receiver, store, RecordedSleep()).drain()

    for request in receiver.requests:
        header = request.headers[SIGNATURE_HEADER]
        assert header.startswith("sha256=") and len(header) == len("sha256=") + 64
        assert signature_matches(request.body, "shop-secret", header)
        assert not signature_matches(request.body + b" ", "shop-secret", header)
        assert not signature_matches(request.body, "another-secret", header)


def test_the_signature_is_the_documented_hmac_sha256_hex() -> None:
    # Reference: printf '{"id":1}' | openssl dgst -sha256 -hmac s3cret
    expected = "sha256=63ddab34da5838e383545e9c90b40f74a4e3daabc5dd9a8d49a51875ad4b2418"

    assert signature(b'{"id":1}', "s3cret") == expected


async def test_failures_are_retried_with_backoff_and_nothing_is_skipped_or_reordered(
    store: SqlStore, receiver: Receiver
) -> None:
    ids = await add_events(store, 4)
    receiver.script = ["500", "timeout", "ok", "500", "ok", "timeout", "timeout", "500"]
    sleep = RecordedSleep()

    delivered = await delivery_to(receiver, store, sleep).drain()

    assert delivered == 4
    assert receiver.accepted == ids
    assert receiver.attempted_ids == [ids[0]] * 3 + [ids[1]] * 2 + [ids[2]] * 4 + [ids[3]]
    assert sleep.waits == [0.75, 1.5, 0.75, 0.75, 1.5, 3.0]


async def test_the_cursor_does_not_move_while_the_webhook_keeps_failing(
    store: SqlStore, receiver: Receiver
) -> None:
    ids = await add_events(store, 3)
    receiver.script = ["ok", "500", "500", "timeout", "500"]

    with pytest.raises(Halt):
        await delivery_to(receiver, store, RecordedSleep(limit=4)).drain()

    assert receiver.accepted == ids[:1]
    assert await store.delivered_event_id() == ids[0]
    assert set(receiver.attempted_ids[1:]) == {ids[1]}


async def test_a_restarted_delivery_on_the_same_file_resumes_without_loss(
    store: SqlStore, receiver: Receiver, database_url: str
) -> None:
    ids = await add_events(store, 6)
    receiver.script = ["ok", "ok", "500", "500"]
    with pytest.raises(Halt):
        await delivery_to(receiver, store, RecordedSleep(limit=2)).drain()
    await store.close()

    reopened = await open_store(database_url)
    try:
        more = await add_events(reopened, 2)
        delivered = await delivery_to(receiver, reopened, RecordedSleep()).drain()
        cursor = await reopened.delivered_event_id()
    finally:
        await reopened.close()

    assert delivered == 6
    assert receiver.accepted == ids + more
    assert cursor == more[-1]


async def test_the_wrong_secret_is_never_accepted_so_the_event_is_retried(
    store: SqlStore, receiver: Receiver
) -> None:
    await add_events(store, 1)

    with pytest.raises(Halt):
        await delivery_to(receiver, store, RecordedSleep(limit=2), secret="wrong").drain()

    assert receiver.accepted == []
    assert await store.delivered_event_id() == 0


async def test_an_unreachable_webhook_is_retried_without_losing_the_event(
    store: SqlStore,
) -> None:
    await add_events(store, 1)
    closed = Receiver()
    await closed.start()
    url = closed.url
    await closed.stop()
    sleep = RecordedSleep(limit=3)

    with pytest.raises(Halt):
        await WebhookDelivery(store, WebhookTarget(url, "s"), sleep=sleep, jitter=lambda: 0).drain()

    assert sleep.waits == [0.5, 1.0, 2.0]
    assert await store.delivered_event_id() == 0


async def test_overlapping_drains_send_each_event_once(store: SqlStore, receiver: Receiver) -> None:
    ids = await add_events(store, 20)
    delivery = delivery_to(receiver, store, RecordedSleep())

    counts = await asyncio.gather(delivery.drain(), delivery.drain(), delivery.drain())

    assert sorted(counts) == [0, 0, 20]
    assert receiver.attempted_ids == ids


async def test_stopping_ends_a_drain_that_waits_to_retry(
    store: SqlStore, receiver: Receiver
) -> None:
    await add_events(store, 2)
    receiver.script = ["500"] * 100
    delivery = WebhookDelivery(store, WebhookTarget(receiver.url, "shop-secret"))

    running = asyncio.create_task(delivery.drain())
    while not receiver.requests:
        await asyncio.sleep(0.01)
    delivery.stop()

    assert await asyncio.wait_for(running, timeout=5) == 0
    assert await delivery.drain() == 0
    assert await store.delivered_event_id() == 0


async def test_nothing_pending_sends_nothing(store: SqlStore, receiver: Receiver) -> None:
    assert await delivery_to(receiver, store, RecordedSleep()).drain() == 0
    assert receiver.requests == []


def test_backoff_doubles_from_one_second_up_to_five_minutes_with_jitter_in_the_upper_half() -> None:
    backoff = Backoff()

    lowest = [backoff.delay(failures, 0.0) for failures in range(1, 12)]
    highest = backoff.delay(10_000, 0.999_999)

    assert lowest[:5] == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert lowest[-1] == 150.0
    assert 299.9 < highest <= 300.0
    assert backoff.delay(1, 0.999_999) < 1.0


def test_the_body_is_one_compact_json_object() -> None:
    event = Event(7, "refund.due", "1042", "2026-12-02T09:00:00+00:00", {"amount_minor": 1999})

    assert json.loads(event_json_text(event)) == {
        "id": 7,
        "type": "refund.due",
        "order_id": "1042",
        "created_at": "2026-12-02T09:00:00+00:00",
        "payload": {"amount_minor": 1999},
    }
