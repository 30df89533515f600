"""Talk to a person (DESIGN §12): /human and the order screen's button open the customer's forum
topic in the support chat; while it is open their messages (text, photos) are mirrored there."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from contextlib import suppress
from datetime import datetime, tzinfo
from typing import Any

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.domain.fitting import split_lines
from bot.domain.handoffs import Undeliverable, topic_title
from bot.domain.support_hours import SupportHours
from bot.domain.time_zones import named_zone
from bot.i18n import Translator
from bot.services.handoff import Opened, open_handoff, relay_from_customer
from bot.services.staff_lookup import staff_order
from bot.services.status import customer_orders
from handlers.common import answer_press, linked_customer_id, send_new
from handlers.menu import HUMAN_DATA, main_menu
from handlers.orders import not_linked_text
from handlers.staff.find import find_text

# Why: PTB runs groups in order; this one comes after a rating's comment (group -2) and
# before the flows of group 0, which must not see a message that went to staff.
GROUP = -1
_LOCKS_KEY = "handoff_locks"
# What is relayed either way: messages with content copyMessage can copy (not service messages,
# contacts or commands). The task asks for text and photos; files and voice copy the same way.
RELAYABLE = (
    filters.TEXT
    | filters.PHOTO
    | filters.Document.ALL
    | filters.VIDEO
    | filters.VOICE
    | filters.AUDIO
    | filters.Sticker.ALL
    | filters.ANIMATION
    | filters.VIDEO_NOTE
) & ~filters.COMMAND
# Why: Telegram's reason texts when a topic is already in the state asked for, or is gone.
_NOT_MODIFIED = "topic_not_modified"
_GONE = ("thread not found", "topic_id_invalid", "topic_deleted")


class TelegramForum:
    """The support chat's forum topics and message copies through the Bot API."""

    def __init__(self, bot: Bot, support_chat_id: int) -> None:
        self._bot = bot
        self._chat_id = support_chat_id

    async def create_topic(self, name: str) -> int:
        """Create a topic; its message_thread_id."""
        topic = await self._bot.create_forum_topic(self._chat_id, name)
        return topic.message_thread_id

    async def reopen_topic(self, thread_id: int, name: str) -> bool:
        """Reopen and rename a topic; False when it was deleted."""
        try:
            await self._bot.reopen_forum_topic(self._chat_id, thread_id)
        except BadRequest as exc:
            reason = str(exc).lower()
            if any(marker in reason for marker in _GONE):
                return False
            if _NOT_MODIFIED not in reason:
                raise
        # Why: the name carries the order numbers, which change; an unchanged name is refused.
        with suppress(BadRequest):
            await self._bot.edit_forum_topic(self._chat_id, thread_id, name=name)
        return True

    async def close_topic(self, thread_id: int) -> None:
        """Close a topic; one closed or gone already is fine."""
        with suppress(BadRequest):
            await self._bot.close_forum_topic(self._chat_id, thread_id)

    async def copy(
        self, from_chat_id: int, message_id: int, to_chat_id: int, thread_id: int | None
    ) -> int:
        """Copy a message as the bot's own; Undeliverable when the target blocked the bot."""
        try:
            copied = await self._bot.copy_message(
                to_chat_id, from_chat_id, message_id, message_thread_id=thread_id
            )
        except Forbidden as exc:
            raise Undeliverable(str(exc)) from exc
        return copied.message_id


def customer_lock(context: BotContext, customer_id: str) -> asyncio.Lock:
    """One customer's hand-off steps run one at a time (they may write from several chats)."""
    locks = context.bot_data.setdefault(_LOCKS_KEY, defaultdict(asyncio.Lock))
    lock = locks[customer_id]
    assert isinstance(lock, asyncio.Lock)
    return lock


def staff_translator(context: BotContext) -> Translator:
    """The support chat's language: the default language."""
    return context.services.catalogs.translator(None)


async def customer_title(context: BotContext, customer_id: str) -> str:
    """The topic's name: the customer's name and the numbers of their open orders."""
    store = context.services.store
    customer = await store.get_customer(customer_id)
    views = await customer_orders(store, customer_id)
    name = customer.name if customer else customer_id
    return topic_title(name, [view.order.order_id for view in views])


async def order_card(context: BotContext, customer_id: str, t: Translator) -> list[str]:
    """The card that starts a hand-off: who asks, every open order as /find shows it, and how
    to answer; split into messages that fit."""
    store = context.services.store
    customer = await store.get_customer(customer_id)
    name = customer.name if customer else customer_id
    parts = [
        t.gettext(
            "<b>{name}</b> ({customer_id}) asked to talk to a person.",
            name=name,
            customer_id=customer_id,
        )
    ]
    views = await customer_orders(store, customer_id)
    for view in views:
        found = await staff_order(store, view.order.order_id, now=context.services.clock.now())
        if found is not None:
            parts.append(find_text(t, found, context.services.settings.timezone))
    if not views:
        parts.append(t.gettext("No open orders."))
    parts.append(
        t.gettext(
            "Write in this topic to answer: the customer gets your messages from the shop, "
            "without your name. /close ends the conversation."
        )
    )
    return split_lines("\n\n".join(parts))


async def post_in_topic(
    context: BotContext, support_chat_id: int, thread_id: int, text: str
) -> None:
    """A message of the bot in a topic of the support chat."""
    await context.bot.send_message(support_chat_id, text, message_thread_id=thread_id)


async def announce(
    context: BotContext, customer_id: str, opened: Opened, *, card: bool = True
) -> None:
    """What staff see in the topic when a hand-off opens: a line when it reopens, then the card
    (without `card`: only the line, as when the customer's message reopens the topic and
    follows at once; the card is already above in the topic)."""
    t = staff_translator(context)
    handoff = opened.handoff
    if opened.reopened:
        await post_in_topic(
            context,
            handoff.support_chat_id,
            handoff.thread_id,
            t.gettext("Conversation reopened by the customer."),
        )
        if not card:
            return
    for piece in await order_card(context, customer_id, t):
        await post_in_topic(context, handoff.support_chat_id, handoff.thread_id, piece)


def expected_reply_line(
    t: Translator,
    hours: SupportHours | None,
    now: datetime,
    business_zone: tzinfo,
    customer_zone: tzinfo | None,
) -> str:
    """When the customer may expect an answer, honestly: in the customer's own time zone when
    it is known, else in the business's with its city named (DESIGN §12 working hours)."""
    if hours is None:
        return t.gettext("Our team answers here as soon as they can.")
    status = hours.status(now, business_zone)
    zone = customer_zone or business_zone
    moment = status.until if status.open else status.back_at
    assert moment is not None
    local = moment.astimezone(zone)
    time_text = t.time(local.time())
    if customer_zone is None:
        time_text = t.gettext("{time} ({zone} time)", time=time_text, zone=t.zone_city(zone))
    if status.open:
        return t.gettext(
            "Our team usually answers within working hours, today until {time}.", time=time_text
        )
    days = (local.date() - now.astimezone(zone).date()).days
    if days == 0:
        when = t.gettext("today at {time}", time=time_text)
    elif days == 1:
        when = t.gettext("tomorrow at {time}", time=time_text)
    else:
        when = t.gettext("{weekday} at {time}", weekday=t.weekday(local.date()), time=time_text)
    return t.gettext("Our team is away now and back {when}; they answer then.", when=when)


async def reply_line(context: BotContext, customer_id: str, t: Translator) -> str:
    """The expected-reply line for this customer now."""
    services = context.services
    customer = await services.store.get_customer(customer_id)
    return expected_reply_line(
        t,
        services.settings.support_hours,
        services.clock.now(),
        services.settings.timezone,
        named_zone(customer.timezone if customer else None),
    )


def not_available_text(t: Translator) -> str:
    """No support chat is configured."""
    return t.gettext(
        "Sorry, chatting with our team isn't available here. Send /help to see what I can do."
    )


async def talk_to_a_person(update: Update, context: BotContext) -> None:
    """/human or the "Talk to a person" button: open (or reopen) the customer's topic."""
    await answer_press(update)
    t = await context.translator(update)
    support_chat_id = context.services.settings.support_chat_id
    if support_chat_id is None:
        await send_new(update, not_available_text(t))
        return
    customer_id = await linked_customer_id(update, context)
    if customer_id is None:
        await send_new(update, not_linked_text(t), main_menu(t, linked=False))
        return
    forum = TelegramForum(context.bot, support_chat_id)
    async with customer_lock(context, customer_id):
        opened = await open_handoff(
            context.services.store,
            forum,
            support_chat_id=support_chat_id,
            customer_id=customer_id,
            title=await customer_title(context, customer_id),
            actor=f"customer:{customer_id}",
            now=context.services.clock.now(),
        )
        if not opened.already_open:
            await announce(context, customer_id, opened)
    text = (
        t.gettext("You are already talking to our team: just write here.")
        if opened.already_open
        else t.gettext(
            "I've asked our team to join. Write your question here (text or photos): "
            "they see it and answer in this chat."
        )
    )
    await send_new(update, text + "\n" + await reply_line(context, customer_id, t))


async def mirror_customer_message(update: Update, context: BotContext) -> None:
    """While the customer's hand-off is open (or closed moments ago: it reopens), mirror their
    message into the topic instead of the bot's own flows; tell them once it reached the team."""
    support_chat_id = context.services.settings.support_chat_id
    chat, message = update.effective_chat, update.effective_message
    if support_chat_id is None or chat is None or message is None:
        return
    customer_id = await linked_customer_id(update, context)
    if customer_id is None:
        return
    forum = TelegramForum(context.bot, support_chat_id)

    async def title() -> str:
        return await customer_title(context, customer_id)

    async def tell_staff(opened: Opened) -> None:
        await announce(context, customer_id, opened, card=False)

    async with customer_lock(context, customer_id):
        relay = await relay_from_customer(
            context.services.store,
            forum,
            customer_id=customer_id,
            chat_id=chat.id,
            message_id=message.message_id,
            title=title,
            announce=tell_staff,
            now=context.services.clock.now(),
        )
    if relay is None:
        return
    if relay.first:
        t = await context.translator(update)
        reached = t.gettext("Your message reached our team.")
        # Why: /human already told them when to expect an answer; a hand-off their message
        # reopened did not, so only then is the line added.
        if relay.opened is not None:
            reached += "\n" + await reply_line(context, customer_id, t)
        await send_new(update, reached)
    raise ApplicationHandlerStop


async def ignore_edit_in_handoff(update: Update, context: BotContext) -> None:
    """An edited message is not relayed again; while a hand-off is open it goes no further
    either (the bot's own flows would answer a message meant for staff)."""
    customer_id = await linked_customer_id(update, context)
    if customer_id is None:
        return
    latest = await context.services.store.latest_handoff(customer_id)
    if latest is not None and latest.is_open:
        raise ApplicationHandlerStop


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """The customer's door to a person (group 0)."""
    return [
        CommandHandler("human", talk_to_a_person, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(talk_to_a_person, pattern=f"^{HUMAN_DATA}$"),
    ]


def grouped_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """The handlers of GROUP: a customer's message mirrored into their open topic."""
    return [
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & RELAYABLE,
            mirror_customer_message,
        ),
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE,
            ignore_edit_in_handoff,
        ),
    ]
