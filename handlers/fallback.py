"""Anything no other flow handled: a short help with buttons, never silence."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from handlers.common import answer_press, label, linked_customer_id
from handlers.menu import main_menu


async def unknown_message(update: Update, context: BotContext) -> None:
    """Explain briefly and offer the main menu."""
    chat = update.effective_chat
    if chat is None:
        return
    t = await context.translator(update)
    linked = await linked_customer_id(update, context) is not None
    text = (
        t.gettext("Sorry, I didn't understand that. Choose an option below or send /help.")
        if linked
        else t.gettext(
            "Sorry, I didn't understand that. To see your orders, first link this chat: "
            "tap “Find my orders” or send /start."
        )
    )
    await chat.send_message(text, reply_markup=main_menu(t, linked=linked))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button this bot no longer knows (old message or forged data): say so, change nothing."""
    if update.callback_query is None:
        return
    t = await context.translator(update)
    await answer_press(update, label(t.gettext("This button is no longer available.")), alert=True)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        MessageHandler(filters.UpdateType.MESSAGE, unknown_message),
        CallbackQueryHandler(stale_button),
    ]
