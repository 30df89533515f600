"""Cancel an order or one item: confirm with the refund shown, then the outcome, in place."""

from __future__ import annotations

from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.clock import business_today
from bot.context import BotContext
from bot.domain.actions import (
    ActionResult,
    ActionStore,
    AlreadyDone,
    Changed,
    Done,
    NotAllowed,
    NotFound,
)
from bot.domain.store import Store
from bot.i18n import Translator
from bot.services.cancel import CancelQuote, confirm_cancel, quote_cancel
from bot.services.status import OrderView, order_view
from handlers.common import label, linked_customer_id, respond
from handlers.orders import CANCEL_PREFIX, ORDER_PREFIX, order_keyboard, order_text

CONFIRM_PREFIX = "cy:"
WHOLE_ORDER = "*"


def action_store(context: BotContext) -> ActionStore:
    """The application's store, which implements the customer actions too."""
    return cast(ActionStore, context.services.store)


def actor(customer_id: str) -> str:
    """Who the audit log and the shop's events name for a customer's action."""
    return f"customer:{customer_id}"


def fields(data: str, prefix: str, count: int) -> list[str] | None:
    """The `count` colon-separated fields after `prefix`, or None for anything malformed."""
    parts = data.removeprefix(prefix).split(":")
    return parts if len(parts) == count and all(parts) else None


def line_number(text: str) -> int | None:
    """A line number from callback data, None for the whole order or anything else."""
    return int(text) if text.isdigit() else None


async def owned_view(store: Store, customer_id: str, order_id: str) -> OrderView | None:
    """The order as it stands now, only for its own customer."""
    view = await order_view(store, order_id)
    return view if view is not None and view.order.customer_id == customer_id else None


async def not_available(update: Update, t: Translator) -> None:
    """The one answer for a missing order, another customer's order and forged data."""
    query = update.callback_query
    if query is not None:
        await query.answer(
            t.gettext("Sorry, that order is not available in this chat."), show_alert=True
        )


async def show_with_order(
    update: Update, context: BotContext, t: Translator, customer_id: str, order_id: str, text: str
) -> None:
    """A sentence about the outcome, then the order as it stands now with its actions."""
    view = await owned_view(context.services.store, customer_id, order_id)
    if view is None:
        await respond(update, text)
        return
    await respond(update, f"{text}\n\n{order_text(t, view)}", order_keyboard(t, view))


def changed_text(t: Translator) -> str:
    """A stale button: the order moved on since the screen was shown."""
    return t.gettext("This order changed in the meantime. Here is where it stands now:")


async def ask_cancel(update: Update, context: BotContext) -> None:
    """[Cancel order] or [Cancel item]: show exactly what would happen and ask to confirm."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = await context.translator(update)
    customer_id = await linked_customer_id(update, context)
    parts = query.data.removeprefix(CANCEL_PREFIX).split(":")
    if customer_id is None or not parts[0] or len(parts) > 2:
        await not_available(update, t)
        return
    line_no = line_number(parts[1]) if len(parts) == 2 else None
    if len(parts) == 2 and line_no is None:
        await not_available(update, t)
        return
    if await present_cancel(update, context, t, customer_id, parts[0], line_no):
        await query.answer()
    else:
        await not_available(update, t)


async def present_cancel(
    update: Update,
    context: BotContext,
    t: Translator,
    customer_id: str,
    order_id: str,
    line_no: int | None,
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
    text = confirmation_text(t, quote, view, whole=line_no is None)
    await respond(update, text, confirm_keyboard(t, quote, line_no))
    return True


def confirmation_text(
    t: Translator, quote: CancelQuote, view: OrderView | None, *, whole: bool
) -> str:
    """What cancelling does: the items, the refund and when it is due."""
    heading = (
        t.gettext("<b>Cancel order {order_id}?</b>", order_id=quote.order_id)
        if whole
        else t.gettext("<b>Cancel this item of order {order_id}?</b>", order_id=quote.order_id)
    )
    chosen = set(quote.line_nos)
    items = [
        t.gettext(
            "• {product} × {quantity}", product=line.product_name, quantity=t.number(line.quantity)
        )
        for line in (view.lines if view else ())
        if line.line_no in chosen
    ]
    refund = t.gettext(
        "You will get a refund of <b>{amount}</b>, paid by {date} at the latest.",
        amount=t.money(quote.refund_minor, quote.currency),
        date=t.date(quote.refund_due),
    )
    return "\n".join([heading, t.gettext("These items will be cancelled:"), *items, "", refund])


def confirm_keyboard(
    t: Translator, quote: CancelQuote, line_no: int | None
) -> InlineKeyboardMarkup:
    """[Yes, cancel] with the order's version, [No, keep it] back to the order."""
    which = WHOLE_ORDER if line_no is None else str(line_no)
    data = f"{CONFIRM_PREFIX}{quote.order_id}:{which}:{quote.version}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label(t.gettext("Yes, cancel")), callback_data=data),
                InlineKeyboardButton(
                    label(t.gettext("No, keep it")), callback_data=ORDER_PREFIX + quote.order_id
                ),
            ]
        ]
    )


async def confirm(update: Update, context: BotContext) -> None:
    """[Yes, cancel]: the service re-checks owner, state and version; show the outcome."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = await context.translator(update)
    customer_id = await linked_customer_id(update, context)
    parts = fields(query.data, CONFIRM_PREFIX, 3)
    if customer_id is None or parts is None or not parts[2].isdigit():
        await not_available(update, t)
        return
    order_id, which, version = parts
    line_no = line_number(which)
    if line_no is None and which != WHOLE_ORDER:
        await not_available(update, t)
        return
    services = context.services
    result = await confirm_cancel(
        action_store(context),
        customer_id,
        order_id,
        line_no,
        int(version),
        actor=actor(customer_id),
        now=services.clock.now(),
        timezone=services.settings.timezone,
        rules=services.rules,
        refund_days=services.settings.refund_days,
    )
    if isinstance(result, NotFound):
        await not_available(update, t)
        return
    await query.answer()
    await show_with_order(update, context, t, customer_id, order_id, outcome_text(t, result))


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
        return t.gettext("This was already cancelled — nothing more to do.")
    if isinstance(result, Changed):
        return changed_text(t)
    if isinstance(result, NotAllowed):
        return refused_text(t, result)
    return t.gettext("Sorry, that order is not available in this chat.")


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
