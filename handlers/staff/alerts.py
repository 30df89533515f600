"""The buttons of staff alerts (DESIGN §12): "al:<handle>", one action per alert.

- a purchase order overdue: move its date (issue 9's flow, the typed date kept in the DB);
- a refund overdue: mark it paid, the alert edited to say who and when;
- an undelivered notice or a customer who blocked the bot: the order as /find shows it.

Pressed in a staff member's private chat the button acts there (the date question replaces the
alert in place). Pressed in the support chat (a group: anyone in it reads what is posted, and a
typed date there could come from anyone), the screen that asks for the date, or the order card,
goes to the pressing staff member's private chat, and the press is answered "I've written to you
privately"; the refund is marked paid in place, where the whole team sees it done.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from bot.domain.alerts import ALERT_PREFIX, AlertKind
from bot.domain.fitting import split_lines
from bot.domain.model import PoStatus
from bot.domain.refunds import RefundAlreadyPaid, RefundPaid
from bot.domain.supply_changes import RefusalReason, Refused
from bot.i18n import Translator
from bot.services.refunds import mark_refund_paid
from bot.services.staff_lookup import staff_order
from handlers.common import answer_press, edit_in_place, label, respond, send_new
from handlers.staff.access import staff_actor, staff_only
from handlers.staff.find import find_text
from handlers.staff.purchase_orders import (
    ask_move_date,
    move_date_question,
    purchase_order_screen,
)
from handlers.staff.texts import refusal_text


async def press_alert(update: Update, context: BotContext) -> None:
    """An alert's button: find the alert by its handle and take its one action."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = await context.translator(update)
    record = await context.services.store.alert_by_handle(query.data.removeprefix(ALERT_PREFIX))
    if record is None:
        await answer_press(
            update, label(t.gettext("This button is no longer available.")), alert=True
        )
        return
    kind, target = record.key.kind, record.key.target
    if kind is AlertKind.PO_OVERDUE:
        await _move_date(update, context, t, target)
    elif kind is AlertKind.REFUND_OVERDUE:
        await _mark_paid(update, context, t, int(target))
    else:
        await _show_order(update, context, t, target)


def _in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type != ChatType.PRIVATE


async def _move_date(update: Update, context: BotContext, t: Translator, po_id: str) -> None:
    view = await purchase_order_screen(context, po_id)
    if view is None:
        await answer_press(
            update, label(t.gettext("This button is no longer available.")), alert=True
        )
        return
    if view.po.status is PoStatus.CANCELLED:
        await answer_press(
            update, label(refusal_text(t, Refused(RefusalReason.CANCELLED))), alert=True
        )
        return
    query = update.callback_query
    assert query is not None
    text, markup = move_date_question(t, view)
    if not _in_group(update):
        await answer_press(update)
        message_id = query.message.message_id if isinstance(query.message, Message) else None
        chat_id = update.effective_chat.id if update.effective_chat else query.from_user.id
        await ask_move_date(update, context, po_id, chat_id=chat_id, message_id=message_id)
        await respond(update, text, markup)
        return
    sent = await _send_privately(update, context, t, [(text, markup)])
    if sent:
        await ask_move_date(
            update, context, po_id, chat_id=query.from_user.id, message_id=sent[0].message_id
        )


async def _show_order(update: Update, context: BotContext, t: Translator, order_id: str) -> None:
    services = context.services
    found = await staff_order(services.store, order_id, now=services.clock.now())
    if found is None:
        await answer_press(
            update, label(t.gettext("This button is no longer available.")), alert=True
        )
        return
    pieces = split_lines(find_text(t, found, services.settings.timezone))
    if _in_group(update):
        await _send_privately(update, context, t, [(piece, None) for piece in pieces])
        return
    await answer_press(update)
    for piece in pieces:
        await send_new(update, piece)


async def _send_privately(
    update: Update,
    context: BotContext,
    t: Translator,
    messages: list[tuple[str, InlineKeyboardMarkup | None]],
) -> list[Message]:
    """Send `messages` to the pressing staff member's private chat and say so; when that chat
    does not exist yet (Telegram lets a bot write only to users who started it), ask them to
    open it first. The messages sent (none when it could not write)."""
    query = update.callback_query
    assert query is not None
    sent: list[Message] = []
    try:
        for text, markup in messages:
            sent.append(
                await context.bot.send_message(query.from_user.id, text, reply_markup=markup)
            )
    except (Forbidden, BadRequest):
        await answer_press(
            update,
            label(
                t.gettext(
                    "I can't write to you privately yet. Open a chat with me (send /start), "
                    "then press the button again."
                )
            ),
            alert=True,
        )
        return []
    await answer_press(update, label(t.gettext("I've written to you privately.")))
    return sent


async def _mark_paid(update: Update, context: BotContext, t: Translator, refund_id: int) -> None:
    services = context.services
    result = await mark_refund_paid(
        services.store, refund_id, actor=staff_actor(update), now=services.clock.now()
    )
    if result is None:
        await answer_press(
            update, label(t.gettext("This button is no longer available.")), alert=True
        )
        return
    if isinstance(result, RefundAlreadyPaid):
        # Why: the alert already says who paid it (the first press edited it); a second press
        # from anyone leaves it as it is.
        await answer_press(
            update, label(t.gettext("This refund was already marked paid.")), alert=True
        )
        return
    await answer_press(update, label(t.gettext("Marked paid.")))
    user = update.effective_user
    assert user is not None
    # Why: the alert is shared and was written in BACKORDER_DEFAULT_LANGUAGE; its edit is too,
    # whatever the presser's language (the press answer above is in theirs).
    shared = services.catalogs.translator(services.settings.default_language)
    await _note_on_alert(update, _paid_line(context, shared, result, user.full_name))


def _paid_line(context: BotContext, t: Translator, result: RefundPaid, who: str) -> str:
    """The alert's status line: the refund, marked paid by `who` (the presser's name), when."""
    refund = result.refund
    amount = t.money(refund.amount_minor, refund.currency)
    when = result.paid_at.astimezone(context.services.settings.timezone)
    return t.gettext(
        "✅ {order_id}: {amount} marked paid by {who} on {date} at {time}.",
        order_id=refund.order_id,
        amount=amount,
        who=who,
        date=t.date(when.date()),
        time=t.time(when.time()),
    )


async def _note_on_alert(update: Update, line: str) -> None:
    """Add `line` under the pressed alert and take its pressed button off (a digest page keeps
    the others)."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if not isinstance(message, Message):
        return
    rows = [
        [b for b in row if b.callback_data != query.data]
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
    ]
    kept: list[list[InlineKeyboardButton]] = [list(row) for row in rows if row]
    text = message.text_html or html.escape(message.text or "")
    if line in text:
        return
    await edit_in_place(message, f"{text}\n\n{line}", InlineKeyboardMarkup(kept) if kept else None)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers: staff only, in a private chat or in the support chat."""
    return [
        CallbackQueryHandler(staff_only(press_alert, support_chat=True), pattern=f"^{ALERT_PREFIX}")
    ]
