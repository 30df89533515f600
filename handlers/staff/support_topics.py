"""The support chat's side of the hand-off (DESIGN §12): what staff write in a customer's topic
goes to the customer as the shop; /close ends the conversation and the customer is told."""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.error import Forbidden
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext, chat_language
from bot.domain.ratings import handoff_subject
from bot.services.handoff import (
    ClosedHandoff,
    StaffRelayOutcome,
    close_handoff,
    relay_from_staff,
)
from bot.services.reachability import chat_blocked
from handlers import ratings
from handlers.handoff import RELAYABLE, TelegramForum, post_in_topic, staff_translator

_HINTED_KEY = "handoff_member_hints"


def _topic(update: Update, context: BotContext) -> tuple[int, Message, int | None] | None:
    """The support chat, the message and its topic thread (None outside a topic); None when the
    update is not a message in the support chat."""
    support_chat_id = context.services.settings.support_chat_id
    chat, message = update.effective_chat, update.effective_message
    if support_chat_id is None or chat is None or message is None or chat.id != support_chat_id:
        return None
    thread_id = message.message_thread_id if message.is_topic_message else None
    return support_chat_id, message, thread_id


def _from_staff(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.services.settings.staff_ids


async def relay_staff_message(update: Update, context: BotContext) -> None:
    """A staff member's message in a customer's topic goes to the customer as the shop. Anyone
    else's, and anything outside an open hand-off, is relayed nowhere (and answered quietly:
    nothing reaches a customer that staff did not write)."""
    found = _topic(update, context)
    if found is None:
        return
    support_chat_id, message, thread_id = found
    if thread_id is None:
        raise ApplicationHandlerStop
    if not _from_staff(update, context):
        await _hint_member(update, context, support_chat_id, thread_id)
        raise ApplicationHandlerStop
    relay = await relay_from_staff(
        context.services.store,
        TelegramForum(context.bot, support_chat_id),
        support_chat_id=support_chat_id,
        thread_id=thread_id,
        message_id=message.message_id,
        now=context.services.clock.now(),
    )
    t = staff_translator(context)
    if relay.outcome is StaffRelayOutcome.CLOSED:
        text = t.gettext(
            "Not sent: this conversation is closed. It reopens when the customer writes again."
        )
        await post_in_topic(context, support_chat_id, thread_id, text)
    elif relay.outcome is StaffRelayOutcome.UNDELIVERABLE:
        text = t.gettext(
            "Not delivered: the customer has blocked the bot in every chat linked to them."
        )
        await post_in_topic(context, support_chat_id, thread_id, text)
    elif relay.outcome is StaffRelayOutcome.NO_CHAT:
        text = t.gettext("Not delivered: no chat is linked to the customer any more.")
        await post_in_topic(context, support_chat_id, thread_id, text)
    raise ApplicationHandlerStop


async def _hint_member(
    update: Update, context: BotContext, support_chat_id: int, thread_id: int
) -> None:
    """A member without staff rights wrote in a customer's topic: tell them, once per member and
    topic, that only staff messages reach the customer (in the support chat's language)."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    if await context.services.store.handoff_in_thread(support_chat_id, thread_id) is None:
        return
    # Why: kept in memory: after a restart a member may read the hint once more, which is
    # harmless; a table for it would outweigh the hint.
    hinted: set[tuple[int, int]] = context.bot_data.setdefault(_HINTED_KEY, set())
    if (thread_id, user.id) in hinted:
        return
    hinted.add((thread_id, user.id))
    t = staff_translator(context)
    text = t.gettext("Only messages from staff reach the customer; yours stays in this topic.")
    await post_in_topic(context, support_chat_id, thread_id, text)


async def quiet_in_support_chat(update: Update, context: BotContext) -> None:
    """Anything else written in the support chat (service messages, edits, contacts) goes
    nowhere: the customers' flows must not answer in the staff's forum."""
    if _topic(update, context) is not None:
        raise ApplicationHandlerStop


async def close_conversation(update: Update, context: BotContext) -> None:
    """/close in a customer's topic (staff only): end the hand-off, tell the customer in their
    language, close the topic. Anyone else's /close changes nothing."""
    found = _topic(update, context)
    if found is None:
        return
    support_chat_id, _, thread_id = found
    if not _from_staff(update, context):
        raise ApplicationHandlerStop
    t = staff_translator(context)
    if thread_id is None:
        await context.bot.send_message(
            support_chat_id, t.gettext("Send /close inside a customer's topic.")
        )
        raise ApplicationHandlerStop
    user = update.effective_user
    assert user is not None
    forum = TelegramForum(context.bot, support_chat_id)
    closed = await close_handoff(
        context.services.store,
        forum,
        support_chat_id=support_chat_id,
        thread_id=thread_id,
        actor=f"staff:{user.id}",
        now=context.services.clock.now(),
    )
    if closed is None:
        await post_in_topic(
            context, support_chat_id, thread_id, t.gettext("This conversation is not open.")
        )
        raise ApplicationHandlerStop
    told = await _tell_customer(context, closed)
    await post_in_topic(
        context,
        support_chat_id,
        thread_id,
        t.gettext("Conversation closed; the customer was told.")
        if told
        else t.gettext("Conversation closed; the customer could not be told (bot blocked)."),
    )
    await forum.close_topic(thread_id)
    await after_handoff_closed(context, closed)
    raise ApplicationHandlerStop


async def _tell_customer(context: BotContext, closed: ClosedHandoff) -> bool:
    """Tell the customer, in their chat's language, that the conversation is closed."""
    if closed.chat_id is None:
        return False
    services = context.services
    t = services.catalogs.translator(await chat_language(services, closed.chat_id, None))
    text = t.gettext(
        "Our team has closed this conversation. Write again within 24 hours to reopen it; "
        "later, send /human."
    )
    try:
        await context.bot.send_message(closed.chat_id, text)
    except Forbidden:
        await chat_blocked(services.store, closed.chat_id, now=services.clock.now())
        return False
    return True


async def after_handoff_closed(context: BotContext, closed: ClosedHandoff) -> None:
    """Ask the customer once for a 1-5 rating of the conversation (DESIGN §12 CSAT)."""
    await ratings.ask(
        context.services, customer_id=closed.customer_id, subject=handoff_subject(closed.handoff_id)
    )


def grouped_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Handlers in the hand-off group: staff writing in a topic, and /close."""
    return [
        CommandHandler("close", close_conversation, filters=filters.ChatType.SUPERGROUP),
        MessageHandler(
            filters.ChatType.SUPERGROUP & filters.UpdateType.MESSAGE & RELAYABLE,
            relay_staff_message,
        ),
        MessageHandler(filters.ChatType.SUPERGROUP & ~filters.COMMAND, quiet_in_support_chat),
    ]
