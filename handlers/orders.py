"""/orders: the linked customer's open orders, and every line of one order with its date and why."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.clock import business_today
from bot.context import BotContext
from bot.domain.model import Confidence, LineEta
from bot.i18n import Translator
from bot.services.linking import normalize_order_id
from bot.services.notices import mark_shown
from bot.services.split import offers_split
from bot.services.status import (
    LineView,
    OrderView,
    open_order_views,
    order_view,
)
from handlers.common import label, linked_customer_id, respond
from handlers.menu import ORDERS_DATA, main_menu
from handlers.notices import sweep_lock

ORDER_PREFIX = "o:"
# The customer actions offered on an order (handlers/cancel.py, swap.py, split.py).
CANCEL_PREFIX = "ca:"
ALTERNATIVES_PREFIX = "aa:"
SPLIT_PREFIX = "sa:"
CALLBACK_DATA_LIMIT = 64
# Why: a flow's confirm button adds ":<version>" (and a line number) to the order's data.
_CONFIRM_ROOM = 12
# Why: lead times of two weeks and more read better in weeks ("about 3 weeks").
_WEEKS_FROM_DAYS = 14


async def show_orders(update: Update, context: BotContext) -> None:
    """List the open orders (or one for `/orders <number>`), editing in place after a button."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    t = await context.translator(update)
    customer_id = await linked_customer_id(update, context)
    if customer_id is None:
        await respond(update, not_linked_text(t), main_menu(t, linked=False))
        return
    if context.args:
        await _show_requested_order(update, context, t, customer_id, " ".join(context.args))
        return
    views = await seen_orders(context, customer_id)
    keyboard = orders_keyboard(t, views) if views else main_menu(t, linked=True)
    await respond(update, orders_text(t, views), keyboard)


async def seen_orders(context: BotContext, customer_id: str) -> list[OrderView]:
    """The customer's open orders, with the dates about to be shown recorded as told."""
    services = context.services
    # Why: the dates recorded are the ones this reply shows, read once (states too) for both.
    async with sweep_lock(context.bot_data):
        shown = await services.store.customer_open_orders(customer_id)
        await mark_shown(
            services.store,
            customer_id,
            shown.orders,
            shown.etas,
            now=services.clock.now(),
            states=shown.notice_states,
        )
    return open_order_views(shown)


async def show_order(update: Update, context: BotContext) -> None:
    """Show one order from a button; the button's data is untrusted and re-checked."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = await context.translator(update)
    customer_id = await linked_customer_id(update, context)
    view = await _owned_order(context, customer_id, query.data.removeprefix(ORDER_PREFIX))
    if view is None:
        await query.answer(
            t.gettext("Sorry, that order is not available in this chat."), show_alert=True
        )
        return
    await query.answer()
    await respond(update, *await order_screen(context, t, view))


async def _show_requested_order(
    update: Update, context: BotContext, t: Translator, customer_id: str, typed: str
) -> None:
    view = await _owned_order(context, customer_id, normalize_order_id(typed))
    if view is None:
        # Why: the same answer for another customer's order and a missing one reveals nothing.
        text = t.gettext(
            "I can't find that order among the orders of this chat. Send /orders to see them all."
        )
        await respond(update, text)
        return
    await respond(update, *await order_screen(context, t, view))


async def order_screen(
    context: BotContext, t: Translator, view: OrderView
) -> tuple[str, InlineKeyboardMarkup]:
    """The order's text and the actions that apply to it now."""
    services = context.services
    ship_ready = await offers_split(
        services.store,
        view,
        rules=services.rules,
        today=business_today(services.clock, services.settings.timezone),
    )
    await _seen_order(context, view)
    return order_text(t, view), order_keyboard(t, view, ship_ready=ship_ready)


async def _seen_order(context: BotContext, view: OrderView) -> None:
    """The order's dates, about to be shown (after a confirmation too), recorded as told."""
    services = context.services
    customer_id = view.order.customer_id
    async with sweep_lock(context.bot_data):
        shown = await services.store.customer_open_orders(customer_id)
        orders = [entry for entry in shown.orders if entry.order.order_id == view.order.order_id]
        await mark_shown(
            services.store,
            customer_id,
            orders,
            shown.etas,
            now=services.clock.now(),
            states=shown.notice_states,
        )


async def _owned_order(
    context: BotContext, customer_id: str | None, order_id: str
) -> OrderView | None:
    if customer_id is None or not order_id:
        return None
    view = await order_view(context.services.store, order_id)
    return view if view is not None and view.order.customer_id == customer_id else None


def not_linked_text(t: Translator) -> str:
    """Asking a chat without a customer to link first."""
    return t.gettext(
        "I don't know which orders are yours yet. Tap “Find my orders” or send /start "
        "to link this chat."
    )


def orders_text(t: Translator, views: list[OrderView]) -> str:
    """The heading of the order list."""
    if not views:
        return t.gettext("You have no open orders right now.")
    return t.ngettext(
        "<b>You have {n} open order.</b> Choose it to see every item and its estimated ship date.",
        "<b>You have {n} open orders.</b> "
        "Choose one to see every item and its estimated ship date.",
        len(views),
    )


def orders_keyboard(t: Translator, views: list[OrderView]) -> InlineKeyboardMarkup:
    """One button per order with a one-line summary."""
    rows = [
        [
            InlineKeyboardButton(
                order_summary(t, view), callback_data=ORDER_PREFIX + view.order.order_id
            )
        ]
        for view in views
    ]
    return InlineKeyboardMarkup(rows)


def order_summary(t: Translator, view: OrderView) -> str:
    """The plain-text button label "Order 1042 · ships about 12 Dec" and the like."""
    order_id = view.order.order_id
    if view.estimated_ship_date is None:
        return label(t.gettext("Order {order_id} · no date yet", order_id=order_id))
    return label(
        t.gettext(
            "Order {order_id} · ships about {date}",
            order_id=order_id,
            date=t.short_date(view.estimated_ship_date),
        )
    )


def back_keyboard(t: Translator) -> InlineKeyboardMarkup:
    """The way back to the list."""
    button = InlineKeyboardButton(
        label(t.gettext("« Back to my orders")), callback_data=ORDERS_DATA
    )
    return InlineKeyboardMarkup([[button]])


def order_keyboard(t: Translator, view: OrderView, *, ship_ready: bool) -> InlineKeyboardMarkup:
    """The actions an open order offers, per order and per backordered line, then the way back."""
    order_id = view.order.order_id
    open_lines = [line for line in view.lines if line.status in ("ready", "backordered")]
    rows: list[list[InlineKeyboardButton | None]] = []
    if open_lines:
        top = [_action(t.gettext("Cancel order"), f"{CANCEL_PREFIX}{order_id}")]
        if ship_ready:
            top.append(_action(t.gettext("Ship what's ready"), f"{SPLIT_PREFIX}{order_id}"))
        rows.append(top)
    for line in open_lines:
        if line.status == "backordered":
            suffix = f"{order_id}:{line.line_no}"
            product = line.product_name
            cancel = t.gettext("Cancel {product}", product=product)
            alternatives = t.gettext("Alternatives to {product}", product=product)
            rows.append(
                [
                    _action(cancel, CANCEL_PREFIX + suffix),
                    _action(alternatives, ALTERNATIVES_PREFIX + suffix),
                ]
            )
    rows.extend(list(row) for row in back_keyboard(t).inline_keyboard)
    kept = [[button for button in row if button is not None] for row in rows]
    return InlineKeyboardMarkup([row for row in kept if row])


def _action(text: str, data: str) -> InlineKeyboardButton | None:
    # Why: an id too long for Telegram's 64-byte callback data loses that button, not the view.
    if len(data.encode()) + _CONFIRM_ROOM > CALLBACK_DATA_LIMIT:
        return None
    return InlineKeyboardButton(label(text), callback_data=data)


def order_text(t: Translator, view: OrderView) -> str:
    """Every line of an order: product, quantity, status, date, confidence and why."""
    heading = t.gettext("<b>Order {order_id}</b>", order_id=view.order.order_id)
    if view.ships_in_parts:
        overall = (
            t.gettext(
                "Ready items ship now; the rest is estimated to ship {date}",
                date=t.date(view.estimated_ship_date),
            )
            if view.estimated_ship_date is not None
            else t.gettext("Ready items ship now; we can't give a date for the rest yet.")
        )
    elif view.estimated_ship_date is not None:
        overall = t.gettext(
            "Estimated ship date for the whole order: {date}",
            date=t.date(view.estimated_ship_date),
        )
    else:
        overall = t.gettext("We can't give a ship date for the whole order yet.")
    lines = "\n\n".join(line_text(t, line) for line in view.lines)
    return f"{heading}\n{overall}\n\n{lines}"


def line_text(t: Translator, line: LineView) -> str:
    """One order line, in two or three short lines of text."""
    title = t.gettext(
        "<b>{product}</b> × {quantity}", product=line.product_name, quantity=t.number(line.quantity)
    )
    if line.status == "shipped":
        return "\n".join((title, t.gettext("Shipped")))
    if line.status == "cancelled":
        return "\n".join((title, t.gettext("Cancelled")))
    eta = line.eta
    if eta is None or eta.ship_date is None:
        when = t.gettext("Backordered · no estimated ship date yet")
    elif line.status == "ready" and line.ship_now:
        when = t.gettext("Shipping now")
    elif line.status == "ready":
        when = t.gettext("Ready · ships {date}", date=t.date(eta.ship_date))
    else:
        when = t.gettext("Backordered · estimated to ship {date}", date=t.date(eta.ship_date))
    return f"{title}\n{when}\n{confidence_text(t, eta)}"


def confidence_text(t: Translator, eta: LineEta | None) -> str:
    """How sure the date is, in plain words, and why."""
    confidence = eta.confidence if eta is not None else Confidence.UNKNOWN
    if eta is None or confidence is Confidence.UNKNOWN:
        return t.gettext("No date from the supplier yet.")
    if confidence is Confidence.IN_STOCK:
        return t.gettext("In stock.")
    # Why: abbreviated months end with a dot ("14. Dez."), and the sentence adds its own.
    why = _reason(t, eta).rstrip(".")
    if confidence is Confidence.CONFIRMED:
        return t.gettext("Confirmed by the supplier: {why}.", why=why)
    if confidence is Confidence.PLANNED:
        return t.gettext("Planned, may still change: {why}.", why=why)
    return t.gettext("Rough estimate: {why}.", why=why)


def _reason(t: Translator, eta: LineEta) -> str:
    # Why: the reason becomes a param of a sentence, which escapes it; unescape it once here.
    if eta.waiting_for_po_date is not None:
        return label(
            t.gettext(
                "waiting for a supplier delivery due {date}",
                date=t.short_date(eta.waiting_for_po_date),
            )
        )
    days = eta.lead_time_days
    if days is None:
        return label(t.gettext("no date from the supplier yet"))
    if days >= _WEEKS_FROM_DAYS:
        weeks = round(days / 7)
        return label(
            t.ngettext(
                "our supplier needs about {n} week", "our supplier needs about {n} weeks", weeks
            )
        )
    return label(
        t.ngettext("our supplier needs about {n} day", "our supplier needs about {n} days", days)
    )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        CommandHandler("orders", show_orders),
        CallbackQueryHandler(show_orders, pattern=f"^{ORDERS_DATA}$"),
        CallbackQueryHandler(show_order, pattern=f"^{ORDER_PREFIX}"),
    ]
