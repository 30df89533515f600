"""Messages in chats other than private ones (groups, the support chat, channels) get no answer
from the customers' flows or the staff commands (DESIGN §10, §12).

The bot takes part in the support chat only through the hand-off (a topic's messages and
/close, handled in an earlier group) and the alerts' buttons; everything else it shows a
customer or a staff member belongs in their private chat.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import BotContext


async def stay_silent(update: Update, context: BotContext) -> None:
    """A message in a group that no earlier handler group took: no answer, nothing changes."""
    # Why: anyone in a group reads the bot's answer (an order, a linking question), and staff
    # chatting among themselves in the support chat must not get "didn't understand" replies.


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handler: it must come before every customer flow and staff command."""
    return [MessageHandler(~filters.ChatType.PRIVATE, stay_silent)]
