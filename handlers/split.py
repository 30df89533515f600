"""Ship what is ready: what goes now and what keeps waiting, a confirmation, or one delivery."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.clock import business_today
from bot.context import BotContext
from bot.domain.actions import ActionResult, AlreadyDone, Changed, Done, NotAllowed, NotFound
from bot.i18n import Translator
from bot.services.split import SplitQuote, confirm_split, quote_split, set_ship_complete
from bot.services.status import OrderView
from handlers.cancel import (
    action_store,
    actor,
    changed_text,
    fields,
    not_available,
    owned_view,
    show_with_order,
)
from handlers.common import label, linked_customer_id, respond
from handlers.orders import ORDER_PREFIX, SPLIT_PREFIX

CONFIRM_PREFIX = "sy:"
COMPLETE_PREFIX = "sc:"


async def ask_split(update: Update, context: BotContext) -> None:
    """[Ship what's ready]: what ships now, what keeps waiting and until when; ask to confirm."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = await context.translator(update)
    customer_id = await linked_customer_id(update, context)
    parts = fields(query.data, SPLIT_PREFIX, 1)
    if customer_id is None or parts is None:
        await not_available(update, t)
        return
    (order_id,) = parts
    services = context.services
    quote = await quote_split(
        action_store(context),
        customer_id,
        order_id,
        rules=services.rules,
        today=business_today(services.clock, services.settings.timezone),
    )
    if isinstance(quote, NotFound):
        await not_available(update, t)
        return
    await query.answer()
    if isinstance(quote, NotAllowed):
        await show_with_order(update, context, t, customer_id, order_id, refused_text(t, quote))
        return
    view = await owned_view(services.store, customer_id, order_id)
    await respond(update, split_text(t, quote, view), split_keyboard(t, quote))


def split_text(t: Translator, quote: SplitQuote, view: OrderView | None) -> str:
    """The two deliveries: the ready part now, the rest with its own estimated date."""
    dates = {
        line.line_no: line.eta.ship_date
        for line in (view.lines if view else ())
        if line.eta is not None and line.eta.ship_date is not None
    }
    heading = t.gettext("<b>Ship what is ready in order {order_id}?</b>", order_id=quote.order_id)
    now = [
        t.gettext("• {product} × {quantity}", product=part.name, quantity=t.number(part.quantity))
        for part in quote.ready
    ]
    later = [
        t.gettext(
            "• {product} × {quantity} — estimated to ship {date}",
            product=part.name,
            quantity=t.number(part.quantity),
            date=t.date(ship_date),
        )
        if (ship_date := dates.get(part.line_no)) is not None
        else t.gettext(
            "• {product} × {quantity} — no estimated ship date yet",
            product=part.name,
            quantity=t.number(part.quantity),
        )
        for part in quote.waiting
    ]
    return "\n".join(
        [
            heading,
            "",
            t.gettext("<b>Ships now:</b>"),
            *now,
            "",
            t.gettext("<b>Follows later:</b>"),
            *later,
        ]
    )


def split_keyboard(t: Translator, quote: SplitQuote) -> InlineKeyboardMarkup:
    """[Yes, ship what's ready] with the version; [I prefer one complete delivery]."""
    order_id = quote.order_id
    confirm_data = f"{CONFIRM_PREFIX}{order_id}:{quote.version}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label(t.gettext("Yes, ship what's ready")), callback_data=confirm_data
                )
            ],
            [
                InlineKeyboardButton(
                    label(t.gettext("I prefer one complete delivery")),
                    callback_data=COMPLETE_PREFIX + order_id,
                )
            ],
            [
                InlineKeyboardButton(
                    label(t.gettext("« Back to the order")), callback_data=ORDER_PREFIX + order_id
                )
            ],
        ]
    )


async def confirm(update: Update, context: BotContext) -> None:
    """[Yes, ship what's ready]: the service re-checks owner, state and version."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = await context.translator(update)
    customer_id = await linked_customer_id(update, context)
    parts = fields(query.data, CONFIRM_PREFIX, 2)
    if customer_id is None or parts is None or not parts[1].isdigit():
        await not_available(update, t)
        return
    order_id, version = parts
    services = context.services
    result = await confirm_split(
        action_store(context),
        customer_id,
        order_id,
        int(version),
        actor=actor(customer_id),
        now=services.clock.now(),
        timezone=services.settings.timezone,
        rules=services.rules,
    )
    if isinstance(result, NotFound):
        await not_available(update, t)
        return
    await query.answer()
    await show_with_order(update, context, t, customer_id, order_id, outcome_text(t, result))


async def prefer_complete(update: Update, context: BotContext) -> None:
    """[I prefer one complete delivery]: remember it on the order."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = await context.translator(update)
    customer_id = await linked_customer_id(update, context)
    parts = fields(query.data, COMPLETE_PREFIX, 1)
    if customer_id is None or parts is None:
        await not_available(update, t)
        return
    (order_id,) = parts
    result = await set_ship_complete(
        action_store(context),
        customer_id,
        order_id,
        True,
        actor=actor(customer_id),
        now=context.services.clock.now(),
    )
    if isinstance(result, NotFound):
        await not_available(update, t)
        return
    await query.answer()
    text = t.gettext(
        "All right: we will ship order {order_id} in one complete delivery.", order_id=order_id
    )
    await show_with_order(update, context, t, customer_id, order_id, text)


def outcome_text(t: Translator, result: ActionResult) -> str:
    """What became of a split, politely."""
    if isinstance(result, Done):
        return t.gettext("✅ Done: the ready items ship now, the rest follows when it arrives.")
    if isinstance(result, AlreadyDone):
        return t.gettext("The ready items are already on their way — nothing more to do.")
    if isinstance(result, Changed):
        return changed_text(t)
    if isinstance(result, NotAllowed):
        return refused_text(t, result)
    return t.gettext("Sorry, that order is not available in this chat.")


def refused_text(t: Translator, refusal: NotAllowed) -> str:
    """Why the order cannot be split as it stands."""
    if refusal.reason == "nothing_ready":
        return t.gettext(
            "Nothing in this order is ready to ship yet, so there is nothing to send ahead."
        )
    return t.gettext("This order has nothing left waiting, so there is nothing to split.")


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        CallbackQueryHandler(ask_split, pattern=f"^{SPLIT_PREFIX}"),
        CallbackQueryHandler(confirm, pattern=f"^{CONFIRM_PREFIX}"),
        CallbackQueryHandler(prefer_complete, pattern=f"^{COMPLETE_PREFIX}"),
    ]
