"""How staff alerts read (DESIGN §12), in BACKORDER_DEFAULT_LANGUAGE: overdue purchase orders,
overdue refunds, customers who blocked the bot with a delay question open, ready orders not
shipped by their promised date."""

from __future__ import annotations

import html
from datetime import date

from bot.domain.alerts import AlertKind, BlockedQuestion, DueRefund, ReadyUnshipped, days_late
from bot.domain.overdue_supply import OverduePurchaseOrder
from bot.i18n import Translator
from bot.services.alerts import AlertText
from handlers.common import short
from handlers.staff.find import contact_lines


class AlertTexts:
    """The alert renderer the checks take (bot.services.alerts.AlertTexts), in one language."""

    def __init__(self, t: Translator) -> None:
        self._t = t

    def overdue_po(self, po: OverduePurchaseOrder, product: str | None) -> AlertText:
        """PO, product and SKU, supplier, due date, days overdue, who waits (DESIGN §5, §12)."""
        t = self._t
        late = t.ngettext("{n} day overdue", "{n} days overdue", po.days_overdue)
        waiting = (
            t.ngettext(
                "Waiting on it: {n} customer", "Waiting on it: {n} customers", len(po.customers)
            )
            + ", "
            + t.ngettext("{n} line", "{n} lines", len(po.lines))
        )
        text = "\n".join(
            [
                t.gettext("⏰ <b>Purchase order {po_id} is overdue</b>", po_id=po.po_id),
                t.gettext("{product} ({sku})", product=short(product or po.sku, 200), sku=po.sku),
                t.gettext("Supplier: {supplier}", supplier=po.supplier or "—"),
                t.gettext("Expected: {date}", date=t.date(po.expected_date)) + f" · {late}",
                waiting,
            ]
        )
        line = t.ngettext(
            "<b>{po_id}</b> ({sku}, {supplier}): due {date}, {n} day overdue; {customers} waiting",
            "<b>{po_id}</b> ({sku}, {supplier}): due {date}, {n} days overdue; {customers} waiting",
            po.days_overdue,
            po_id=po.po_id,
            sku=po.sku,
            supplier=po.supplier or "—",
            date=t.date(po.expected_date),
            customers=t.number(len(po.customers)),
        )
        return AlertText(text, line, t.gettext("Move the date"), po.po_id)

    def overdue_refund(self, refund: DueRefund, *, today: date) -> AlertText:
        """Order, customer, amount, due date and days overdue of a refund still owed."""
        t = self._t
        amount = t.money(refund.amount_minor, refund.currency)
        late = days_late(refund.due_date, today)
        text = "\n".join(
            [
                t.gettext("💸 <b>A refund is overdue</b>"),
                t.gettext(
                    "Order {order_id} of {customer} (customer {customer_id}).",
                    order_id=refund.order_id,
                    customer=refund.customer_name,
                    customer_id=refund.customer_id,
                ),
                t.ngettext(
                    "{amount} was due on {date}: {n} day overdue.",
                    "{amount} was due on {date}: {n} days overdue.",
                    late,
                    amount=amount,
                    date=t.date(refund.due_date),
                ),
            ]
        )
        line = t.ngettext(
            "<b>{order_id}</b>: {amount}, due {date}, {n} day overdue",
            "<b>{order_id}</b>: {amount}, due {date}, {n} days overdue",
            late,
            order_id=refund.order_id,
            amount=amount,
            date=t.date(refund.due_date),
        )
        tag = f"{refund.order_id} · {html.unescape(amount)}"
        return AlertText(text, line, t.gettext("Mark paid"), tag)

    def blocked_question(self, question: BlockedQuestion) -> AlertText:
        """Whose order, the answer's deadline and what happens at it under the order's law."""
        t = self._t
        text = "\n".join(
            [
                t.gettext("🚫 <b>A customer blocked the bot with a delay question open</b>"),
                t.gettext(
                    "Order {order_id} of {customer} (customer {customer_id}).",
                    order_id=question.order_id,
                    customer=question.customer_name,
                    customer_id=question.customer_id,
                ),
                _at_the_deadline(t, question),
                *_other_ways(t, question.email, question.phone),
            ]
        )
        line = t.gettext(
            "<b>{order_id}</b>: {customer}",
            order_id=question.order_id,
            customer=question.customer_name,
        )
        return AlertText(text, line, t.gettext("Show order"), question.order_id)

    def ready_unshipped(self, order: ReadyUnshipped, customer: str | None) -> AlertText:
        """Whose order, its promised date, and whether the US rule already cancelled it."""
        t = self._t
        amount = t.money(order.refund_minor, order.currency)
        promised = t.date(order.promised_date)
        text = "\n".join(
            [
                t.gettext("📦 <b>An order ready to ship was not shipped by its promised date</b>"),
                t.gettext(
                    "Order {order_id} of {customer} (customer {customer_id}).",
                    order_id=order.order_id,
                    customer=customer or order.customer_id,
                    customer_id=order.customer_id,
                ),
                t.gettext(
                    "Everything in it is in stock, but it was not marked shipped by {date}, "
                    "the date promised to the customer.",
                    date=promised,
                ),
                t.gettext(
                    "US rule: with no delay notice before that date, it was cancelled "
                    "automatically; the customer gets a full refund of {amount}.",
                    amount=amount,
                )
                if order.cancelled
                else t.gettext("Ship it, or tell the customer when it will ship."),
            ]
        )
        line = t.gettext(
            "<b>{order_id}</b>: {customer}, promised {date}",
            order_id=order.order_id,
            customer=customer or order.customer_id,
            date=promised,
        )
        return AlertText(text, line, t.gettext("Show order"), order.order_id)

    def digest_heading(self, kind: AlertKind, count: int) -> str:
        """The heading of a digest page: how many new alerts of `kind` and what to tap."""
        t = self._t
        if kind is AlertKind.READY_UNSHIPPED:
            return t.ngettext(
                "📦 <b>{n} order ready to ship was not shipped by its promised date.</b> Tap one "
                "to see the order.",
                "📦 <b>{n} orders ready to ship were not shipped by their promised date.</b> Tap "
                "one to see the order.",
                count,
            )
        if kind is AlertKind.PO_OVERDUE:
            return t.ngettext(
                "⏰ <b>{n} purchase order is overdue with customers waiting.</b> Tap one to move "
                "its date.",
                "⏰ <b>{n} purchase orders are overdue with customers waiting.</b> Tap one to move "
                "its date.",
                count,
            )
        if kind is AlertKind.REFUND_OVERDUE:
            return t.ngettext(
                "💸 <b>{n} refund is overdue.</b> Tap one once it is paid.",
                "💸 <b>{n} refunds are overdue.</b> Tap one once it is paid.",
                count,
            )
        return t.ngettext(
            "🚫 <b>{n} customer blocked the bot with a delay question open.</b> Contact them "
            "another way; tap one to see the order.",
            "🚫 <b>{n} customers blocked the bot with a delay question open.</b> Contact them "
            "another way; tap one to see the order.",
            count,
        )

    def digest_more(self, kind: AlertKind, count: int) -> str:
        """How many more were not listed, and which command lists them all."""
        t = self._t
        if kind is AlertKind.READY_UNSHIPPED:
            return t.ngettext(
                "… and {n} more order ready to ship past its promised date, not listed here: "
                "/find shows each order.",
                "… and {n} more orders ready to ship past their promised date, not listed here: "
                "/find shows each order.",
                count,
            )
        if kind is AlertKind.PO_OVERDUE:
            return t.ngettext(
                "… and {n} more overdue purchase order, not listed here: /po shows each one, "
                "and the command line's outbox command lists them all.",
                "… and {n} more overdue purchase orders, not listed here: /po shows each one, "
                "and the command line's outbox command lists them all.",
                count,
            )
        if kind is AlertKind.REFUND_OVERDUE:
            return t.ngettext(
                "… and {n} more overdue refund, not listed here: the command line's refunds "
                "command lists them all.",
                "… and {n} more overdue refunds, not listed here: the command line's refunds "
                "command lists them all.",
                count,
            )
        return t.ngettext(
            "… and {n} more customer, not listed here: the command line's outbox command "
            "lists the chats that blocked the bot.",
            "… and {n} more customers, not listed here: the command line's outbox command "
            "lists the chats that blocked the bot.",
            count,
        )


def _other_ways(t: Translator, email: str | None, phone: str | None) -> list[str]:
    """Every chat blocked the bot: how else to reach them (the email and phone the shop's export
    gives, escaped), or that the export gives neither."""
    if email is None and phone is None:
        return [
            t.gettext(
                "Every chat of theirs has blocked the bot, and the shop's data has no email or "
                "phone for them."
            )
        ]
    return [
        t.gettext("Every chat of theirs has blocked the bot: contact them another way."),
        *contact_lines(t, email, phone),
    ]


def _at_the_deadline(t: Translator, question: BlockedQuestion) -> str:
    """What the customer's silence means at the deadline: 16 CFR 435.2 in the US (deemed
    consent to a first definite delay, else cancellation with a full refund); EU and UK law
    cancel nothing on their own (bot.domain.delays)."""
    deadline = question.decision_deadline
    if question.silence_means == "cancel":
        cancel_on = question.auto_cancel_on or deadline
        if cancel_on is None:
            return t.gettext(
                "US rule (16 CFR 435.2): without their answer the order is cancelled with a full "
                "refund."
            )
        return t.gettext(
            "US rule (16 CFR 435.2): without their answer by {deadline}, the bot cancels the "
            "order on {cancel_on} with a full refund.",
            deadline=t.date(deadline or cancel_on),
            cancel_on=t.date(cancel_on),
        )
    if question.silence_means == "consent":
        return t.gettext(
            "US rule (16 CFR 435.2): without their answer by {deadline}, they are deemed to "
            "agree to the new date.",
            deadline=t.date(deadline) if deadline else "—",
        )
    if deadline is None:
        return t.gettext(
            "Their answer is awaited. Nothing happens on its own: the order is not cancelled "
            "automatically (EU/UK law), and they may still cancel for a full refund."
        )
    return t.gettext(
        "Their answer is awaited by {deadline}. Nothing happens on its own then: the order is "
        "not cancelled automatically (EU/UK law), and they may still cancel for a full refund.",
        deadline=t.date(deadline),
    )
