"""/unlink: after a confirmation, the chat forgets the customer it was linked to."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import Translator
from bot.services.linking import unlink
from handlers.common import label, linked_customer_id, respond
from handlers.menu import main_menu

UNLINK_YES = "ul:yes"
UNLINK_NO = "ul:no"


async def ask_unlink(update: Update, context: BotContext) -> None:
    """Ask before forgetting; a chat that is not linked is told so."""
    t = await context.translator(update)
    if await linked_customer_id(update, context) is None:
        await respond(update, not_linked_text(t), main_menu(t, linked=False))
        return
    text = t.gettext(
        "Unlink this chat from your orders? I will forget who you are here and stop sending "
        "updates about your orders to this chat. You can link it again with /start."
    )
    buttons = [
        InlineKeyboardButton(label(t.gettext("Yes, unlink")), callback_data=UNLINK_YES),
        InlineKeyboardButton(label(t.gettext("No, keep it")), callback_data=UNLINK_NO),
    ]
    await respond(update, text, InlineKeyboardMarkup([buttons]))


async def confirm_unlink(update: Update, context: BotContext) -> None:
    """Forget the customer (audited) and say so in place."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    services = context.services
    unlinked = await unlink(services.store, chat.id, now=services.clock.now())
    # Why: the chat's language may have come from the customer it just forgot.
    context.forget_chat_profile()
    t = await context.translator(update)
    await query.answer()
    text = (
        t.gettext(
            "Done. This chat is no longer linked to your orders. "
            "Send /start whenever you want to link it again."
        )
        if unlinked
        else not_linked_text(t)
    )
    await respond(update, text, main_menu(t, linked=False))


async def keep_link(update: Update, context: BotContext) -> None:
    """Change nothing."""
    query = update.callback_query
    if query is None:
        return
    t = await context.translator(update)
    await query.answer()
    linked = await linked_customer_id(update, context) is not None
    await respond(update, t.gettext("All right, nothing changed."), main_menu(t, linked=linked))


def not_linked_text(t: Translator) -> str:
    """Unlinking a chat that has no customer."""
    return t.gettext("This chat is not linked to any orders.")


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        CommandHandler("unlink", ask_unlink),
        CallbackQueryHandler(confirm_unlink, pattern=f"^{UNLINK_YES}$"),
        CallbackQueryHandler(keep_link, pattern=f"^{UNLINK_NO}$"),
    ]
