"""/po PO_ID: a purchase order and who waits on it; move its date, record a receipt, cancel it.

Callback data "sp:<action>:<handle>" carries the purchase order's short handle (never its id):
v view, m move (asks for a date), w1/w2 +1/+2 weeks, r receipt (asks for units), c cancel
(asks to confirm), cy cancel confirmed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.clock import business_today
from bot.context import BotContext
from bot.domain.handles import handle, resolve
from bot.domain.model import PoStatus
from bot.domain.staff_prompts import PROMPT_LIFETIME, PromptKind, StaffPrompt
from bot.domain.supply_changes import RefusalReason, Refused
from bot.i18n import Translator
from bot.services.purchase_order_changes import (
    cancel_purchase_order,
    move_expected_date,
    record_receipt,
)
from bot.services.staff_lookup import PurchaseOrderView, purchase_order_view
from bot.services.supply_impact import SupplyChange
from handlers.common import answer_press, button, label, respond, send_new, short
from handlers.notices import sweep_lock
from handlers.staff.access import staff_actor, staff_only
from handlers.staff.texts import (
    notice_settings,
    po_change_text,
    refusal_text,
    staff_user_id,
    status_text,
)

PREFIX = "sp:"
_WEEKS = {"w1": 1, "w2": 2}


def po_data(action: str, po_id: str) -> str:
    """The callback data of a /po button."""
    return f"{PREFIX}{action}:{handle('purchase_order', po_id)}"


async def show_po(update: Update, context: BotContext) -> None:
    """/po PO_ID: the purchase order's screen as a new message."""
    t = await context.translator(update)
    chat = update.effective_chat
    assert chat is not None
    await context.services.store.clear_staff_prompt(chat.id)
    po_id = " ".join(context.args or []).strip()
    view = await _view(context, po_id) if po_id else None
    if view is None:
        text = (
            t.gettext("No purchase order {po_id}.", po_id=po_id)
            if po_id
            else t.gettext("Send /po followed by the purchase order number, e.g. /po PO-7.")
        )
        await send_new(update, text)
        return
    await send_new(update, po_text(t, view), po_keyboard(t, view))


async def _view(context: BotContext, po_id: str) -> PurchaseOrderView | None:
    services = context.services
    today = business_today(services.clock, services.settings.timezone)
    return await purchase_order_view(services.store, po_id, today=today)


def po_text(t: Translator, view: PurchaseOrderView, note: str = "") -> str:
    """The purchase order as staff see it, with an outcome or question `note` below it."""
    po = view.po
    status = status_text(t, po.status)
    if view.overdue:
        status = t.gettext("{status} · overdue", status=status)
    lines = [
        t.gettext("<b>Purchase order {po_id}</b>", po_id=po.po_id),
        t.gettext("{product} ({sku})", product=short(view.product_name, 200), sku=po.sku),
        t.gettext("Supplier: {supplier}", supplier=view.supplier or "—"),
        t.gettext("Status: {status}", status=status),
        t.gettext("Expected: {date}", date=t.date(po.expected_date)),
        # Why: a cancelled purchase order brings nothing; its status line says cancelled.
        t.gettext(
            "Ordered {ordered} · received {received}",
            ordered=t.number(po.quantity),
            received=t.number(po.received_quantity),
        )
        if po.status is PoStatus.CANCELLED
        else t.gettext(
            "Ordered {ordered} · received {received} · to come {remaining}",
            ordered=t.number(po.quantity),
            received=t.number(po.received_quantity),
            remaining=t.number(po.remaining),
        ),
        t.ngettext("Waiting on it: {n} customer", "Waiting on it: {n} customers", view.customers)
        + ", "
        + t.ngettext("{n} line", "{n} lines", len(view.lines)),
    ]
    text = "\n".join(lines)
    return f"{text}\n\n{note}" if note else text


def po_keyboard(t: Translator, view: PurchaseOrderView) -> InlineKeyboardMarkup | None:
    """[Move date] [Record receipt] / [Cancel PO] while the purchase order can change."""
    po = view.po
    if po.status is PoStatus.CANCELLED:
        return None
    top = [button(t.gettext("Move date"), po_data("m", po.po_id))]
    if po.remaining:
        top.append(button(t.gettext("Record receipt"), po_data("r", po.po_id)))
    return InlineKeyboardMarkup([top, [button(t.gettext("Cancel PO"), po_data("c", po.po_id))]])


def _back(t: Translator, po_id: str) -> list[InlineKeyboardButton]:
    return [button(t.gettext("« Back"), po_data("v", po_id))]


async def press_po(update: Update, context: BotContext) -> None:
    """A /po button: re-read the purchase order by its handle and act; stale presses refused."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = await context.translator(update)
    action, _, target = query.data.removeprefix(PREFIX).partition(":")
    store = context.services.store
    po_id = resolve("purchase_order", target, await store.purchase_order_ids())
    view = await _view(context, po_id) if po_id else None
    if view is None or action not in ("v", "m", "r", "c", "cy", *_WEEKS):
        await answer_press(
            update, label(t.gettext("This button is no longer available.")), alert=True
        )
        return
    chat_id = update.effective_chat.id if update.effective_chat else 0
    message_id = query.message.message_id if isinstance(query.message, Message) else None
    if view.po.status is PoStatus.CANCELLED and action != "v":
        await answer_press(update, label(refusal_text(t, _cancelled())), alert=True)
        await respond(update, po_text(t, view), po_keyboard(t, view))
        return
    await answer_press(update)
    await store.clear_staff_prompt(chat_id)
    po = view.po
    if action == "v":
        await respond(update, po_text(t, view), po_keyboard(t, view))
    elif action == "m":
        await _ask(update, context, PromptKind.PO_DATE, po.po_id, message_id)
        await respond(update, *move_date_question(t, view))
    elif action in _WEEKS:
        today = business_today(context.services.clock, context.services.settings.timezone)
        new_date = max(po.expected_date, today) + timedelta(weeks=_WEEKS[action])
        await apply_move(update, context, t, po.po_id, new_date)
    elif action == "r":
        await _ask(update, context, PromptKind.PO_RECEIPT, po.po_id, message_id)
        note = t.gettext(
            "Type how many units arrived (at most {remaining}).",
            remaining=t.number(po.remaining),
        )
        await respond(update, po_text(t, view, note), InlineKeyboardMarkup([_back(t, po.po_id)]))
    elif action == "c":
        note = t.ngettext(
            "Cancel purchase order {po_id}? {n} line waits on it; its customers will be told "
            "their new dates.",
            "Cancel purchase order {po_id}? {n} lines wait on it; their customers will be told "
            "their new dates.",
            len(view.lines),
            po_id=po.po_id,
        )
        rows = [[button(t.gettext("Yes, cancel PO"), po_data("cy", po.po_id))], _back(t, po.po_id)]
        await respond(update, po_text(t, view, note), InlineKeyboardMarkup(rows))
    else:
        await apply_cancel(update, context, t, po.po_id)


def move_date_question(t: Translator, view: PurchaseOrderView) -> tuple[str, InlineKeyboardMarkup]:
    """The purchase order's screen asking for its new expected date, with quick picks."""
    po = view.po
    example = t.date(date(2026, 12, 24), "short")
    note = t.gettext(
        "Type the new expected date (e.g. {example} or 2026-12-24), or pick one:",
        example=example,
    )
    rows = [
        [
            button(t.gettext("+1 week"), po_data("w1", po.po_id)),
            button(t.gettext("+2 weeks"), po_data("w2", po.po_id)),
        ],
        _back(t, po.po_id),
    ]
    return po_text(t, view, note), InlineKeyboardMarkup(rows)


async def ask_move_date(
    update: Update, context: BotContext, po_id: str, *, chat_id: int, message_id: int | None
) -> None:
    """Open the date question of `po_id` in the staff member's chat `chat_id`, whose answer
    edits the screen `message_id` (issue 9's move-date flow, kept in the database)."""
    now = context.services.clock.now()
    prompt = StaffPrompt(
        chat_id, staff_user_id(update), PromptKind.PO_DATE, po_id, message_id, now + PROMPT_LIFETIME
    )
    await context.services.store.set_staff_prompt(prompt)


async def purchase_order_screen(context: BotContext, po_id: str) -> PurchaseOrderView | None:
    """The purchase order as its screen shows it today; None when there is no such PO."""
    return await _view(context, po_id)


def _cancelled() -> Refused:
    return Refused(RefusalReason.CANCELLED)


async def _ask(
    update: Update, context: BotContext, kind: PromptKind, target: str, message_id: int | None
) -> None:
    chat = update.effective_chat
    assert chat is not None
    now = context.services.clock.now()
    prompt = StaffPrompt(
        chat.id, staff_user_id(update), kind, target, message_id, now + PROMPT_LIFETIME
    )
    await context.services.store.set_staff_prompt(prompt)


async def apply_move(
    update: Update,
    context: BotContext,
    t: Translator,
    po_id: str,
    new_date: date,
    screen: int | None = None,
) -> bool:
    """Move the date through the service; edit the screen to the new state and the summary.
    False when refused (the refusal is shown; nothing changed)."""
    services = context.services
    async with sweep_lock(context.bot_data):
        result = await move_expected_date(
            services.store,
            po_id,
            new_date,
            actor=staff_actor(update),
            now=services.clock.now(),
            settings=notice_settings(context),
        )
    return await _show_result(update, context, t, po_id, result, screen)


async def apply_receipt(
    update: Update,
    context: BotContext,
    t: Translator,
    po_id: str,
    units: int,
    screen: int | None = None,
) -> bool:
    """Record a receipt through the service, then show the outcome (see `apply_move`)."""
    services = context.services
    async with sweep_lock(context.bot_data):
        result = await record_receipt(
            services.store,
            po_id,
            units,
            actor=staff_actor(update),
            now=services.clock.now(),
            settings=notice_settings(context),
        )
    return await _show_result(update, context, t, po_id, result, screen)


async def apply_cancel(update: Update, context: BotContext, t: Translator, po_id: str) -> bool:
    """Cancel through the service, then show the outcome (see `apply_move`)."""
    services = context.services
    async with sweep_lock(context.bot_data):
        result = await cancel_purchase_order(
            services.store,
            po_id,
            actor=staff_actor(update),
            now=services.clock.now(),
            settings=notice_settings(context),
        )
    return await _show_result(update, context, t, po_id, result)


async def _show_result(
    update: Update,
    context: BotContext,
    t: Translator,
    po_id: str,
    result: object,
    screen: int | None = None,
) -> bool:
    view = await _view(context, po_id)
    if isinstance(result, Refused):
        if update.callback_query is not None:
            await answer_press(update, label(refusal_text(t, result)), alert=True)
        else:
            await send_new(update, refusal_text(t, result))
        return False
    assert view is not None and isinstance(result, SupplyChange)
    note = po_change_text(t, result)
    await show_screen(update, context, po_text(t, view, note), po_keyboard(t, view), screen)
    return True


async def show_screen(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None,
    screen: int | None = None,
) -> None:
    """Edit the screen in place: the pressed message, or `screen`, the message a typed answer
    belongs to; a screen that can no longer be edited is sent anew."""
    if update.callback_query is not None:
        await respond(update, text, markup)
        return
    chat = update.effective_chat
    assert chat is not None
    if screen is not None:
        try:
            await context.bot.edit_message_text(
                text, chat_id=chat.id, message_id=screen, reply_markup=markup
            )
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
    await send_new(update, text, markup)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers, every one behind the staff check."""
    return [
        CommandHandler("po", staff_only(show_po)),
        CallbackQueryHandler(staff_only(press_po), pattern=f"^{PREFIX}"),
    ]
