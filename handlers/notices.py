"""Proactive notices: one digest per customer in their language, with consent buttons under it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.domain.actions import ActionResult, AlreadyDone, Changed, Done, NotAllowed, NotFound
from bot.domain.delays import CancelReason, Notice, NoticeKind, cancellation_reason
from bot.domain.fitting import MESSAGE_LIMIT, visible_length
from bot.domain.outbox import Button
from bot.i18n import Catalogs, Translator
from bot.services.handles import customer_order, order_handle
from bot.services.notices import (
    KeptWaiting,
    RenderedMessage,
    Renderer,
    answer_delay,
    mark_communicated,
)
from handlers.common import (
    answer_press,
    edit_in_place,
    label,
    linked_customer_id,
    send_new,
)

KEEP_PREFIX = "dw:"
CANCEL_PREFIX = "dx:"
_SWEEP_LOCK_KEY = "notice_sweep_lock"
# Why: these kinds ask the customer to choose; the others only inform.
_ASKING = frozenset(
    {NoticeKind.DELAY_FIRST, NoticeKind.DELAY_RENEWED, NoticeKind.DELAY_CONSENT_REQUEST}
)
_CANCELLABLE = _ASKING | {NoticeKind.DELAY_INFO}


def make_renderer(catalogs: Catalogs) -> Renderer:
    """The sweep's renderer: notices in the customer's language."""

    # Why: a sweep renders thousands of digests in a handful of languages; look each up once.
    translators: dict[str, Translator] = {}

    def render(language: str, notices: Sequence[Notice]) -> RenderedMessage:
        t = translators.get(language)
        if t is None:
            t = translators[language] = catalogs.translator(language)
        return render_notices(t, notices)

    return render


def render_notices(t: Translator, notices: Sequence[Notice]) -> RenderedMessage:
    """One message for all of a customer's notices of one run, with a choice per order."""
    parts = [notice_text(t, notice) for notice in notices]
    if len(notices) > 1:
        heading = t.ngettext(
            "<b>{n} update on your orders</b>", "<b>{n} updates on your orders</b>", len(notices)
        )
        parts.insert(0, heading)
    several = sum(notice.kind in _CANCELLABLE for notice in notices) > 1
    buttons = tuple(
        row for notice in notices for row in [notice_buttons(t, notice, several=several)] if row
    )
    return RenderedMessage(text="\n\n".join(parts), buttons=buttons)


def notice_text(t: Translator, notice: Notice) -> str:
    """The paragraph of one notice, with everything its rule requires the customer to know."""
    match notice.kind:
        case NoticeKind.GOOD_NEWS:
            return _good_news(t, notice)
        case NoticeKind.READY_TO_SHIP:
            return _ready(t, notice)
        case NoticeKind.AUTO_CANCELLED:
            return _auto_cancelled(t, notice)
    lines = [_delay_heading(t, notice), _new_date(t, notice), _cancel_option(t, notice)]
    lines.extend(_what_happens_next(t, notice))
    return "\n".join(lines)


def notice_buttons(t: Translator, notice: Notice, *, several: bool) -> tuple[Button, ...]:
    """[Keep waiting] [Cancel for a full refund] for a delay that needs an answer."""
    if notice.kind not in _CANCELLABLE:
        return ()
    suffix = f"{order_handle(notice.order_id)}:{notice.order_version}"
    order_id = notice.order_id
    cancel = (
        t.gettext("Order {order_id}: cancel for a full refund", order_id=order_id)
        if several
        else t.gettext("Cancel for a full refund")
    )
    cancel_button = Button(label(cancel), CANCEL_PREFIX + suffix)
    if notice.kind not in _ASKING:
        return (cancel_button,)
    keep = (
        t.gettext("Order {order_id}: keep waiting", order_id=order_id)
        if several
        else t.gettext("Keep waiting")
    )
    return (Button(label(keep), KEEP_PREFIX + suffix), cancel_button)


def _delay_heading(t: Translator, notice: Notice) -> str:
    if notice.kind is NoticeKind.DELAY_RENEWED:
        return t.gettext("<b>Order {order_id} is delayed again</b>", order_id=notice.order_id)
    return t.gettext("<b>Order {order_id} is delayed</b>", order_id=notice.order_id)


def _new_date(t: Translator, notice: Notice) -> str:
    before = notice.previous_date or notice.promised_date
    if notice.revised_date is None:
        # Why: 16 CFR 435.2(b)(1)(ii) — without a revised date the notice gives the reason and
        # says the length of the delay is unknown.
        return t.gettext(
            "We expected to ship it by {before}, but our supplier has not given us a delivery "
            "date yet, so we cannot say how long the delay will be.",
            before=t.date(before),
        )
    return t.gettext(
        "We expected to ship it by {before}; the new estimated ship date is {revised}.",
        before=t.date(before),
        revised=t.date(notice.revised_date),
    )


def _cancel_option(t: Translator, notice: Notice) -> str:
    amount = t.money(notice.refund_minor, notice.currency)
    if notice.refund_due is None:
        return t.gettext("You may cancel the order for a full refund of {amount}.", amount=amount)
    return t.gettext(
        "You may cancel the order for a full refund of {amount}, paid by {refund_due} "
        "at the latest.",
        amount=amount,
        refund_due=t.date(notice.refund_due),
    )


def _what_happens_next(t: Translator, notice: Notice) -> list[str]:
    """What the customer can do, until when, and what silence means (16 CFR 435.2(b))."""
    until_it_ships = t.gettext("You can cancel at any time until the order ships.")
    deadline = notice.decision_deadline
    if notice.kind is NoticeKind.DELAY_CONSENT_REQUEST:
        return [_consent_question(t, notice), until_it_ships]
    if notice.kind is NoticeKind.DELAY_INFO:
        return [until_it_ships]
    if notice.silence_means == "consent" and notice.revised_date is not None:
        # Why: silence is consent to the new date; the right to cancel lasts until shipping.
        return [
            t.gettext(
                "If you are happy to wait, you don't need to reply: we'll keep your order "
                "for the new date."
            ),
            until_it_ships,
        ]
    if notice.silence_means == "cancel" and deadline is not None:
        cancel_on = notice.auto_cancel_on or deadline
        return [
            t.gettext(
                "To keep your order, tell us by {deadline} that you agree to wait. If we don't "
                "hear from you by then, we will cancel it on {cancel_on} and refund you in full.",
                deadline=t.date(deadline),
                cancel_on=t.date(cancel_on),
            ),
            t.gettext(
                "If you agree to wait, you can still cancel at any time until the order ships."
            ),
        ]
    return [t.gettext("Please let us know whether you want to keep waiting or cancel.")]


def _consent_question(t: Translator, notice: Notice) -> str:
    deadline = notice.decision_deadline or notice.auto_cancel_on
    if notice.revised_date is None:
        if deadline is None:
            return t.gettext("Please tell us whether you agree to wait or would rather cancel.")
        return t.gettext(
            "Please tell us by {deadline} whether you agree to wait or would rather cancel.",
            deadline=t.date(deadline),
        )
    if deadline is None:
        return t.gettext("Please tell us whether you agree to the new date or would rather cancel.")
    return t.gettext(
        "Please tell us by {deadline} whether you agree to the new date or would rather cancel.",
        deadline=t.date(deadline),
    )


def _good_news(t: Translator, notice: Notice) -> str:
    if notice.revised_date is None:
        return t.gettext("Good news: order {order_id} will ship sooner.", order_id=notice.order_id)
    return t.gettext(
        "Good news: order {order_id} will ship sooner, on {revised}.",
        order_id=notice.order_id,
        revised=t.date(notice.revised_date),
    )


def _ready(t: Translator, notice: Notice) -> str:
    if notice.revised_date is None:
        return t.gettext(
            "Good news: everything in order {order_id} is in stock and ready to ship.",
            order_id=notice.order_id,
        )
    return t.gettext(
        "Good news: everything in order {order_id} is in stock; it ships on {revised}.",
        order_id=notice.order_id,
        revised=t.date(notice.revised_date),
    )


def _auto_cancelled(t: Translator, notice: Notice) -> str:
    heading = t.gettext("<b>Order {order_id} is cancelled</b>", order_id=notice.order_id)
    amount = t.money(notice.refund_minor, notice.currency)
    if cancellation_reason(notice) is CancelReason.NO_VALID_NOTICE:
        # Why: nobody told the customer of a delay (an order ready but not shipped in time):
        # "as we told you" would be untrue.
        if notice.refund_due is None:
            refund = t.gettext(
                "We could not ship it by the date we promised and did not tell you of a delay "
                "in time, so we cancelled it. You will get a full refund of {amount}.",
                amount=amount,
            )
        else:
            refund = t.gettext(
                "We could not ship it by the date we promised and did not tell you of a delay "
                "in time, so we cancelled it. You will get a full refund of {amount} by "
                "{refund_due}.",
                amount=amount,
                refund_due=t.date(notice.refund_due),
            )
        return f"{heading}\n{refund}"
    if notice.refund_due is None:
        refund = t.gettext(
            "We could not ship it in time, so we cancelled it as we told you. You will get a "
            "full refund of {amount}.",
            amount=amount,
        )
    else:
        refund = t.gettext(
            "We could not ship it in time, so we cancelled it as we told you. You will get a "
            "full refund of {amount} by {refund_due}.",
            amount=amount,
            refund_due=t.date(notice.refund_due),
        )
    return f"{heading}\n{refund}"


def parse_answer(data: str) -> tuple[bool, str, int] | None:
    """(keep waiting?, order handle, version) from "dw:/dx:<handle>:<version>"; None if not."""
    for prefix, keep_waiting in ((KEEP_PREFIX, True), (CANCEL_PREFIX, False)):
        if data.startswith(prefix):
            handle, _, version = data.removeprefix(prefix).rpartition(":")
            if handle and version.isdigit():
                return keep_waiting, handle, int(version)
    return None


async def answer_notice(update: Update, context: BotContext) -> None:
    """A consent button: ask the service (which re-checks everything), then show the outcome."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = await context.translator(update)
    parsed = parse_answer(query.data)
    customer_id = await linked_customer_id(update, context)
    order_id = (
        await customer_order(context.services.store, customer_id, parsed[1])
        if parsed is not None and customer_id is not None
        else None
    )
    if parsed is None or customer_id is None or order_id is None:
        text = label(t.gettext("Sorry, that order is not available in this chat."))
        await answer_press(update, text, alert=True)
        return
    keep_waiting, _, version = parsed
    services = context.services
    user = update.effective_user
    result = await answer_delay(
        services.store,
        customer_id,
        order_id,
        keep_waiting=keep_waiting,
        version=version,
        actor=f"telegram:{user.id if user else 'unknown'}",
        now=services.clock.now(),
        timezone=services.settings.timezone,
        rules=services.rules,
        refund_days=services.settings.refund_days,
    )
    outcome = outcome_text(t, result, order_id=order_id, keep_waiting=keep_waiting)
    if isinstance(result, NotFound):
        await answer_press(update, label(outcome), alert=True)
        return
    # Why: the edit below shows the outcome too, so a press too old for a toast loses nothing.
    await answer_press(update, label(outcome), resend=False)
    await _show_outcome(update, order_id, outcome)


def outcome_text(t: Translator, result: ActionResult, *, order_id: str, keep_waiting: bool) -> str:
    """What became of the customer's answer, in one sentence."""
    if isinstance(result, KeptWaiting):
        if result.agreed_date is None:
            return t.gettext(
                "✅ Thank you: we keep order {order_id} for you and will tell you as soon as "
                "we have a date. You can still cancel at any time until it ships.",
                order_id=order_id,
            )
        return t.gettext(
            "✅ Thank you: we keep order {order_id} for you with the new date, {date}.",
            order_id=order_id,
            date=t.date(result.agreed_date),
        )
    if isinstance(result, Done):
        amount = t.money(result.refund_minor, result.currency)
        if result.refund_due is None:
            return t.gettext(
                "✅ Order {order_id} is cancelled. You will get a full refund of {amount}.",
                order_id=order_id,
                amount=amount,
            )
        return t.gettext(
            "✅ Order {order_id} is cancelled. You will get a full refund of {amount} by "
            "{refund_due}.",
            order_id=order_id,
            amount=amount,
            refund_due=t.date(result.refund_due),
        )
    if isinstance(result, AlreadyDone):
        return t.gettext(
            "Your answer about order {order_id} is already recorded.", order_id=order_id
        )
    if isinstance(result, Changed):
        return t.gettext(
            "Order {order_id} has changed since this message. Send /orders to see it now.",
            order_id=order_id,
        )
    if isinstance(result, NotAllowed) and result.reason == "answer_late":
        return t.gettext(
            "The last day to answer about order {order_id} has passed, so it will be cancelled "
            "and refunded in full.",
            order_id=order_id,
        )
    if isinstance(result, NotAllowed):
        return t.gettext(
            "Order {order_id} can no longer be changed here. Send /orders to see it now.",
            order_id=order_id,
        )
    return t.gettext("Sorry, that order is not available in this chat.")


async def _show_outcome(update: Update, order_id: str, outcome: str) -> None:
    """Edit the notice in place: the outcome below it, that order's buttons gone (else anew)."""
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message):
        await send_new(update, outcome)
        return
    handle = order_handle(order_id)
    suffixes = (f"{KEEP_PREFIX}{handle}:", f"{CANCEL_PREFIX}{handle}:")
    rows: list[list[InlineKeyboardButton]] = []
    if message.reply_markup is not None:
        for row in message.reply_markup.inline_keyboard:
            kept = [
                button
                for button in row
                if not (
                    isinstance(button.callback_data, str)
                    and button.callback_data.startswith(suffixes)
                )
            ]
            if kept:
                rows.append(kept)
    text = f"{message.text_html}\n\n{outcome}" if message.text else outcome
    markup = InlineKeyboardMarkup(rows) if rows else None
    # Why: a notice near Telegram's limit has no room for the outcome; it then comes anew.
    fits = visible_length(text) <= MESSAGE_LIMIT
    edited = await edit_in_place(message, text if fits else message.text_html, markup)
    if edited is None or not fits:
        await send_new(update, outcome)


async def dates_seen(context: BotContext, customer_id: str) -> None:
    """The customer sees their orders: the dates shown count as told, so no notice repeats them."""
    services = context.services
    async with sweep_lock(context.bot_data):
        await mark_communicated(services.store, customer_id, now=services.clock.now())


def sweep_lock(bot_data: dict[Any, Any]) -> asyncio.Lock:
    """The application's one lock that keeps sweeps and "dates seen" from interleaving."""
    lock = bot_data.setdefault(_SWEEP_LOCK_KEY, asyncio.Lock())
    assert isinstance(lock, asyncio.Lock)
    return lock


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        CallbackQueryHandler(answer_notice, pattern=f"^({KEEP_PREFIX}|{CANCEL_PREFIX})"),
    ]
