"""Telegram mechanics shared by the flows: edit-or-send, the chat's customer, button labels."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.error import BadRequest

from bot.context import BotContext

Markup = InlineKeyboardMarkup | ReplyKeyboardRemove | None


async def respond(update: Update, text: str, markup: Markup = None) -> Message | None:
    """Edit the message under a pressed button in place, else send a new message."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
        try:
            edited = await query.message.edit_text(text, reply_markup=inline)
        except BadRequest as exc:
            # Why: pressing the same button twice asks for an edit that changes nothing.
            if "not modified" not in str(exc).lower():
                raise
            return query.message
        return edited if isinstance(edited, Message) else query.message
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, reply_markup=markup)


async def linked_customer_id(update: Update, context: BotContext) -> str | None:
    """The customer this update's chat is linked to."""
    return (await context.chat_profile(update)).customer_id


def label(text: str) -> str:
    """A translated message made fit for a button, which shows plain text, not HTML."""
    return html.unescape(text)
