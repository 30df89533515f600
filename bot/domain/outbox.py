"""Proactive messages waiting in the durable outbox, and what staff see of it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

# "first": notices, legal questions, alerts (broadcast_id NULL); "broadcast": broadcast copies.
Lane = Literal["first", "broadcast"]


@dataclass(frozen=True)
class Button:
    """An inline keyboard button."""

    text: str
    callback_data: str


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to queue: rendered HTML in the customer's language, sent once per dedupe key."""

    dedupe_key: str
    chat_id: int
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    customer_id: str | None = None
    not_before: datetime | None = None
    urgent: bool = False
    # A digest's sweep key and the orders whose notices it carries (told once delivered).
    notice_key: str | None = None
    notice_orders: tuple[str, ...] = ()
    # A broadcast's copy rides the lower lane: due notices and alerts are sent before it.
    broadcast_id: int | None = None


@dataclass(frozen=True)
class QueuedMessage:
    """An outbox row the dispatcher may send."""

    row_id: int
    chat_id: int
    text: str
    buttons: tuple[tuple[Button, ...], ...]
    attempts: int
    # None: the first lane (notices, alerts); set: a copy of that broadcast (the lower lane).
    broadcast_id: int | None = None


@dataclass(frozen=True)
class Delivery:
    """A row Telegram accepted, with the id of the message it became."""

    row_id: int
    telegram_message_id: int


@dataclass(frozen=True)
class UnreachableChat:
    """A chat that blocked the bot, with the messages held for it."""

    chat_id: int
    customer_id: str | None
    customer_name: str | None
    since: datetime
    reason: str
    held: int


@dataclass(frozen=True)
class UndeliveredNoticeRow:
    """A notice no chat received: whose, which order, what kind, and why."""

    customer_id: str
    customer_name: str | None
    order_id: str
    kind: str
    error: str
    decided_at: datetime


@dataclass(frozen=True)
class OutboxSummary:
    """Counts by state, the unreachable chats and the undelivered notices, for staff."""

    pending: int
    held: int
    sent: int
    failed: int
    unreachable: tuple[UnreachableChat, ...]
    undelivered_notices: tuple[UndeliveredNoticeRow, ...] = ()


class OutboxStore(Protocol):
    """Persistence the dispatcher and the reachability service need."""

    async def enqueue_messages(self, messages: list[OutgoingMessage], *, now: datetime) -> int:
        """Queue messages in one transaction (duplicate dedupe keys ignored); rows inserted."""
        ...

    async def due_messages(
        self,
        *,
        now: datetime,
        after_id: int,
        limit: int,
        sender: str | None = None,
        clock: float | None = None,
        lane: Lane | None = None,
        due_after: datetime | None = None,
    ) -> list[QueuedMessage]:
        """Pending rows due at `now` with id > after_id, oldest first, skipping held chats and
        chats another sender than `sender` is serving (claims live at `clock`, epoch seconds);
        only `lane`'s rows when given, only rows fallen due after `due_after` when given."""
        ...

    async def claim_message(self, row_id: int, *, sender: str, clock: float, until: float) -> bool:
        """Claim a pending row for `sender` until `until` (wall-clock epoch seconds; `clock` is
        now), atomically; False when another sender holds it or another row of its chat."""
        ...

    async def outbox_claimants(self, *, clock: float) -> set[str]:
        """The senders holding a claim that is live at `clock` (wall-clock epoch seconds)."""
        ...

    async def release_claims(self, senders: Collection[str]) -> None:
        """Drop every claim of these senders."""
        ...

    async def mark_sent(
        self, deliveries: Sequence[Delivery], *, at: datetime, sender: str | None = None
    ) -> None:
        """Record successful sends (one transaction) of rows `sender` holds (None: unclaimed)."""
        ...

    async def mark_retry(
        self,
        row_id: int,
        *,
        attempts: int,
        next_attempt_at: datetime,
        error: str,
        sender: str | None = None,
    ) -> None:
        """Record a failed attempt that will be tried again (a row `sender` holds)."""
        ...

    async def mark_failed(
        self, row_id: int, *, attempts: int, error: str, sender: str | None = None
    ) -> None:
        """Give up on a row `sender` holds."""
        ...

    async def mark_chat_unreachable(self, chat_id: int, *, reason: str, at: datetime) -> None:
        """Hold every message to a chat (audited)."""
        ...

    async def mark_chat_reachable(self, chat_id: int, *, at: datetime) -> bool:
        """Release a chat's held messages (audited); False when it was not unreachable."""
        ...

    async def outbox_summary(self) -> OutboxSummary:
        """Counts by state and the unreachable chats."""
        ...


class OutboxBacklogStore(Protocol):
    """The one figure /healthz and /metrics read (DESIGN §13), cheap enough for every probe."""

    async def outbox_backlog(self) -> int:
        """Pending outbox rows (notices, alerts, broadcast copies; held ones too)."""
        ...
