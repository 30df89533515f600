"""Staff alerts (DESIGN §12): what each is about, its stable key, and the store port.

Each alert is raised once: its (kind, subject) is recorded in the transaction that queues its
messages, and every outbox row carries a dedupe key per alert and chat.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from bot.domain.handles import handle
from bot.domain.outbox import OutgoingMessage
from bot.domain.store import Store

# Why: Telegram lets a bot post about 20 messages a minute into one group; past this many new
# alerts of one kind at once (an old database's first start), they go as digest pages instead.
DIGEST_AFTER = 5
# Why: a digest page lists this many alerts with one button each: well under 4096 characters
# and 100 buttons, and still short enough to read on a phone.
DIGEST_PAGE = 15
# Why: an old database may hold thousands of overdue purchase orders; past this many pages the
# rest are counted on the last page (and recorded, so they never flood later) and the command
# line lists them all.
DIGEST_PAGES = 3


# Callback data of an alert's button: this prefix and the alert's handle (11 bytes in all).
ALERT_PREFIX = "al:"


class AlertKind(StrEnum):
    """What an alert is about."""

    NOTICE_UNDELIVERED = "notice_undelivered"
    PO_OVERDUE = "po_overdue"
    BLOCKED_QUESTION = "blocked_question"
    REFUND_OVERDUE = "refund_overdue"
    READY_UNSHIPPED = "ready_unshipped"


@dataclass(frozen=True)
class AlertKey:
    """One alert's identity: its kind, a subject stable across runs, and what its button acts on
    (an order id, a purchase order id or a refund id)."""

    kind: AlertKind
    subject: str
    target: str

    @property
    def handle(self) -> str:
        """The 8-character handle its button carries (never the shop's ids, DESIGN §7)."""
        return alert_handle(self.kind, self.subject)

    def dedupe_key(self, chat_id: int) -> str:
        """The outbox key of this alert in one chat: sent at most once there."""
        if self.kind is AlertKind.NOTICE_UNDELIVERED:
            # Why: the key alerts about undelivered notices had before alerts were recorded.
            return f"alert:notice:{self.subject}:{chat_id}"
        return f"alert:{self.kind.value}:{self.subject}:{chat_id}"


@dataclass(frozen=True)
class RaisedAlert:
    """An alert with the messages that carry it to staff (one per chat, or a digest page's)."""

    key: AlertKey
    messages: tuple[OutgoingMessage, ...]


@dataclass(frozen=True)
class AlertRecord:
    """A recorded alert, found by its button's handle."""

    alert_id: int
    key: AlertKey
    created_at: datetime


def alert_handle(kind: AlertKind, subject: str) -> str:
    """The short handle of an alert (a digest of kind and subject: same on every run)."""
    return handle("alert", f"{kind.value}:{subject}")


def alert_data(key: AlertKey) -> str:
    """The callback data of an alert's button: "al:" and the alert's 8-character handle."""
    return f"{ALERT_PREFIX}{key.handle}"


def po_subject(po_id: str, expected_date: date) -> str:
    """A purchase order overdue against one expected date: moved and late again is a new alert."""
    return f"{po_id}@{expected_date.isoformat()}"


def question_subject(customer_id: str, order_id: str, asked: str) -> str:
    """A customer's open question about one order; `asked` tells one question from the next."""
    return f"{customer_id}@{order_id}@{asked}"


def days_late(due: date, today: date) -> int:
    """Calendar days from `due` to `today` (0 when not past due)."""
    return max((today - due).days, 0)


class AlertStore(Protocol):
    """Persistence of raised alerts."""

    async def known_alerts(self, kind: AlertKind, subjects: Collection[str]) -> set[str]:
        """Which of these subjects of `kind` were already raised."""
        ...

    async def record_alerts(
        self, alerts: Sequence[RaisedAlert], *, now: datetime
    ) -> tuple[AlertKey, ...]:
        """In one transaction: record each alert not raised before and queue its messages;
        the keys newly raised (a key raised by another process meanwhile is skipped)."""
        ...

    async def alert_by_handle(self, handle_: str) -> AlertRecord | None:
        """The alert whose button carries this handle."""
        ...


@dataclass(frozen=True)
class DueRefund:
    """A refund still due (status `due`), with whose order it is."""

    refund_id: int
    order_id: str
    customer_id: str
    customer_name: str
    amount_minor: int
    currency: str
    due_date: date


@dataclass(frozen=True)
class BlockedQuestion:
    """A delay question awaiting a customer's answer while every chat of theirs is unreachable."""

    customer_id: str
    customer_name: str
    order_id: str
    jurisdiction: str | None
    # What silence means at the deadline (bot.domain.delays.SilenceMeans).
    silence_means: str
    decision_deadline: date | None
    auto_cancel_on: date | None
    # When the question was told (tells one question of the order from the next).
    asked: str
    # How else to reach them, as the shop's export has it (None: not known).
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class ReadyUnshipped:
    """An order ready to ship (every open line in stock) whose promised ship date has passed
    without it shipping; `cancelled` when the sweep that found it cancelled it for that (the US
    rule: no valid delay notice came before the date the shop was bound to ship by)."""

    order_id: str
    customer_id: str
    promised_date: date
    refund_minor: int
    currency: str
    cancelled: bool = False


class AlertSourceStore(AlertStore, Store, Protocol):
    """What the alert checks read besides the alerts themselves."""

    async def due_refunds(self, before: date | None = None) -> list[DueRefund]:
        """Refunds with status `due` (due before `before`, when given), oldest due first."""
        ...

    async def blocked_questions(self) -> list[BlockedQuestion]:
        """Open delay questions of customers who have linked chats, all of them unreachable."""
        ...

    async def unreachable_mark(self) -> str:
        """A value that changes whenever a chat becomes unreachable or reachable again."""
        ...
