"""A broadcast is recorded and audited; its status and counts follow its copies; stop stops it."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.domain.broadcasts import BroadcastStatus, FreeText, Segment, SegmentKind
from bot.domain.outbox import Delivery
from bot.services.broadcasts import (
    AlreadyOver,
    BroadcastTexts,
    BroadcastView,
    NoSuchBroadcast,
    Queued,
    Stopped,
    broadcast_json,
    broadcast_status,
    list_broadcasts,
    queue_broadcast,
    stop_broadcast,
)
from storage.store import SqlStore
from tests.broadcasts.shop import BLOCKED_CHAT, NOW, TODAY

# Why: a message for every waiting customer (a product template reaches only its product's).
DELAY = FreeText((("en", "We are closed on Friday."), ("ru", "В пятницу мы закрыты.")))


async def queued(store: SqlStore, texts: BroadcastTexts) -> int:
    result = await queue_broadcast(
        store, Segment(SegmentKind.ALL), DELAY, texts=texts, actor="staff:42", now=NOW, today=TODAY
    )
    assert isinstance(result, Queued), result
    return result.broadcast_id


async def status(store: SqlStore, broadcast_id: int) -> BroadcastView:
    view = await broadcast_status(store, broadcast_id)
    assert view is not None
    counts = view.counts
    assert (
        counts.sent + counts.held + counts.failed + counts.pending + counts.withdrawn
        == counts.recipients
    )
    for language in view.by_language.values():
        assert (
            language.sent + language.held + language.failed + language.pending + language.withdrawn
            == language.recipients
        )
    assert sum(language.recipients for language in view.by_language.values()) == counts.recipients
    return view


async def send_some(store: SqlStore, how_many: int) -> None:
    """What the dispatcher records after Telegram accepted the oldest due copies."""
    rows = await store.due_messages(now=NOW, after_id=0, limit=how_many)
    for number, row in enumerate(rows):
        await store.mark_sent(
            [Delivery(row.row_id, 1000 + number)], at=NOW + timedelta(seconds=number)
        )


async def test_a_broadcast_is_recorded_with_who_when_segment_message_and_audited(
    store: SqlStore, texts: BroadcastTexts
) -> None:
    broadcast_id = await queued(store, texts)
    view = await status(store, broadcast_id)
    shown = broadcast_json(view)
    assert {
        key: shown[key]
        for key in ("id", "status", "recipients", "sent", "held", "failed", "pending")
    } == {
        "id": broadcast_id,
        "status": "queued",
        "recipients": 6,
        "sent": 0,
        "held": 1,
        "failed": 0,
        "pending": 5,
    }
    assert shown["segment"] == {"kind": "all", "values": [], "language": None, "jurisdiction": None}
    assert shown["by_language"]["ru"] == {  # type: ignore[index]
        "recipients": 1,
        "sent": 0,
        "held": 1,
        "failed": 0,
        "pending": 0,
        "withdrawn": 0,
        "in_flight": 0,
        "waiting_for_morning": 0,
    }
    assert (shown["created_by"], shown["not_linked"]) == ("staff:42", 1)
    json.dumps(shown)
    (entry,) = await store.audit_entries(f"broadcast:{broadcast_id}")
    assert (entry.actor, entry.action) == ("staff:42", "broadcast.queue")
    assert json.loads(entry.after or "{}")["recipients"] == 6


async def test_the_status_moves_from_queued_to_sending_to_done_and_the_counts_add_up(
    store: SqlStore, texts: BroadcastTexts
) -> None:
    broadcast_id = await queued(store, texts)
    assert (await status(store, broadcast_id)).status is BroadcastStatus.QUEUED
    await send_some(store, 2)
    view = await status(store, broadcast_id)
    assert view.status is BroadcastStatus.SENDING
    assert (view.counts.sent, view.counts.pending) == (2, 3)
    assert view.first_sent_at == NOW and view.last_sent_at == NOW + timedelta(seconds=1)
    # Two sends a second apart are too few for a rate.
    assert view.rate_per_second is None and view.seconds_left is None
    await send_some(store, 10)
    done = await status(store, broadcast_id)
    assert done.status is BroadcastStatus.DONE
    assert (done.counts.sent, done.counts.held, done.counts.pending) == (5, 1, 0)
    assert [view.broadcast_id for view in await list_broadcasts(store)] == [broadcast_id]


async def test_stop_withdraws_what_is_pending_and_held_and_is_audited(
    store: SqlStore, texts: BroadcastTexts
) -> None:
    broadcast_id = await queued(store, texts)
    await send_some(store, 2)
    result = await stop_broadcast(store, broadcast_id, actor="cli", now=NOW)
    assert result == Stopped(broadcast_id, 4)
    view = await status(store, broadcast_id)
    assert view.status is BroadcastStatus.STOPPED
    assert (view.counts.sent, view.counts.pending, view.counts.held, view.counts.withdrawn) == (
        2,
        0,
        0,
        4,
    )
    assert await store.due_messages(now=NOW, after_id=0, limit=100) == []
    # The blocked customer unblocking later gets nothing of it.
    await store.mark_chat_reachable(BLOCKED_CHAT, at=NOW)
    assert await store.due_messages(now=NOW, after_id=0, limit=100) == []
    actions = [entry.action for entry in await store.audit_entries(f"broadcast:{broadcast_id}")]
    assert actions == ["broadcast.queue", "broadcast.stop"]
    assert await stop_broadcast(store, broadcast_id, actor="cli", now=NOW) == AlreadyOver(
        broadcast_id, BroadcastStatus.STOPPED
    )


async def test_stopping_a_broadcast_that_is_done_or_unknown_changes_nothing(
    store: SqlStore, texts: BroadcastTexts
) -> None:
    broadcast_id = await queued(store, texts)
    await store.mark_chat_reachable(BLOCKED_CHAT, at=NOW)
    await send_some(store, 10)
    assert await stop_broadcast(store, broadcast_id, actor="cli", now=NOW) == AlreadyOver(
        broadcast_id, BroadcastStatus.DONE
    )
    assert (await status(store, broadcast_id)).status is BroadcastStatus.DONE
    assert await stop_broadcast(store, 999, actor="cli", now=NOW) == NoSuchBroadcast(999)
    assert await broadcast_status(store, 999) is None


async def test_a_copy_already_being_sent_when_stop_comes_is_recorded_as_sent(
    store: SqlStore, texts: BroadcastTexts
) -> None:
    broadcast_id = await queued(store, texts)
    (row,) = await store.due_messages(now=NOW, after_id=0, limit=1)
    assert await store.claim_message(row.row_id, sender="host/1", clock=1.0, until=100.0)
    await stop_broadcast(store, broadcast_id, actor="cli", now=NOW)
    await store.mark_sent([Delivery(row.row_id, 77)], at=NOW, sender="host/1")
    view = await status(store, broadcast_id)
    assert (view.counts.sent, view.counts.withdrawn) == (1, 5)
    assert not await store.claim_message(row.row_id + 1, sender="host/1", clock=1.0, until=100.0)
