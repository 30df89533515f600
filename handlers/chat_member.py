"""my_chat_member: a user blocking the bot makes their chat unreachable; coming back releases it."""

from __future__ import annotations

from typing import Any

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, ChatMemberHandler

from bot.context import BotContext
from bot.services.reachability import chat_blocked, chat_reachable

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


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [ChatMemberHandler(member_changed, ChatMemberHandler.MY_CHAT_MEMBER)]
