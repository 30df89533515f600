"""/stock SKU [N]: a product's on-hand units, the lines waiting and the next supply; set on hand.

Callback data "ss:<action>:<handle>" carries the product's short handle: s asks for the units,
v shows the product again.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.domain.handles import handle, resolve
from bot.domain.staff_prompts import PROMPT_LIFETIME, PromptKind, StaffPrompt
from bot.domain.supply_changes import Refused
from bot.i18n import Translator
from bot.services.staff_lookup import StockView, stock_view
from bot.services.stock import set_on_hand_units
from handlers.common import answer_press, button, label, respond, send_new, short
from handlers.notices import sweep_lock
from handlers.staff.access import staff_actor, staff_only
from handlers.staff.purchase_orders import show_screen
from handlers.staff.texts import notice_settings, refusal_text, staff_user_id, stock_change_text

PREFIX = "ss:"


def stock_data(action: str, sku: str) -> str:
    """The callback data of a /stock button."""
    return f"{PREFIX}{action}:{handle('product', sku)}"


def stock_text(t: Translator, view: StockView, note: str = "") -> str:
    """The product's stock as staff see it, with an outcome or question `note` below it."""
    product = view.product
    supply = view.next_supply
    lines = [
        t.gettext("<b>{product}</b> ({sku})", product=short(product.name, 200), sku=product.sku),
        t.gettext("On hand: {units}", units=t.number(product.on_hand)),
        t.ngettext("Waiting: {n} line", "Waiting: {n} lines", view.waiting_lines)
        + ", "
        + t.ngettext("{n} unit", "{n} units", view.waiting_units),
        t.gettext(
            "Next supply: {po_id} on {date} ({units} units)",
            po_id=supply.po_id,
            date=t.date(supply.expected_date),
            units=t.number(supply.remaining),
        )
        if supply
        else t.gettext("Next supply: none"),
    ]
    text = "\n".join(lines)
    return f"{text}\n\n{note}" if note else text


def stock_keyboard(t: Translator, view: StockView) -> InlineKeyboardMarkup:
    """[Set on hand]."""
    return InlineKeyboardMarkup(
        [[button(t.gettext("Set on hand"), stock_data("s", view.product.sku))]]
    )


async def show_stock(update: Update, context: BotContext) -> None:
    """/stock SKU shows the product; /stock SKU N sets its on-hand units at once."""
    t = await context.translator(update)
    chat = update.effective_chat
    assert chat is not None
    store = context.services.store
    await store.clear_staff_prompt(chat.id)
    args = context.args or []
    if not args:
        await send_new(update, t.gettext("Send /stock followed by a SKU, e.g. /stock LAMP-1."))
        return
    view = await stock_view(store, args[0])
    if view is None:
        await send_new(update, t.gettext("No product {sku}.", sku=args[0]))
        return
    if len(args) > 1:
        units = _units(args[1])
        if units is None:
            await send_new(update, t.gettext("That is not a whole number of units."))
            return
        await apply_on_hand(update, context, t, view.product.sku, units)
        return
    await send_new(update, stock_text(t, view), stock_keyboard(t, view))


def _units(text: str) -> int | None:
    typed = text.strip().replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    if typed.lstrip("-").isdigit() and len(typed) <= 12:
        return int(typed)
    return None


async def apply_on_hand(
    update: Update,
    context: BotContext,
    t: Translator,
    sku: str,
    units: int,
    screen: int | None = None,
) -> bool:
    """Set on hand through the service; show the product's new state and the summary."""
    services = context.services
    async with sweep_lock(context.bot_data):
        result = await set_on_hand_units(
            services.store,
            sku,
            units,
            actor=staff_actor(update),
            now=services.clock.now(),
            settings=notice_settings(context),
        )
    if isinstance(result, Refused):
        await send_new(update, refusal_text(t, result))
        return False
    view = await stock_view(services.store, sku)
    assert view is not None
    text = stock_text(t, view, stock_change_text(t, result))
    await show_screen(update, context, text, stock_keyboard(t, view), screen)
    return True


async def press_stock(update: Update, context: BotContext) -> None:
    """A /stock button: resolve the product by its handle and ask for the units."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = await context.translator(update)
    action, _, target = query.data.removeprefix(PREFIX).partition(":")
    store = context.services.store
    sku = resolve("product", target, await store.known_skus())
    view = await stock_view(store, sku) if sku else None
    if view is None or action not in ("s", "v"):
        await answer_press(
            update, label(t.gettext("This button is no longer available.")), alert=True
        )
        return
    await answer_press(update)
    chat = update.effective_chat
    assert chat is not None
    if action == "v":
        await store.clear_staff_prompt(chat.id)
        await respond(update, stock_text(t, view), stock_keyboard(t, view))
        return
    message_id = query.message.message_id if isinstance(query.message, Message) else None
    now = context.services.clock.now()
    await store.set_staff_prompt(
        StaffPrompt(
            chat.id,
            staff_user_id(update),
            PromptKind.ON_HAND,
            view.product.sku,
            message_id,
            now + PROMPT_LIFETIME,
        )
    )
    note = t.gettext("Type the units on hand now.")
    back = InlineKeyboardMarkup([[button(t.gettext("« Back"), stock_data("v", view.product.sku))]])
    await respond(update, stock_text(t, view, note), back)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers, every one behind the staff check."""
    return [
        CommandHandler("stock", staff_only(show_stock)),
        CallbackQueryHandler(staff_only(press_stock), pattern=f"^{PREFIX}"),
    ]
