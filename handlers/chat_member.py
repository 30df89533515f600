"""my_chat_member: a user blocking the bot makes their chat unreachable; coming back releases it.

A staff member who had never opened the bot's chat (alerts to them were held on 400 "chat not
found") is reachable from their first message on: Telegram sends no my_chat_member for that.
"""

from __future__ import annotations

from typing import Any

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from bot.context import BotContext
from bot.services.reachability import chat_blocked, chat_reachable
from handlers.staff.access import is_staff

# Why: PTB runs groups in order; this one looks at a staff message before anything else acts.
GROUP = -4

GONE = frozenset({ChatMember.BANNED, ChatMember.LEFT})


async def member_changed(update: Update, context: BotContext) -> None:
    """Record whether the bot may write to this private chat; the dispatcher sends what was held."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    store = context.services.store
    now = context.services.clock.now()
    if change.new_chat_member.status in GONE:
        await chat_blocked(store, change.chat.id, now=now)
    else:
        await chat_reachable(store, change.chat.id, now=now)


async def staff_wrote(update: Update, context: BotContext) -> None:
    """Release the alerts held for a staff member's chat once they write to the bot (a chat
    that did not exist is there now); the update goes on to the other handlers."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or not is_staff(update, context):
        return
    await chat_reachable(context.services.store, chat.id, now=context.services.clock.now())


def first_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Handlers of the group before all others (GROUP): they never stop an update."""
    return [MessageHandler(filters.ChatType.PRIVATE, staff_wrote)]


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [ChatMemberHandler(member_changed, ChatMemberHandler.MY_CHAT_MEMBER)]
