"""/language: choose among the shipped languages; saved for the chat and its linked customer."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES, SHIPPED_LANGUAGES
from handlers.common import answer_press, label, linked_customer_id, respond
from handlers.menu import LANGUAGE_DATA, bot_commands, main_menu

LANGUAGE_PREFIX = "lang:"
_BUTTONS_PER_ROW = 2

logger = logging.getLogger(__name__)


async def choose_language(update: Update, context: BotContext) -> None:
    """Offer the shipped languages as buttons."""
    await answer_press(update)
    t = await context.translator(update)
    buttons = [
        InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=LANGUAGE_PREFIX + code)
        for code in SHIPPED_LANGUAGES
    ]
    rows = [buttons[i : i + _BUTTONS_PER_ROW] for i in range(0, len(buttons), _BUTTONS_PER_ROW)]
    await respond(update, t.gettext("Choose your language:"), InlineKeyboardMarkup(rows))


async def set_language(update: Update, context: BotContext) -> None:
    """Save the chosen language and confirm in it; unknown codes change nothing."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or query.data is None or chat is None:
        return
    code = query.data.removeprefix(LANGUAGE_PREFIX)
    if code not in SHIPPED_LANGUAGES:
        t = await context.translator(update)
        await answer_press(
            update, label(t.gettext("This button is no longer available.")), alert=True
        )
        return
    services = context.services
    now = services.clock.now()
    customer_id = await linked_customer_id(update, context)
    actor = f"chat:{chat.id}"
    # Why: the chat's choice wins in this chat (DESIGN §7); the customer's follows for notices.
    await services.store.set_chat_language(chat.id, code, actor=actor, at=now)
    if customer_id is not None:
        await services.store.set_customer_language(customer_id, code, actor=actor, at=now)
    context.forget_chat_profile()
    t = await context.translator(update)
    await answer_press(update)
    text = t.gettext(
        "Done. I will write to you in {language} from now on.", language=t.language_name(code)
    )
    await respond(update, text, main_menu(t, linked=customer_id is not None))
    try:
        await context.bot.set_my_commands(bot_commands(t), scope=BotCommandScopeChat(chat.id))
    except TelegramError as exc:
        # Why: the menu is a convenience; the choice is saved either way.
        logger.warning("could not set the command menu for a chat: %s", exc)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        CommandHandler("language", choose_language),
        CallbackQueryHandler(choose_language, pattern=f"^{LANGUAGE_DATA}$"),
        CallbackQueryHandler(set_language, pattern=f"^{LANGUAGE_PREFIX}"),
    ]
