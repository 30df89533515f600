"""Telegram layer: one module per flow, registered in this one ordered list (first match wins)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.context import BotContext
from handlers import (
    cancel,
    chat_links,
    chat_member,
    fallback,
    free_text,
    group_chats,
    handoff,
    help,
    language,
    notices,
    orders,
    ratings,
    split,
    start,
    swap,
    unlink,
)
from handlers.staff import (
    alerts,
    broadcast,
    broadcast_progress,
    find,
    purchase_orders,
    stats,
    stock,
    support_topics,
    typed_input,
)

# Why: Telegram sends only these kinds to the bot; every handler below reads one of them
# (commands and text also arrive edited; my_chat_member tells of a blocked bot).
UPDATE_KINDS = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
)


def first_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Handlers of the very first group: a staff member's message releases alerts held for a
    chat of theirs that did not exist yet (the update goes on to the groups below)."""
    return chat_member.first_handlers()


def early_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Handlers of a group before all others: a staff member's typed answer to their chat's
    open question (other text passes on to the flows below)."""
    return typed_input.grouped_handlers()


def comment_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Handlers of the group after staff answers and before the flows: a customer's text right
    after a rating is its comment (a command ends the wait and goes on)."""
    return ratings.grouped_handlers()


def handoff_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Handlers of the group after staff's typed answers: a message of a customer talking to a
    person goes to their topic, and a staff message in a topic to its customer (DESIGN §12);
    such a message goes no further."""
    return [*support_topics.grouped_handlers(), *handoff.grouped_handlers()]


def all_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Every handler, in the order PTB should try them; the fallback comes last."""
    return [
        *group_chats.handlers(),
        *chat_member.handlers(),
        *alerts.handlers(),
        *purchase_orders.handlers(),
        *stock.handlers(),
        *find.handlers(),
        *stats.handlers(),
        *broadcast.handlers(),
        *broadcast_progress.handlers(),
        *start.handlers(),
        *orders.handlers(),
        *handoff.handlers(),
        *cancel.handlers(),
        *swap.handlers(),
        *split.handlers(),
        *notices.handlers(),
        *ratings.handlers(),
        *language.handlers(),
        *unlink.handlers(),
        *chat_links.handlers(),
        *help.handlers(),
        *free_text.handlers(),
        *fallback.handlers(),
    ]
