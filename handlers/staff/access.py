"""The one staff check: rights only from BACKORDER_STAFF_IDS, in a private chat (DESIGN §10);
an alert's button also in the support chat (BACKORDER_SUPPORT_CHAT_ID, DESIGN §12)."""

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


def is_staff(update: Update, context: BotContext, *, support_chat: bool = False) -> bool:
    """Whether the update comes from a configured staff member in a private chat (or, with
    `support_chat`, in the configured support chat)."""
    user, chat = update.effective_user, update.effective_chat
    settings = context.services.settings
    return staff_may_act(
        user.id if user is not None else None,
        chat.id if chat is not None else None,
        chat.type if chat is not None else None,
        staff_ids=settings.staff_ids,
        support_chat_id=settings.support_chat_id if support_chat else None,
    )


def staff_may_act(
    user_id: int | None,
    chat_id: int | None,
    chat_type: str | None,
    *,
    staff_ids: frozenset[int],
    support_chat_id: int | None,
) -> bool:
    """Staff rights come from `staff_ids` only (DESIGN §10), used in a private chat or in the
    support chat `support_chat_id` (None: private chats only); any other group refuses them."""
    if user_id is None or chat_id is None or user_id not in staff_ids:
        return False
    return chat_type == ChatType.PRIVATE or (
        support_chat_id is not None and chat_id == support_chat_id
    )


def staff_actor(update: Update) -> str:
    """The audit log's name for the staff member behind an update: `staff:<user id>`."""
    user = update.effective_user
    if user is None:
        raise ValueError("a staff change needs the user who made it")
    return f"staff:{user.id}"


def staff_only(callback: StaffCallback, *, support_chat: bool = False) -> StaffCallback:
    """Run `callback` for staff; anyone else gets exactly what an unknown command or a stale
    button gets, so nothing reveals that staff commands exist (DESIGN §10). With
    `support_chat`, staff may also use it in the support chat (an alert's button, §12)."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: BotContext) -> None:
        if is_staff(update, context, support_chat=support_chat):
            await callback(update, context)
        elif update.callback_query is not None:
            await stale_button(update, context)
        else:
            await unknown_message(update, context)

    return guarded
