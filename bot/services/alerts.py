"""Use cases: raise staff alerts once each (DESIGN §12) — purchase orders overdue with customers
waiting, refunds past due, customers who blocked the bot with a delay question open, orders
ready to ship but not shipped by their promised date.

Rendering is passed in (`AlertTexts`, from the handlers layer); these return counts, not text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.domain.alerts import (
    DIGEST_AFTER,
    DIGEST_PAGE,
    DIGEST_PAGES,
    AlertKey,
    AlertKind,
    AlertSourceStore,
    BlockedQuestion,
    DueRefund,
    RaisedAlert,
    ReadyUnshipped,
    alert_data,
    po_subject,
    question_subject,
)
from bot.domain.outbox import Button, OutgoingMessage
from bot.domain.overdue_supply import OverduePurchaseOrder


@dataclass(frozen=True)
class AlertText:
    """One alert as staff read it: the whole message, its line in a digest, its button's label
    (None: no action fits) and the short label of its button in a digest."""

    text: str
    line: str
    action: str | None
    tag: str


class AlertTexts(Protocol):
    """How alerts read, in the staff's language (BACKORDER_DEFAULT_LANGUAGE)."""

    def overdue_po(self, po: OverduePurchaseOrder, product: str | None) -> AlertText:
        """A purchase order past its expected date with customers waiting."""
        ...

    def overdue_refund(self, refund: DueRefund, *, today: date) -> AlertText:
        """A refund past its due date."""
        ...

    def blocked_question(self, question: BlockedQuestion) -> AlertText:
        """A customer unreachable with a delay question open."""
        ...

    def ready_unshipped(self, order: ReadyUnshipped, customer: str | None) -> AlertText:
        """A ready order past its promised ship date, not shipped (`customer`: their name)."""
        ...

    def digest_heading(self, kind: AlertKind, count: int) -> str:
        """The heading of a digest page of `count` new alerts of `kind`."""
        ...

    def digest_more(self, kind: AlertKind, count: int) -> str:
        """The last page's note of `count` alerts of `kind` not listed, and where to see them."""
        ...


def raised(
    items: Sequence[tuple[AlertKey, AlertText]],
    chats: Sequence[int],
    heading: Callable[[int], str],
    more: Callable[[int], str],
) -> list[RaisedAlert]:
    """The alerts with their messages to each chat: one message each, or digest pages when more
    than DIGEST_AFTER come at once (a page's message rides on its first alert); past
    DIGEST_PAGES pages the rest are only counted (`more`) and recorded."""
    if len(items) <= DIGEST_AFTER:
        return [
            RaisedAlert(
                key,
                tuple(
                    OutgoingMessage(
                        key.dedupe_key(chat_id),
                        chat_id,
                        text.text,
                        ((Button(text.action, alert_data(key)),),) if text.action else (),
                        urgent=True,
                    )
                    for chat_id in chats
                ),
            )
            for key, text in items
        ]
    shown = DIGEST_PAGE * DIGEST_PAGES
    alerts: list[RaisedAlert] = []
    for start in range(0, min(len(items), shown), DIGEST_PAGE):
        page = items[start : start + DIGEST_PAGE]
        lines = [heading(len(items)), "", *(text.line for _, text in page)]
        if start + DIGEST_PAGE >= shown and len(items) > shown:
            lines += ["", more(len(items) - shown)]
        buttons = tuple((Button(text.tag, alert_data(key)),) for key, text in page if text.action)
        first = page[0][0]
        alerts.append(
            RaisedAlert(
                first,
                tuple(
                    OutgoingMessage(
                        first.dedupe_key(chat_id), chat_id, "\n".join(lines), buttons, urgent=True
                    )
                    for chat_id in chats
                ),
            )
        )
        alerts += [RaisedAlert(key, ()) for key, _ in page[1:]]
    alerts += [RaisedAlert(key, ()) for key, _ in items[shown:]]
    return alerts


async def _raise(
    store: AlertSourceStore,
    kind: AlertKind,
    candidates: Sequence[tuple[AlertKey, Callable[[], AlertText]]],
    *,
    chats: Sequence[int],
    texts: AlertTexts,
    now: datetime,
) -> int:
    if not chats or not candidates:
        return 0
    known = await store.known_alerts(kind, [key.subject for key, _ in candidates])
    new = [(key, render()) for key, render in candidates if key.subject not in known]
    if not new:
        return 0
    alerts = raised(
        new,
        chats,
        lambda count: texts.digest_heading(kind, count),
        lambda count: texts.digest_more(kind, count),
    )
    return len(await store.record_alerts(alerts, now=now))


async def alert_overdue_supply(
    store: AlertSourceStore,
    found: Sequence[OverduePurchaseOrder],
    *,
    chats: Sequence[int],
    texts: AlertTexts,
    now: datetime,
) -> int:
    """One alert per purchase order and expected date, while customers wait on it (DESIGN §5,
    §12): moving the date and it falling overdue again alerts again. Alerts newly raised."""
    waited_on = [po for po in found if po.customers]
    products = await store.get_products({po.sku for po in waited_on}) if waited_on else {}

    def render(po: OverduePurchaseOrder) -> Callable[[], AlertText]:
        product = products.get(po.sku)
        return lambda: texts.overdue_po(po, product.name if product else None)

    candidates = [
        (
            AlertKey(AlertKind.PO_OVERDUE, po_subject(po.po_id, po.expected_date), po.po_id),
            render(po),
        )
        for po in waited_on
    ]
    return await _raise(store, AlertKind.PO_OVERDUE, candidates, chats=chats, texts=texts, now=now)


async def alert_overdue_refunds(
    store: AlertSourceStore,
    *,
    today: date,
    chats: Sequence[int],
    texts: AlertTexts,
    now: datetime,
) -> int:
    """One alert per refund still due after its due date (`today` is the business date)."""
    overdue = await store.due_refunds(before=today)

    def render(refund: DueRefund) -> Callable[[], AlertText]:
        return lambda: texts.overdue_refund(refund, today=today)

    candidates = [
        (
            AlertKey(AlertKind.REFUND_OVERDUE, str(refund.refund_id), str(refund.refund_id)),
            render(refund),
        )
        for refund in overdue
    ]
    return await _raise(
        store, AlertKind.REFUND_OVERDUE, candidates, chats=chats, texts=texts, now=now
    )


async def alert_blocked_questions(
    store: AlertSourceStore,
    *,
    chats: Sequence[int],
    texts: AlertTexts,
    now: datetime,
) -> int:
    """One alert per (customer, open delay question) once every chat of the customer is
    unreachable (blocked the bot), so staff reach them another way before the deadline."""
    questions = await store.blocked_questions()

    def render(question: BlockedQuestion) -> Callable[[], AlertText]:
        return lambda: texts.blocked_question(question)

    candidates = [
        (
            AlertKey(
                AlertKind.BLOCKED_QUESTION,
                question_subject(question.customer_id, question.order_id, question.asked),
                question.order_id,
            ),
            render(question),
        )
        for question in questions
    ]
    return await _raise(
        store, AlertKind.BLOCKED_QUESTION, candidates, chats=chats, texts=texts, now=now
    )


async def alert_ready_unshipped(
    store: AlertSourceStore,
    found: Sequence[ReadyUnshipped],
    *,
    chats: Sequence[int],
    texts: AlertTexts,
    now: datetime,
) -> int:
    """One alert per order ready to ship (in stock) that passed its promised ship date without
    shipping, as a sweep found them (`SweepReport.ready_unshipped`); alerts newly raised."""
    if not chats or not found:
        return 0
    known = await store.known_alerts(AlertKind.READY_UNSHIPPED, [order.order_id for order in found])
    names: dict[str, str | None] = {}
    for order in found:
        if order.order_id not in known and order.customer_id not in names:
            customer = await store.get_customer(order.customer_id)
            names[order.customer_id] = customer.name if customer else None

    def render(order: ReadyUnshipped) -> Callable[[], AlertText]:
        return lambda: texts.ready_unshipped(order, names.get(order.customer_id))

    candidates = [
        (AlertKey(AlertKind.READY_UNSHIPPED, order.order_id, order.order_id), render(order))
        for order in found
        if order.order_id not in known
    ]
    return await _raise(
        store, AlertKind.READY_UNSHIPPED, candidates, chats=chats, texts=texts, now=now
    )
