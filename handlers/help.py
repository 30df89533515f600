"""/help: what the bot does and how to use it."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import answer_press, linked_customer_id, respond
from handlers.menu import HELP_DATA, main_menu
from handlers.staff.access import is_staff


def help_text(t: Translator, *, handoff: bool = False) -> str:
    """The full help message: what the bot does, its commands (/human among them when a support
    chat takes hand-offs), then what it shows."""
    commands = t.gettext(
        "<b>I keep you posted about orders that are waiting for stock.</b>\n\n"
        "/orders – your open orders, with an estimated ship date for every item and why\n"
        "/start – link this chat to your orders (order number and email or phone, "
        "or your phone number)\n"
        "/unlink – make this chat forget your orders\n"
        "/language – choose the language I write in\n"
        "/help – this message"
    )
    if handoff:
        commands += "\n" + t.gettext("/human – talk to a person from our team, right in this chat")
    return (
        commands
        + "\n\n"
        + t.gettext("I only show the orders of the customer this chat is linked to.")
    )


def staff_help_text(t: Translator) -> str:
    """What staff have beside the customers' commands (DESIGN §10)."""
    return t.gettext(
        "<b>Staff commands</b>\n"
        "/po PO_ID – a purchase order: the customers waiting on it, move its date, "
        "record a receipt, cancel it\n"
        "/stock SKU – on-hand units of a product\n"
        "/find ORDER_ID – any order as staff see it\n"
        "/broadcast – send a message to a segment of customers\n"
        "/stats – where backorders hurt: backlog by product and supplier, delays, a chart"
    )


async def show_help(update: Update, context: BotContext) -> None:
    """Send or show the help in place; a staff member's also lists the staff commands."""
    await answer_press(update)
    t = await context.translator(update)
    linked = await linked_customer_id(update, context) is not None
    text = help_text(t, handoff=context.services.settings.support_chat_id is not None)
    if is_staff(update, context):
        text += "\n\n" + staff_help_text(t)
    await respond(update, text, main_menu(t, linked=linked))


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        CommandHandler("help", show_help),
        CallbackQueryHandler(show_help, pattern=f"^{HELP_DATA}$"),
    ]
