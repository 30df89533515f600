"""Typed messages: "cancel order 1042", "where is my order", "1042" lead to the right flow."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import N_, SHIPPED_LANGUAGES, Catalogs, Translator
from bot.services.intents import Intent, IntentKind, Vocabulary, parse_intent
from bot.services.order_lookup import customer_order_id
from bot.services.status import customer_orders
from handlers import fallback
from handlers.actions_common import owned_view
from handlers.cancel import present_cancel
from handlers.common import linked_customer_id, respond
from handlers.help import show_help
from handlers.menu import main_menu
from handlers.orders import (
    not_linked_text,
    order_screen,
    orders_screen,
)

# Keyword lists, translated per language; an entry ending in "*" matches words starting with it.
CANCEL_WORDS = N_("cancel*, call off")
STATUS_WORDS = N_("where, when, status, arriv*, deliver*, ship*, track*, eta")
ORDER_WORDS = N_("order*, package*, parcel*")
HELP_WORDS = N_("help, hello, hi, hey")
# TRANSLATORS: words that stand before an order number ("Nr. 1042"); not the word for "order".
NUMBER_WORDS = N_("number, no, num, nr, n")


def vocabulary(t: Translator) -> Vocabulary:
    """One language's keywords, from its catalog."""
    return Vocabulary(
        cancel=tuple(t.keywords(CANCEL_WORDS)),
        status=tuple(t.keywords(STATUS_WORDS)),
        orders=tuple(t.keywords(ORDER_WORDS)),
        help=tuple(t.keywords(HELP_WORDS)),
        number=tuple(t.keywords(NUMBER_WORDS)),
    )


def vocabularies(catalogs: Catalogs) -> list[Vocabulary]:
    """Every shipped language's keywords: a message is understood whatever the chat's language."""
    return [vocabulary(catalogs.translator(language)) for language in SHIPPED_LANGUAGES]


async def understand(update: Update, context: BotContext) -> None:
    """Parse the message in every shipped language, then show the matching flow."""
    message = update.effective_message
    if message is None or not message.text:
        return
    t = await context.translator(update)
    intent = parse_intent(message.text, vocabularies(context.services.catalogs))
    if intent.kind is IntentKind.HELP:
        await show_help(update, context)
        return
    if intent.kind is IntentKind.UNKNOWN:
        await fallback.unknown_message(update, context)
        return
    customer_id = await linked_customer_id(update, context)
    if customer_id is None:
        await respond(update, not_linked_text(t), main_menu(t, linked=False))
        return
    await _follow(update, context, t, customer_id, intent)


async def _follow(
    update: Update, context: BotContext, t: Translator, customer_id: str, intent: Intent
) -> None:
    store = context.services.store
    order_id = (
        await customer_order_id(store, customer_id, intent.order_id) if intent.order_id else None
    )
    if intent.order_id is not None and order_id is None:
        await respond(update, not_found_text(t))
        return
    if intent.kind is IntentKind.CANCEL and order_id is not None:
        if not await present_cancel(update, context, t, customer_id, order_id, None):
            await respond(update, not_found_text(t))
        return
    if intent.kind is IntentKind.SHOW_ORDER and order_id is not None:
        view = await owned_view(store, customer_id, order_id)
        if view is None:
            await respond(update, not_found_text(t))
            return
        await respond(update, *await order_screen(context, t, view))
        return
    views = await customer_orders(context.services.store, customer_id)
    text, keyboard = orders_screen(t, views)
    if views and intent.kind is IntentKind.CANCEL:
        text = t.gettext("Which order do you want to cancel? Choose it, then tap “Cancel order”.")
    await respond(update, text, keyboard)


def not_found_text(t: Translator) -> str:
    """The same answer for another customer's order and a missing one."""
    return t.gettext(
        "I can't find that order among the orders of this chat. Send /orders to see them all."
    )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers: plain text that no conversation is waiting for."""
    return [MessageHandler(filters.TEXT & ~filters.COMMAND, understand)]
