"""Use case: list the shop's events after a known id, as JSON Lines or a readable table."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from bot.domain.events import Event, EventStore

PAGE_SIZE = 1000
TABLE_HEADING = f"{'id':>8}  {'created_at':<32}  {'type':<16}  {'order_id':<12}  payload"


async def events_since(
    store: EventStore, since: int, *, page_size: int = PAGE_SIZE
) -> AsyncIterator[list[Event]]:
    """Events with an id above `since`, in id order, a page at a time (the feed only grows)."""
    while page := await store.events_after(since, limit=page_size):
        yield page
        since = page[-1].event_id


def event_json_text(event: Event) -> str:
    """The event's wire form as one compact line of JSON (also the webhook body)."""
    return json.dumps(event.as_json(), ensure_ascii=False, separators=(",", ":"))


def event_table_row(event: Event) -> str:
    """One line of the readable listing, aligned under TABLE_HEADING."""
    payload = json.dumps(dict(event.payload), ensure_ascii=False, sort_keys=True)
    order_id = event.order_id or "-"
    return (
        f"{event.event_id:>8}  {event.created_at:<32}  {event.type:<16}  {order_id:<12}  {payload}"
    )
