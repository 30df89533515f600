"""Use case: settle notices on their way — told when delivered, else undelivered and escalated."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import uuid4

from bot.domain.alerts import AlertKey, AlertKind, alert_data
from bot.domain.delays import NoticeState, undelivered
from bot.domain.model import Customer
from bot.domain.notice_delivery import (
    AlertedNotice,
    NoticeDelivery,
    PendingNotice,
    Resend,
    Settlement,
    UndeliveredAlert,
    UndeliveredNotice,
    alerted,
    delivery,
    delivery_error,
    repeats,
    worth_alerting,
    worth_listing,
)
from bot.domain.notice_store import NoticeStore
from bot.domain.outbox import Button, OutgoingMessage
from bot.services.eta import RECOMPUTE_MARK
from bot.services.notices import Renderer, fitted

logger = logging.getLogger(__name__)

AlertRenderer = Callable[[UndeliveredAlert], str]


@dataclass(frozen=True)
class StaffAlerts:
    """Where alerts go (the support chat, else each staff member's chat) and how they read;
    `show_order` labels the button that opens the order's staff card (empty: no button)."""

    chats: tuple[int, ...]
    render: AlertRenderer
    show_order: str = ""


@dataclass(frozen=True)
class SettleReport:
    """What one look at the pending notices did."""

    delivered: int
    resent: int
    undelivered: tuple[str, ...]
    alerts_queued: int


def alert_chats(support_chat_id: int | None, staff_ids: frozenset[int]) -> tuple[int, ...]:
    """The support chat when configured, else every staff member's private chat (DESIGN §12)."""
    return (support_chat_id,) if support_chat_id is not None else tuple(sorted(staff_ids))


async def settle_notices(
    store: NoticeStore, *, now: datetime, render: Renderer, alerts: StaffAlerts
) -> SettleReport:
    """Mark notices delivered, resend refused digests one order at a time, escalate the rest.

    A notice no chat received (refused, blocked, or no chat linked) leaves its order as if it had
    not been sent (16 CFR 435.2: no valid notice; the dates the customer saw on screen since
    stay told: `restored`), is listed by `outbox`, logged at WARNING and
    alerted to staff once (see `worth_alerting`); not again for a later notice of the same order
    that asks the same of staff (see `repeats`).
    """
    pending = await store.pending_notices()
    outcomes = [(notice, delivery(notice.rows)) for notice in pending]
    troubled = {
        notice.customer_id
        for notice, outcome in outcomes
        if outcome in (NoticeDelivery.RESEND_ALONE, NoticeDelivery.UNDELIVERED)
    }
    customers = await store.customers_with_chats(troubled) if troubled else {}
    undelivered_orders = {
        notice.notice.order_id
        for notice, outcome in outcomes
        if outcome is NoticeDelivery.UNDELIVERED
    }
    previous: dict[str, AlertedNotice] = (
        await store.alerted_notices(undelivered_orders) if undelivered_orders else {}
    )
    delivered: list[int] = []
    resends: list[Resend] = []
    gone: list[UndeliveredNotice] = []
    messages: list[OutgoingMessage] = []
    keys: list[AlertKey] = []
    for notice, outcome in outcomes:
        customer = customers.get(notice.customer_id, (None, ()))[0]
        if outcome is NoticeDelivery.DELIVERED:
            delivered.append(notice.notice_id)
            # Why: the customer was reached since the last alert; a later failure is news.
            previous.pop(notice.notice.order_id, None)
        elif outcome is NoticeDelivery.RESEND_ALONE:
            resends.append(_resend(notice, customer, render))
        elif outcome is NoticeDelivery.UNDELIVERED:
            # Why: decided while no chat was linked, but one is now (linked in the meantime).
            retry = not notice.rows and bool(customers.get(notice.customer_id, (None, ()))[1])
            gone.append(_undelivered(notice, retry=retry))
            if not retry and worth_alerting(notice.notice, notice.rows) and alerts.chats:
                alert = _alert(notice, customer)
                if repeats(alert, previous.get(notice.notice.order_id)):
                    continue
                previous[notice.notice.order_id] = alerted(alert)
                key = AlertKey(
                    AlertKind.NOTICE_UNDELIVERED, str(notice.notice_id), notice.notice.order_id
                )
                keys.append(key)
                messages += _alerts(alert, alerts, key)
    if not (delivered or resends or gone):
        return SettleReport(0, 0, (), 0)
    settlement = Settlement(
        tuple(delivered), tuple(resends), tuple(gone), tuple(messages), tuple(keys)
    )
    queued = await store.settle_notices(settlement, now=now)
    if any(item.retry for item in gone):
        # Why: the sweep runs only after a change; the state it must decide from just changed.
        await store.set_setting(RECOMPUTE_MARK, uuid4().hex)
    return SettleReport(len(delivered), len(resends), tuple(item.order_id for item in gone), queued)


def _resend(notice: PendingNotice, customer: Customer | None, render: Renderer) -> Resend:
    language = customer.language if customer and customer.language else ""
    failed = [row for row in notice.rows if row.status == "failed" and row.notices > 1]
    pages = fitted(render, language, [notice.notice])
    return Resend(
        notice.notice_id,
        tuple(row.row_id for row in failed),
        tuple(
            OutgoingMessage(
                dedupe_key=f"notice:{notice.notice_id}:alone:{row.chat_id}"
                + (f":{number}" if number else ""),
                chat_id=row.chat_id,
                text=rendered.text,
                buttons=rendered.buttons,
                customer_id=notice.customer_id,
                urgent=True,
            )
            for row in failed
            for number, (rendered, _) in enumerate(pages)
        ),
    )


def _undelivered(notice: PendingNotice, *, retry: bool) -> UndeliveredNotice:
    error = delivery_error(notice.rows)
    logger.log(
        logging.WARNING if worth_listing(notice.notice.kind, error) else logging.DEBUG,
        "%s notice for order %s (customer %s) was not delivered: %s",
        notice.notice.kind.value,
        notice.notice.order_id,
        notice.customer_id,
        error,
    )
    # Why: only the latest notice of an order shaped its state; a later one supersedes it.
    state: NoticeState | None = None
    if notice.latest and notice.before is not None:
        before = notice.before
        state = replace(before, undelivered=None) if retry else undelivered(before, notice.notice)
    held = tuple(row.row_id for row in notice.rows if row.status == "pending")
    return UndeliveredNotice(notice.notice_id, notice.notice.order_id, error, state, held, retry)


def _alert(notice: PendingNotice, customer: Customer | None) -> UndeliveredAlert:
    return UndeliveredAlert(
        notice=notice.notice,
        customer=customer,
        customer_id=notice.customer_id,
        error=delivery_error(notice.rows),
        ship_by=notice.before.deadline if notice.before is not None else None,
        no_chat=not notice.rows,
    )


def _alerts(
    alert: UndeliveredAlert, alerts: StaffAlerts, key: AlertKey
) -> Sequence[OutgoingMessage]:
    buttons = ((Button(alerts.show_order, alert_data(key)),),) if alerts.show_order else ()
    text = alerts.render(alert)
    return [
        OutgoingMessage(key.dedupe_key(chat_id), chat_id, text, buttons, urgent=True)
        for chat_id in alerts.chats
    ]
