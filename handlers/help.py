"""/help: what the bot does and how to use it."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import answer_press, linked_customer_id, respond
from handlers.menu import HELP_DATA, main_menu


def help_text(t: Translator) -> str:
    """The full help message."""
    return t.gettext(
        "<b>I keep you posted about orders that are waiting for stock.</b>\n\n"
        "/orders – your open orders, with an estimated ship date for every item and why\n"
        "/start – link this chat to your orders (order number and email or phone, "
        "or your phone number)\n"
        "/unlink – make this chat forget your orders\n"
        "/language – choose the language I write in\n"
        "/help – this message\n\n"
        "I only show the orders of the customer this chat is linked to."
    )


async def show_help(update: Update, context: BotContext) -> None:
    """Send or show the help in place."""
    await answer_press(update)
    t = await context.translator(update)
    linked = await linked_customer_id(update, context) is not None
    await respond(update, help_text(t), main_menu(t, linked=linked))


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        CommandHandler("help", show_help),
        CallbackQueryHandler(show_help, pattern=f"^{HELP_DATA}$"),
    ]
