"""Whether a notice was delivered: the outbox rows carrying it decide (told once sent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.delays import Notice, NoticeState
from bot.domain.model import Customer
from bot.domain.outbox import OutgoingMessage


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


@dataclass(frozen=True)
class UndeliveredAlert:
    """What staff must know about a notice that reached no chat (DESIGN §12)."""

    notice: Notice
    customer: Customer | None
    customer_id: str
    error: str
    # The date the shop is bound to ship by now that no valid notice was given (None: no date).
    ship_by: date | None


def delivery(rows: tuple[CarrierRow, ...]) -> NoticeDelivery:
    """Delivered once any chat received it; undelivered once no row can still be delivered."""
    if any(row.status == "sent" for row in rows):
        return NoticeDelivery.DELIVERED
    if any(row.status == "pending" and not row.chat_unreachable for row in rows):
        return NoticeDelivery.WAITING
    if any(row.status == "failed" and row.notices > 1 for row in rows):
        # Why: a digest refused as a whole gets a second chance, one message per order.
        return NoticeDelivery.RESEND_ALONE
    return NoticeDelivery.UNDELIVERED


def delivery_error(rows: tuple[CarrierRow, ...]) -> str:
    """The reason to show staff for a notice no row delivered."""
    for row in rows:
        if row.error:
            return row.error
    return "no message could be queued"
