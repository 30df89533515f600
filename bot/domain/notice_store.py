"""The storage port of the delay policy: open orders, notice state, and one write per sweep."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.domain.actions import ActionStore
from bot.domain.delays import Notice, NoticeState
from bot.domain.model import Customer, Order
from bot.domain.notice_delivery import (
    NO_CHAT,
    AlertedNotice,
    PendingNotice,
    Settlement,
    WithdrawnNotice,
)
from bot.domain.outbox import OutgoingMessage


@dataclass(frozen=True)
class VersionedOrder:
    """An order with the version a button must quote."""

    order: Order
    version: int


@dataclass(frozen=True)
class NoticeChange:
    """One order's new notice state and the notices decided for it in a sweep."""

    customer_id: str
    state: NoticeState
    notices: tuple[Notice, ...] = ()
    chats: int = 0
    dedupe_key: str | None = None
    # The state the notices were decided from: where an undelivered notice leaves the order.
    before: NoticeState | None = None


@dataclass(frozen=True)
class RecordedSweep:
    """What a sweep's write did: outbox rows queued, and the customers left out because their
    notice state changed after the sweep read it (another sweep spoke first; decide again)."""

    queued: int
    conflicted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class NoticeRecord:
    """A notice as kept in the history: what was decided, when, and where it went."""

    order_id: str
    customer_id: str
    notice: Notice
    decided_at: datetime
    chats: int
    dedupe_key: str | None
    # Its row in the history (0 when not stored yet).
    notice_id: int = 0
    # Where it stands on its way (notice_log.delivery): pending, delivered, undelivered, no_chat.
    delivery: str = "delivered"
    # Why it was not delivered: Telegram's refusal, NO_CHAT or CHAT_UNLINKED (undelivered only).
    delivery_error: str | None = None


class NoticeStanding(StrEnum):
    """Where a recorded notice stands, as staff are shown it (the /find card)."""

    DELIVERED = "delivered"
    HELD = "held"  # waiting to be sent: held until the customer's quiet hours end
    QUEUED = "queued"  # waiting to be sent: in the outbox, to go as soon as it can
    UNDELIVERED = "undelivered"  # no chat received it (delivery_error says why)
    NO_CHAT = "no_chat"  # no chat was linked to carry it


def notice_standing(
    record: NoticeRecord, *, held_until: datetime | None, now: datetime
) -> NoticeStanding:
    """Where `record` stands at `now`; `held_until`: the moment its waiting message may go at
    the earliest (a quiet-hours hold), None when nothing holds it."""
    if record.delivery == "no_chat" or (record.delivery == "pending" and record.chats == 0):
        return NoticeStanding.NO_CHAT
    if record.delivery == "undelivered":
        if record.delivery_error == NO_CHAT:
            return NoticeStanding.NO_CHAT
        return NoticeStanding.UNDELIVERED
    if record.delivery == "pending":
        if held_until is not None and held_until > now:
            return NoticeStanding.HELD
        return NoticeStanding.QUEUED
    return NoticeStanding.DELIVERED


class NoticeStore(ActionStore, Protocol):
    """Persistence the delay policy needs beyond the customer actions' store."""

    async def versioned_open_orders(
        self,
        customer_id: str | None = None,
        *,
        customer_ids: Collection[str] | None = None,
        order_ids: Collection[str] | None = None,
    ) -> list[VersionedOrder]:
        """Orders with an open line (of one customer, of `customer_ids`, of `order_ids`, or
        all), with versions."""
        ...

    async def notice_states(self, order_ids: Collection[str]) -> dict[str, NoticeState]:
        """Stored notice states of these orders."""
        ...

    async def unshown_notices(self, order_ids: Collection[str]) -> frozenset[str]:
        """Those of these orders with a notice waiting to be sent whose order's dates the
        customer has not seen on screen since it was decided (`OpenOrders.unshown_notices`)."""
        ...

    async def customers_with_chats(
        self, customer_ids: Collection[str]
    ) -> dict[str, tuple[Customer, tuple[int, ...]]]:
        """Customers and the chats linked to each."""
        ...

    async def last_notice_id(self) -> int:
        """The highest notice id ever given (0: none); ids are never given again, so it grows
        with every notice decided."""
        ...

    async def record_sweep(
        self,
        changes: Sequence[NoticeChange],
        messages: Sequence[OutgoingMessage],
        *,
        now: datetime,
        read: Mapping[str, NoticeState] | None = None,
    ) -> RecordedSweep:
        """In one transaction: states, notice history, outbox rows and audit (with `read`, the
        states decided from: customers whose states changed since are left out)."""
        ...

    async def save_notice_states(
        self,
        states: Sequence[NoticeState],
        *,
        action: str,
        actor: str,
        at: datetime,
        expected: Mapping[str, NoticeState] | None = None,
        versions: Mapping[str, int] | None = None,
        shown: Collection[str] = (),
    ) -> tuple[str, ...]:
        """Store notice states changed by the customer or by a look at their orders (audited).

        With `expected` (the states the change was decided from by order id; absent = none
        stored) and/or `versions` (the order versions it was decided from), a state whose order
        changed since is not stored; returns those order ids (empty: all stored). The notices
        waiting to be sent of the orders in `shown` whose states are stored are marked as seen
        on screen (`notice_log.shown_at`), in the same transaction.
        """
        ...

    async def notice_history(self, order_id: str | None = None) -> list[NoticeRecord]:
        """Notices decided, oldest first (of one order, or all)."""
        ...

    async def pending_notices(
        self, *, customer_ids: Collection[str] | None = None, held_after: datetime | None = None
    ) -> list[PendingNotice]:
        """Notices not known to be delivered yet, with the outbox rows carrying each; only of
        `customer_ids` when given, and only those with a row held past `held_after` when given
        (a quiet-hours hold: pending, due later)."""
        ...

    async def alerted_notices(self, order_ids: Collection[str]) -> dict[str, AlertedNotice]:
        """By order id: the latest undelivered notice of each order staff were alerted about,
        unless a notice of that order was delivered after it."""
        ...

    async def settle_notices(self, settlement: Settlement, *, now: datetime) -> int:
        """Record delivered and undelivered notices, resends and alerts; outbox rows queued. An
        undelivered notice's state is stored with the dates the customer saw on screen since
        it was decided (`restored`)."""
        ...

    async def withdraw_notices(
        self, withdrawn: Sequence[WithdrawnNotice], *, now: datetime, clock: float
    ) -> tuple[str, ...]:
        """Take back queued notices none of whose rows was sent or is being sent (claims live at
        `clock`, epoch seconds): their rows and history go, their states return (audited), with
        the dates the customer saw on screen since kept (`restored`); the orders whose notices
        were taken back."""
        ...

    async def retry_undelivered_notices(self, customer_id: str, *, at: datetime) -> tuple[str, ...]:
        """Hand a customer's undelivered notices back to the sweep (audited); their order ids."""
        ...
