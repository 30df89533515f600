"""Cancel an order or one item: confirm with the refund shown, then the outcome, in place."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.clock import business_today
from bot.context import BotContext
from bot.domain.actions import ActionResult, ActionStore, AlreadyDone, Done, NotAllowed, NotFound
from bot.i18n import Translator
from bot.services.cancel import CancelQuote, confirm_cancel, quote_cancel
from bot.services.handles import order_handle
from bot.services.status import OrderView
from handlers.actions_common import (
    actor,
    line_number,
    not_available,
    owned_view,
    read_tap,
    show_outcome,
    show_with_order,
    unchanged_text,
)
from handlers.common import answer_press, button, respond, short
from handlers.orders import CANCEL_PREFIX, NAME_IN_TEXT, order_data
from handlers.paging import clamp, nav_row, page_note, page_number, paginate

CONFIRM_PREFIX = "cy:"
WHOLE_ORDER = "*"


def action_store(context: BotContext) -> ActionStore:
    """The application's store, which implements the customer actions too."""
    return context.services.store


async def ask_cancel(update: Update, context: BotContext) -> None:
    """[Cancel order] or [Cancel item] ("ca:<order>[:<line or *>[:<page>]]"): ask to confirm."""
    tap = await read_tap(update, context, CANCEL_PREFIX, 1, 2, 3)
    if tap is None:
        return
    which = tap.fields[0] if tap.fields else WHOLE_ORDER
    line_no = line_number(which)
    page = page_number(tap.fields[1]) if len(tap.fields) == 2 else 0
    if (line_no is None and which != WHOLE_ORDER) or page is None:
        await not_available(update, tap.t)
        return
    shown = await present_cancel(
        update, context, tap.t, tap.customer_id, tap.order_id, line_no, page=page
    )
    if shown:
        await answer_press(update)
    else:
        await not_available(update, tap.t)


async def present_cancel(
    update: Update,
    context: BotContext,
    t: Translator,
    customer_id: str,
    order_id: str,
    line_no: int | None,
    *,
    page: int = 0,
) -> bool:
    """Show the confirmation (or why not); False, showing nothing, when the order is not theirs."""
    services = context.services
    quote = await quote_cancel(
        action_store(context),
        customer_id,
        order_id,
        line_no,
        rules=services.rules,
        refund_days=services.settings.refund_days,
        today=business_today(services.clock, services.settings.timezone),
    )
    if isinstance(quote, NotFound):
        return False
    if isinstance(quote, NotAllowed):
        await show_with_order(update, context, t, customer_id, order_id, refused_text(t, quote))
        return True
    view = await owned_view(services.store, customer_id, order_id)
    items = cancelled_items(t, quote, view)
    pages = paginate(items)
    page = clamp(page, pages)
    text = confirmation_text(t, quote, items, pages, page, whole=line_no is None)
    await respond(update, text, confirm_keyboard(t, quote, line_no, pages, page))
    return True


def cancelled_items(t: Translator, quote: CancelQuote, view: OrderView | None) -> list[str]:
    """ "• Office chair × 1" for each item the cancellation covers."""
    chosen = set(quote.line_nos)
    return [
        t.gettext(
            "• {product} × {quantity}",
            product=short(line.product_name, NAME_IN_TEXT),
            quantity=t.number(line.quantity),
        )
        for line in (view.lines if view else ())
        if line.line_no in chosen
    ]


def confirmation_text(
    t: Translator,
    quote: CancelQuote,
    items: list[str],
    pages: list[range],
    page: int,
    *,
    whole: bool,
) -> str:
    """What cancelling does: the items (one page of them), the refund and when it is due."""
    heading = (
        t.gettext("<b>Cancel order {order_id}?</b>", order_id=quote.order_id)
        if whole
        else t.gettext("<b>Cancel this item of order {order_id}?</b>", order_id=quote.order_id)
    )
    shown = [items[index] for index in pages[page]]
    note = page_note(t, page, len(pages))
    refund = t.gettext(
        "You will get a refund of <b>{amount}</b>, paid by {date} at the latest.",
        amount=t.money(quote.refund_minor, quote.currency),
        date=t.date(quote.refund_due),
    )
    listed = [heading, t.gettext("These items will be cancelled:"), *shown]
    return "\n".join([*listed, *([note] if note else []), "", refund])


def confirm_keyboard(
    t: Translator,
    quote: CancelQuote,
    line_no: int | None,
    pages: list[range] | None = None,
    page: int = 0,
) -> InlineKeyboardMarkup:
    """[Yes, cancel] with the order's version, [No, keep it] back to the order; paging."""
    which = WHOLE_ORDER if line_no is None else str(line_no)
    handle = order_handle(quote.order_id)
    rows = [
        [
            button(t.gettext("Yes, cancel"), f"{CONFIRM_PREFIX}{handle}:{which}:{quote.version}"),
            button(t.gettext("No, keep it"), order_data(quote.order_id)),
        ]
    ]
    count = len(pages) if pages else 1
    nav = nav_row(t, page, count, lambda number: f"{CANCEL_PREFIX}{handle}:{which}:{number}")
    return InlineKeyboardMarkup([*rows, nav] if nav else rows)


async def confirm(update: Update, context: BotContext) -> None:
    """[Yes, cancel]: the service re-checks owner, state and version; show the outcome."""
    tap = await read_tap(update, context, CONFIRM_PREFIX, 3)
    if tap is None:
        return
    order_id, (which, version) = tap.order_id, tap.fields
    line_no = line_number(which)
    if not version.isdigit() or (line_no is None and which != WHOLE_ORDER):
        await not_available(update, tap.t)
        return
    services = context.services
    result = await confirm_cancel(
        action_store(context),
        tap.customer_id,
        order_id,
        line_no,
        int(version),
        actor=actor(tap.customer_id),
        now=services.clock.now(),
        timezone=services.settings.timezone,
        rules=services.rules,
        refund_days=services.settings.refund_days,
    )
    await show_outcome(update, context, tap, order_id, result, outcome_text)


def outcome_text(t: Translator, result: ActionResult) -> str:
    """What became of a cancellation, politely."""
    if isinstance(result, Done):
        if result.refund_minor > 0 and result.refund_due is not None:
            return t.gettext(
                "✅ Cancelled. We will refund <b>{amount}</b> by {date} at the latest.",
                amount=t.money(result.refund_minor, result.currency),
                date=t.date(result.refund_due),
            )
        return t.gettext("✅ Cancelled.")
    if isinstance(result, AlreadyDone):
        if result.refund_minor > 0 and result.refund_due is not None:
            return t.gettext(
                "This was already cancelled. We will refund <b>{amount}</b> by {date} at the "
                "latest.",
                amount=t.money(result.refund_minor, result.currency),
                date=t.date(result.refund_due),
            )
        return t.gettext("This was already cancelled — nothing more to do.")
    return unchanged_text(t, result, refused_text)


def refused_text(t: Translator, refusal: NotAllowed) -> str:
    """Why there is nothing to cancel."""
    if refusal.reason == "shipped":
        return t.gettext("This has already shipped, so it can no longer be cancelled.")
    return t.gettext("There is nothing left to cancel: these items are already cancelled.")


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        CallbackQueryHandler(ask_cancel, pattern=f"^{CANCEL_PREFIX}"),
        CallbackQueryHandler(confirm, pattern=f"^{CONFIRM_PREFIX}"),
    ]
