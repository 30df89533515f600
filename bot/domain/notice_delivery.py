"""Whether a notice was delivered: the outbox rows carrying it decide (told once sent)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from bot.domain.alerts import AlertKey
from bot.domain.delays import QUESTION_KINDS, Notice, NoticeKind, NoticeState
from bot.domain.model import Customer, Jurisdiction
from bot.domain.outbox import OutgoingMessage

NO_CHAT = "no linked chat"
# Why: a message queued for a chat that then unlinked (or linked to someone else) must not go to
# it: the customer's data would reach another person, and nothing would be told to the customer.
CHAT_UNLINKED = "the chat was unlinked from the customer"
# Why: the reason kept when rows carried a notice but none recorded an error.
NOTHING_QUEUED = "no message could be queued"


class NoticeDelivery(StrEnum):
    """Where a notice stands on its way to the customer."""

    WAITING = "waiting"
    DELIVERED = "delivered"
    RESEND_ALONE = "resend_alone"
    UNDELIVERED = "undelivered"


@dataclass(frozen=True)
class CarrierRow:
    """An outbox row that carries a notice, as the dispatcher left it."""

    row_id: int
    chat_id: int
    status: str
    error: str | None
    chat_unreachable: bool
    notices: int
    # When a pending row may be sent (quiet hours hold it until then); None once settled.
    due_at: datetime | None = None

    def held_at(self, now: datetime) -> bool:
        """Whether the row waits, unsent, past `now` (a quiet-hours hold)."""
        return self.status == "pending" and self.due_at is not None and self.due_at > now


@dataclass(frozen=True)
class PendingNotice:
    """A notice not known to be delivered yet, with the rows carrying it."""

    notice_id: int
    customer_id: str
    notice: Notice
    before: NoticeState | None
    rows: tuple[CarrierRow, ...]
    latest: bool


@dataclass(frozen=True)
class UndeliveredNotice:
    """A notice no chat received: the state to return to, the held rows to drop, the reason."""

    notice_id: int
    order_id: str
    error: str
    state: NoticeState | None
    held_rows: tuple[int, ...]
    # True when a chat was linked since: the sweep decides the notice afresh (not listed, no alert).
    retry: bool = False


@dataclass(frozen=True)
class Resend:
    """A notice re-rendered alone after a message carrying several notices was refused."""

    notice_id: int
    failed_rows: tuple[int, ...]
    messages: tuple[OutgoingMessage, ...]


@dataclass(frozen=True)
class Settlement:
    """What one look at the pending notices decided, written in one transaction."""

    delivered: tuple[int, ...] = ()
    resends: tuple[Resend, ...] = ()
    undelivered: tuple[UndeliveredNotice, ...] = ()
    alerts: tuple[OutgoingMessage, ...] = ()
    # The alerts those messages carry, recorded with them (their buttons' handles).
    alert_keys: tuple[AlertKey, ...] = ()


@dataclass(frozen=True)
class WithdrawnNotice:
    """A queued notice taken back before it was sent, and where its order's state returns to."""

    notice_id: int
    order_id: str
    reason: str
    rows: tuple[int, ...]
    # The state it was decided from, when it is its order's latest notice (else None: unchanged);
    # the store keeps the dates the customer saw on screen since (`restored`).
    state: NoticeState | None


def restored(before: NoticeState, seen: NoticeState | None) -> NoticeState:
    """Where a notice the customer never received (taken back before it was sent, or
    undelivered) leaves its order: `before`, the state it returns to (the deadline, consent and
    question in force), but with the estimated date and readiness of `seen`, the order's state
    now, when the customer saw the order's dates on screen after the notice was decided (None:
    not seen since; `notice_log.shown_at`).

    A date shown on an order screen counts as told (`mark_shown`), and news is measured from the
    date the customer holds: forgetting it would tell a later date as sooner. A screen agrees to
    nothing, so the deadline, consent and question stay `before`'s.
    """
    if seen is None:
        return before
    return replace(
        before,
        communicated_date=seen.communicated_date,
        communicated_at=seen.communicated_at,
        ready_notified=seen.ready_notified,
    )


# Why: one digest carries several orders' notices; it is taken back whole and decided again.
ORDER_CLOSED = "its order was cancelled or shipped before it was sent"
DECIDED_OTHERWISE = "its order changed before it was sent: decided again"


def withdrawal_reason(queued: Notice, decided_now: tuple[Notice, ...] | None) -> str | None:
    """Why a queued, unsent notice must not go as it is, or None while it still holds.

    `decided_now` is what the delay policy decides today from the state the queued notice was
    decided from (None: the order is no longer open). It holds while one notice decided now
    tells the same news (kind, dates, refund); its deadlines may be newer.
    """
    if decided_now is None:
        return ORDER_CLOSED
    same = any(
        (n.kind, n.previous_date, n.revised_date, n.refund_minor, n.currency)
        == (
            queued.kind,
            queued.previous_date,
            queued.revised_date,
            queued.refund_minor,
            queued.currency,
        )
        for n in decided_now
    )
    return None if same else DECIDED_OTHERWISE


@dataclass(frozen=True)
class UndeliveredAlert:
    """What staff must know about a notice that reached no chat (DESIGN §12)."""

    notice: Notice
    customer: Customer | None
    customer_id: str
    error: str
    # The date the shop is bound to ship by now that no valid notice was given (None: no date).
    ship_by: date | None
    # True when the customer has no linked chat (nothing was sent), not a refused send.
    no_chat: bool = False


@dataclass(frozen=True)
class AlertedNotice:
    """An undelivered notice staff were alerted about, as that alert told it."""

    notice: Notice
    error: str
    ship_by: date | None


def alerted(alert: UndeliveredAlert) -> AlertedNotice:
    """What an alert told staff, to compare the order's next alert with (`repeats`)."""
    return AlertedNotice(alert.notice, alert.error, alert.ship_by)


def repeats(alert: UndeliveredAlert, previous: AlertedNotice | None) -> bool:
    """Whether `alert` would only repeat the alert staff already had about the order (its
    latest, with no notice of the order delivered since; None: none).

    Staff must act on what the law requires (16 CFR 435.2, DESIGN §12): the ship-by date, the
    refund and when it is due. While those, the kind of notice and the reason it failed stay
    the same, a new undelivered notice (a purchase order moved again while the customer still
    has no chat) asks nothing new of them, so they are not alerted again.
    """
    if previous is None:
        return False
    before, now = previous.notice, alert.notice
    return (
        previous.error,
        previous.ship_by,
        before.kind,
        before.jurisdiction,
        before.refund_minor,
        before.currency,
        before.refund_due,
    ) == (
        alert.error,
        alert.ship_by,
        now.kind,
        now.jurisdiction,
        now.refund_minor,
        now.currency,
        now.refund_due,
    )


def delivery(rows: tuple[CarrierRow, ...]) -> NoticeDelivery:
    """Delivered once any chat received it; undelivered once no row can still be delivered."""
    if any(row.status == "sent" for row in rows):
        return NoticeDelivery.DELIVERED
    if any(row.status == "pending" and not row.chat_unreachable for row in rows):
        return NoticeDelivery.WAITING
    if any(
        row.status == "failed" and row.notices > 1 and row.error != CHAT_UNLINKED for row in rows
    ):
        # Why: a digest refused as a whole gets a second chance, one message per order.
        return NoticeDelivery.RESEND_ALONE
    return NoticeDelivery.UNDELIVERED


def delivery_error(rows: tuple[CarrierRow, ...]) -> str:
    """The reason to show staff for a notice no row delivered; NO_CHAT when none carried it."""
    if not rows:
        return NO_CHAT
    for row in rows:
        if row.error:
            return row.error
    return NOTHING_QUEUED


# The notices that only inform: nothing is owed when a customer without a chat misses one.
NEWS_KINDS = frozenset({NoticeKind.GOOD_NEWS, NoticeKind.DELAY_INFO, NoticeKind.READY_TO_SHIP})


def worth_listing(kind: str, error: str) -> bool:
    """Show staff an undelivered notice (`outbox`, WARNING)? Every refused send; with no chat,
    all but news: a shop whose customers mostly use email would otherwise drown in them."""
    return error != NO_CHAT or kind not in NEWS_KINDS


def worth_alerting(notice: Notice, rows: tuple[CarrierRow, ...]) -> bool:
    """Alert staff? Each refused send; with no chat, US questions (16 CFR 435.2), cancellations."""
    if rows:
        return True
    # Why: many customers never use Telegram; alerting on each of their news notices would bury
    # the alerts staff must act on.
    if notice.kind is NoticeKind.AUTO_CANCELLED:
        return True
    return notice.jurisdiction is Jurisdiction.US and notice.kind in QUESTION_KINDS
