"""/orders: the linked customer's open orders, and every line of one order with its date and why."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence, Sized
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.clock import business_today
from bot.context import BotContext
from bot.domain.model import Confidence, LineEta
from bot.domain.notice_store import VersionedOrder
from bot.domain.open_orders import OpenOrders
from bot.i18n import Translator
from bot.services.handles import customer_order, order_handle
from bot.services.notices import mark_shown
from bot.services.order_lookup import customer_order_id
from bot.services.split import offers_split
from bot.services.status import (
    LineView,
    OrderView,
    open_order_views,
    order_view,
)
from bot.services.swap import lines_with_alternatives
from handlers.common import (
    answer_press,
    button,
    distinct_shorts,
    label,
    linked_customer_id,
    respond,
    short,
)
from handlers.menu import HUMAN_DATA, ORDERS_DATA, main_menu
from handlers.notices import sweep_lock
from handlers.paging import clamp, in_pages, nav_row, page_note, page_number, paginate

# Callback data carries short handles (bot/services/handles.py), never the shop's ids (DESIGN §7):
# "o:<order>[:<page>]" opens an order, "ol:<page>" pages the list.
ORDER_PREFIX = "o:"
LIST_PAGE_PREFIX = "ol:"
# The customer actions offered on an order (handlers/cancel.py, swap.py, split.py).
CANCEL_PREFIX = "ca:"
ALTERNATIVES_PREFIX = "aa:"
SPLIT_PREFIX = "sa:"
# Why: the text shows a product name whole up to this; a longer one is cut so a line fits a page.
NAME_IN_TEXT = 300
# Why: lead times of two weeks and more read better in weeks ("about 3 weeks").
_WEEKS_FROM_DAYS = 14


async def show_orders(update: Update, context: BotContext) -> None:
    """List the open orders (or one for `/orders <number>`), editing in place after a button."""
    await answer_press(update)
    t = await context.translator(update)
    customer_id = await linked_customer_id(update, context)
    if customer_id is None:
        await respond(update, not_linked_text(t), main_menu(t, linked=False))
        return
    if context.args:
        await _show_requested_order(update, context, t, customer_id, " ".join(context.args))
        return
    query = update.callback_query
    data = query.data if query is not None and query.data else ""
    page = page_number(data.removeprefix(LIST_PAGE_PREFIX)) or 0
    views = await seen_orders(context, customer_id, page)
    await respond(update, *orders_screen(t, views, page))


def orders_screen(
    t: Translator, views: list[OrderView], page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the order list: the heading and a button per order, paged by ten."""
    if not views:
        return orders_text(t, views), main_menu(t, linked=True)
    pages = list_pages(views)
    page = clamp(page, pages)
    shown = [views[index] for index in pages[page]]
    text = "\n".join(
        part for part in (orders_text(t, views), page_note(t, page, len(pages))) if part
    )
    keyboard = orders_keyboard(t, shown)
    nav = nav_row(t, page, len(pages), lambda number: f"{LIST_PAGE_PREFIX}{number}")
    rows = [*keyboard.inline_keyboard, nav] if nav else keyboard.inline_keyboard
    return text, InlineKeyboardMarkup(rows)


def list_pages(views: Sized) -> list[range]:
    """The order list's pages, ten orders to a page (each order is a button, not text)."""
    return in_pages(len(views))


def _list_page(views: Sized, page: int) -> range:
    pages = list_pages(views)
    return pages[clamp(page, pages)]


async def seen_orders(context: BotContext, customer_id: str, page: int = 0) -> list[OrderView]:
    """The customer's open orders, with the dates on the list page about to be shown recorded
    as told."""
    shown = await _record_shown(
        context,
        customer_id,
        lambda read: [read.orders[index] for index in _list_page(read.orders, page)],
    )
    return open_order_views(shown)


async def show_order(update: Update, context: BotContext) -> None:
    """Show one order from a button; the button's data is untrusted and re-checked."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = await context.translator(update)
    customer_id = await linked_customer_id(update, context)
    target, _, page = query.data.removeprefix(ORDER_PREFIX).partition(":")
    order_id = (
        await customer_order(context.services.store, customer_id, target) if customer_id else None
    )
    view = await _owned_order(context, customer_id, order_id or "")
    number = page_number(page) if page else 0
    if view is None or number is None:
        text = label(t.gettext("Sorry, that order is not available in this chat."))
        await answer_press(update, text, alert=True)
        return
    await answer_press(update)
    await respond(update, *await order_screen(context, t, view, number))


async def _show_requested_order(
    update: Update, context: BotContext, t: Translator, customer_id: str, typed: str
) -> None:
    order_id = await customer_order_id(context.services.store, customer_id, typed)
    view = await _owned_order(context, customer_id, order_id or "")
    if view is None:
        # Why: the same answer for another customer's order and a missing one reveals nothing.
        text = t.gettext(
            "I can't find that order among the orders of this chat. Send /orders to see them all."
        )
        await respond(update, text)
        return
    await respond(update, *await order_screen(context, t, view))


async def order_screen(
    context: BotContext, t: Translator, view: OrderView, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the order's text and the actions that apply to it now."""
    services = context.services
    ship_ready = await offers_split(
        services.store,
        view,
        rules=services.rules,
        today=business_today(services.clock, services.settings.timezone),
    )
    swappable = await lines_with_alternatives(services.store, view)
    await _seen_order(context, view)
    pages = order_pages(t, view)
    page = clamp(page, pages)
    return (
        order_text(t, view, pages, page),
        order_keyboard(
            t,
            view,
            pages,
            page,
            ship_ready=ship_ready,
            swappable=swappable,
            handoff=services.settings.support_chat_id is not None,
        ),
    )


def order_pages(t: Translator, view: OrderView) -> list[range]:
    """The order's lines in pages that fit one message with their buttons."""
    return paginate([line_text(t, line) for line in view.lines])


async def _seen_order(context: BotContext, view: OrderView) -> None:
    """The order's dates, about to be shown (after a confirmation too), recorded as told."""
    order_id = view.order.order_id
    await _record_shown(
        context,
        view.order.customer_id,
        lambda read: [entry for entry in read.orders if entry.order.order_id == order_id],
    )


async def _record_shown(
    context: BotContext,
    customer_id: str,
    shown_of: Callable[[OpenOrders], Sequence[VersionedOrder]],
) -> OpenOrders:
    """Read the customer's open orders and record the dates of `shown_of(them)` as told."""
    services = context.services
    # Why: the dates recorded are the ones the reply shows, read once (states too) for both.
    async with sweep_lock(context.bot_data):
        read = await services.store.customer_open_orders(customer_id)
        await mark_shown(
            services.store,
            customer_id,
            shown_of(read),
            read.etas,
            now=services.clock.now(),
            states=read.notice_states,
            unshown=read.unshown_notices,
        )
    return read


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
    rows = [[button(order_summary(t, view), order_data(view.order.order_id))] for view in views]
    return InlineKeyboardMarkup(rows)


def order_data(order_id: str, page: int = 0) -> str:
    """The callback data that opens an order (at a page of its lines)."""
    suffix = f":{page}" if page else ""
    return f"{ORDER_PREFIX}{order_handle(order_id)}{suffix}"


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
    return InlineKeyboardMarkup([[button(t.gettext("« Back to my orders"), ORDERS_DATA)]])


def order_keyboard(
    t: Translator,
    view: OrderView,
    pages: list[range] | None = None,
    page: int = 0,
    *,
    ship_ready: bool,
    swappable: Collection[int],
    handoff: bool = False,
) -> InlineKeyboardMarkup:
    """The order's actions, the actions of the backordered lines on this page, paging, "Talk to
    a person" (with `handoff`: a support chat takes hand-offs, DESIGN §12), back.

    [Alternatives] shows only for the lines in `swappable` (lines_with_alternatives).
    """
    pages = pages or [range(len(view.lines))]
    handle = order_handle(view.order.order_id)
    rows: list[list[InlineKeyboardButton]] = []
    if any(line.is_open for line in view.lines):
        top = [button(t.gettext("Cancel order"), f"{CANCEL_PREFIX}{handle}")]
        if ship_ready:
            top.append(button(t.gettext("Ship what's ready"), f"{SPLIT_PREFIX}{handle}"))
        rows.append(top)
    waiting = [
        (index + 1, view.lines[index])
        for index in pages[page]
        if view.lines[index].status == "backordered"
    ]
    # Why: numbered as the customer counts the order's items, so alike names are told apart.
    products = distinct_shorts(t, [(number, line.product_name) for number, line in waiting])
    for number, line in waiting:
        suffix = f"{handle}:{line.line_no}"
        product = products[number]
        row = [button(t.gettext("Cancel {product}", product=product), CANCEL_PREFIX + suffix)]
        if line.line_no in swappable:
            row.append(
                button(
                    t.gettext("Alternatives to {product}", product=product),
                    ALTERNATIVES_PREFIX + suffix,
                )
            )
        rows.append(row)
    nav = nav_row(t, page, len(pages), lambda number: order_data(view.order.order_id, number))
    if nav:
        rows.append(nav)
    if handoff:
        rows.append([button(t.gettext("Talk to a person"), HUMAN_DATA)])
    rows.extend(list(row) for row in back_keyboard(t).inline_keyboard)
    return InlineKeyboardMarkup(rows)


def order_text(
    t: Translator, view: OrderView, pages: list[range] | None = None, page: int = 0
) -> str:
    """One page of an order: the overall date, then each line's product, status, date and why."""
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
    elif view.status == "cancelled":
        overall = t.gettext("This order is cancelled.")
    elif view.status == "shipped":
        overall = t.gettext("Nothing left to ship: every item has shipped or was cancelled.")
    elif view.estimated_ship_date is not None:
        overall = t.gettext(
            "Estimated ship date for the whole order: {date}",
            date=t.date(view.estimated_ship_date),
        )
    else:
        overall = t.gettext("We can't give a ship date for the whole order yet.")
    pages = pages or [range(len(view.lines))]
    lines = "\n\n".join(line_text(t, view.lines[index]) for index in pages[page])
    note = page_note(t, page, len(pages))
    return f"{heading}\n{overall}\n\n{lines}" + (f"\n\n{note}" if note else "")


def line_text(t: Translator, line: LineView) -> str:
    """One order line, in two or three short lines of text."""
    title = t.gettext(
        "<b>{product}</b> × {quantity}",
        product=short(line.product_name, NAME_IN_TEXT),
        quantity=t.number(line.quantity),
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
    if eta.supply_overdue and eta.waiting_for_po_date is not None:
        # Why: DESIGN §5 — a past supplier date is not "confirmed"; the ship date is the earliest.
        return t.gettext(
            "Delayed: the supplier's delivery was due {date} and is late; "
            "we'll ship as soon as it arrives.",
            date=t.short_date(eta.waiting_for_po_date),
        )
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
        CallbackQueryHandler(show_orders, pattern=f"^({ORDERS_DATA}$|{LIST_PAGE_PREFIX})"),
        CallbackQueryHandler(show_order, pattern=f"^{ORDER_PREFIX}"),
    ]
