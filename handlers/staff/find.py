"""/find ORDER_ID: any order as staff see it — customer and chats, lines with dates and why,
the notices sent and the answers, refunds (DESIGN §10). Long orders are split, never cut."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from bot.domain.delays import ConsentState, NoticeKind
from bot.domain.fitting import split_lines
from bot.domain.notice_delivery import CHAT_UNLINKED, NOTHING_QUEUED
from bot.domain.notice_store import NoticeStanding
from bot.i18n import Translator
from bot.services.staff_lookup import ShownNotice, StaffOrderView, staff_order
from handlers.common import send_new
from handlers.orders import line_text
from handlers.staff.access import staff_only


async def find_order(update: Update, context: BotContext) -> None:
    """/find ORDER_ID (the shop's id or the number customers type)."""
    t = await context.translator(update)
    typed = " ".join(context.args or []).strip()
    if not typed:
        await send_new(
            update, t.gettext("Send /find followed by an order number, e.g. /find 1042.")
        )
        return
    services = context.services
    found = await staff_order(services.store, typed, now=services.clock.now())
    if found is None:
        await send_new(update, t.gettext("No order {order_id}.", order_id=typed))
        return
    for piece in split_lines(find_text(t, found, services.settings.timezone)):
        await send_new(update, piece)


def _status(t: Translator, status: str) -> str:
    match status:
        case "ready":
            return t.gettext("ready to ship")
        case "backordered":
            return t.gettext("backordered")
        case "shipped":
            return t.gettext("shipped")
    return t.gettext("cancelled")


def kind_text(t: Translator, kind: NoticeKind) -> str:
    """A notice's kind in words."""
    match kind:
        case NoticeKind.DELAY_FIRST:
            return t.gettext("delay notice")
        case NoticeKind.DELAY_RENEWED:
            return t.gettext("renewed delay notice")
        case NoticeKind.DELAY_CONSENT_REQUEST:
            return t.gettext("consent request")
        case NoticeKind.DELAY_INFO:
            return t.gettext("delay information")
        case NoticeKind.GOOD_NEWS:
            return t.gettext("good news")
        case NoticeKind.READY_TO_SHIP:
            return t.gettext("ready to ship")
    return t.gettext("automatic cancellation")


def notice_line(t: Translator, shown: ShownNotice, zone: tzinfo) -> str:
    """A notice of the card: when it was decided, its kind, and where it stands for the customer
    (delivered, waiting to be sent, not delivered and why, or no chat linked)."""
    record = shown.record
    when = t.date(record.decided_at.date())
    kind = kind_text(t, record.notice.kind)
    match shown.standing:
        case NoticeStanding.DELIVERED:
            return t.gettext("{date}: {kind} · delivered", date=when, kind=kind)
        case NoticeStanding.HELD if shown.held_until is not None:
            until = shown.held_until.astimezone(zone)
            return t.gettext(
                "{date}: {kind} · waiting to be sent: held for the customer's quiet hours "
                "until {day} at {time}",
                date=when,
                kind=kind,
                day=t.date(until.date()),
                time=t.time(until.time()),
            )
        case NoticeStanding.HELD | NoticeStanding.QUEUED:
            return t.gettext("{date}: {kind} · waiting to be sent (queued)", date=when, kind=kind)
        case NoticeStanding.NO_CHAT:
            return t.gettext(
                "{date}: {kind} · not sent: no chat linked to the customer", date=when, kind=kind
            )
    return t.gettext(
        "{date}: {kind} · not delivered: {reason}",
        date=when,
        kind=kind,
        reason=_undelivered_reason(t, record.delivery_error),
    )


def _undelivered_reason(t: Translator, error: str | None) -> str:
    """Why no chat received a notice, in staff's language (Telegram's own words quoted)."""
    if not error or error == NOTHING_QUEUED:
        return t.gettext("no message could be queued")
    if error == CHAT_UNLINKED:
        return t.gettext("the chat was unlinked from the customer")
    return t.gettext("Telegram refused it: {error}", error=error)


def contact_lines(t: Translator, email: str | None, phone: str | None) -> list[str]:
    """The customer's email and phone, one line each, those known only (values escaped)."""
    lines = []
    if email is not None:
        lines.append(t.gettext("Email: {email}", email=email))
    if phone is not None:
        lines.append(t.gettext("Phone: {phone}", phone=phone))
    return lines


def find_text(t: Translator, found: StaffOrderView, zone: tzinfo) -> str:
    """The whole staff view of the order as HTML lines (split by the caller when long); times
    in `zone` (the shop's)."""
    view = found.view
    order = view.order
    name = found.customer.name if found.customer else order.customer_id
    parts = [
        t.gettext(
            "<b>Order {order_id}</b> · {status}",
            order_id=order.order_id,
            status=_status(t, view.status),
        ),
        t.gettext("Customer: {name} ({customer_id})", name=name, customer_id=order.customer_id),
    ]
    if found.customer is not None:
        parts += contact_lines(t, found.customer.email or None, found.customer.phone or None)
    if not found.chats:
        parts.append(t.gettext("Not linked to any chat: notices cannot reach them."))
    else:
        parts.append(t.ngettext("Linked to {n} chat", "Linked to {n} chats", len(found.chats)))
        if found.unreachable_chats:
            parts.append(t.gettext("Blocked the bot: messages are held."))
    if view.estimated_ship_date is not None:
        parts.append(
            t.gettext("Estimated ship date: {date}", date=t.date(view.estimated_ship_date))
        )
    parts.append("")
    parts += [line_text(t, line) + "\n" for line in view.lines]
    parts.append(t.gettext("<b>Notices</b>"))
    if not found.notices:
        parts.append(t.gettext("No notices sent."))
    parts += [notice_line(t, shown, zone) for shown in found.notices]
    state = found.state
    if state is not None:
        if state.awaiting_answer:
            parts.append(
                t.gettext("Answer awaited by {date}.", date=t.date(state.decision_deadline))
                if state.decision_deadline
                else t.gettext("Answer awaited.")
            )
        elif state.consent in (ConsentState.CONSENTED, ConsentState.INDEFINITE):
            parts.append(t.gettext("Answer: agreed to wait."))
        elif state.consent is ConsentState.DEEMED:
            parts.append(t.gettext("Answer: none; silence counts as agreeing to wait."))
    if found.refunds:
        parts.append("")
        parts.append(t.gettext("<b>Refunds</b>"))
        for refund in found.refunds:
            amount = t.money(refund.amount_minor, refund.currency)
            parts.append(
                t.gettext("{amount} paid", amount=amount)
                if refund.status == "paid"
                else t.gettext(
                    "{amount} owed by {date}", amount=amount, date=t.date(refund.due_date)
                )
            )
    return "\n".join(parts)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers, behind the staff check."""
    return [CommandHandler("find", staff_only(find_order))]
