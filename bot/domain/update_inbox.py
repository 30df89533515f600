"""The update inbox: updates are recorded before Telegram is told they arrived, then handled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

# Why: Telegram numbers updates in sequence, but "if there are no new updates for at least a week,
# the identifier of the next update will be chosen randomly" (Bot API, Update); an offset past an
# older newest id could then skip the next update.
SEQUENTIAL_IDS_FOR = timedelta(days=6)
# Why: a handled row is only needed to drop Telegram's repeat of it; a day is far past any repeat.
KEEP_HANDLED_FOR = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class InboxedUpdate:
    """One update as Telegram sent it: its id and its JSON object (and the chat, else the user,
    whose updates it must follow in order; None: none)."""

    update_id: int
    payload: Mapping[str, object]
    chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewestUpdate:
    """The highest update id recorded, and when it was recorded."""

    update_id: int
    received_at: datetime


class UpdateInboxStore(Protocol):
    """Recording updates durably, finding the unhandled ones, marking them handled."""

    async def record_updates(self, updates: Sequence[InboxedUpdate], *, now: datetime) -> list[int]:
        """Record a batch in one transaction; the ids not recorded before, in the batch's order."""
        ...

    async def unhandled_updates(self) -> list[InboxedUpdate]:
        """Every recorded update not yet marked handled, in update_id order."""
        ...

    async def mark_updates_handled(self, update_ids: Sequence[int], *, now: datetime) -> None:
        """Mark updates handled in one transaction (ids never recorded are ignored)."""
        ...

    async def newest_update(self) -> NewestUpdate | None:
        """The highest recorded update id (None while the inbox is empty)."""
        ...

    async def prune_handled_updates(self, *, before: datetime) -> int:
        """Delete rows handled before `before`, except the newest row; the number deleted."""
        ...


def resume_offset(newest: NewestUpdate | None, now: datetime) -> int | None:
    """The getUpdates offset to resume from: after the newest recorded update, or None.

    None (Telegram's oldest unconfirmed update first) when nothing is recorded or the newest
    is so old that Telegram may have restarted its numbering (Bot API, Update: update_id).
    """
    if newest is None or now - newest.received_at > SEQUENTIAL_IDS_FOR:
        return None
    return newest.update_id + 1
