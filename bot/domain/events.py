"""The shop's event feed: one event per customer action, read in id order by the shop's system."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Event:
    """One recorded customer action; its id orders the feed and lets receivers drop repeats."""

    event_id: int
    type: str
    order_id: str | None
    created_at: str
    payload: Mapping[str, object]

    def as_json(self) -> dict[str, object]:
        """The wire form shared by `events --json` and the webhook body."""
        return {
            "id": self.event_id,
            "type": self.type,
            "order_id": self.order_id,
            "created_at": self.created_at,
            "payload": dict(self.payload),
        }


class EventStore(Protocol):
    """Reading the feed and remembering how far the webhook has delivered it."""

    async def events_after(self, event_id: int, *, limit: int) -> list[Event]:
        """Up to `limit` events with an id above `event_id`, in id order."""
        ...

    async def delivered_event_id(self) -> int:
        """The id of the last event the webhook acknowledged (0 before the first)."""
        ...

    async def mark_event_delivered(self, event_id: int) -> None:
        """Remember that the webhook acknowledged every event up to `event_id`."""
        ...
