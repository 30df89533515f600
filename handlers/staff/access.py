"""The one staff check: rights only from BACKORDER_STAFF_IDS, in a private chat (DESIGN §10)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatType

from bot.context import BotContext
from handlers.fallback import stale_button, unknown_message

# Why: a coroutine function, as PTB's handlers take.
StaffCallback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def is_staff(update: Update, context: BotContext) -> bool:
    """Whether the update comes from a configured staff member in a private chat."""
    user, chat = update.effective_user, update.effective_chat
    return (
        user is not None
        and chat is not None
        and chat.type == ChatType.PRIVATE
        and user.id in context.services.settings.staff_ids
    )


def staff_actor(update: Update) -> str:
    """The audit log's name for the staff member behind an update: `staff:<user id>`."""
    user = update.effective_user
    if user is None:
        raise ValueError("a staff change needs the user who made it")
    return f"staff:{user.id}"


def staff_only(callback: StaffCallback) -> StaffCallback:
    """Run `callback` for staff; anyone else gets exactly what an unknown command or a stale
    button gets, so nothing reveals that staff commands exist (DESIGN §10)."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: BotContext) -> None:
        if is_staff(update, context):
            await callback(update, context)
        elif update.callback_query is not None:
            await stale_button(update, context)
        else:
            await unknown_message(update, context)

    return guarded
