"""/start: link the chat to a customer by deep link, order number + email/phone, or own contact."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import BotContext
from bot.domain.order_number import order_key
from bot.i18n import Translator
from bot.services.dispatcher import keyboard
from bot.services.intents import IntentKind, parse_intent
from bot.services.linking import (
    Expired,
    Linked,
    LinkResult,
    LockedOut,
    NotContact,
    Refused,
    link_by_contact,
    link_by_order_contact,
    link_by_token,
)
from bot.services.notices import pending_questions
from bot.services.reachability import customer_reachable
from handlers import free_text
from handlers.chat_links import announcement_renderer
from handlers.common import answer_press, label, linked_customer_id, respond
from handlers.free_text import vocabularies
from handlers.link_alerts import lockout_alerting
from handlers.menu import LINK_DATA
from handlers.notices import dates_seen, render_notices
from handlers.orders import orders_screen, seen_orders, show_orders

ASK_ORDER, ASK_EMAIL_OR_PHONE = range(2)
END = ConversationHandler.END
_ORDER_KEY = "linking_order_id"
_ORDER_INTENTS = (IntentKind.SHOW_ORDER, IntentKind.CANCEL)


async def start(update: Update, context: BotContext) -> int:
    """Link at once with a deep-link payload; else greet a linked chat or ask for the order."""
    chat = update.effective_chat
    if chat is None:
        return END
    services = context.services
    if context.chat_data is not None:
        context.chat_data.pop(_ORDER_KEY, None)
    if context.args:
        result = await link_by_token(
            services.store,
            services.settings,
            chat.id,
            context.args[0],
            now=services.clock.now(),
            announce=announcement_renderer(services),
        )
        return await _report(update, context, result)
    if await linked_customer_id(update, context) is not None:
        t = await context.translator(update)
        text = t.gettext(
            "Welcome back! This chat is linked to your orders. "
            "To link it to someone else's orders, first send /unlink."
        )
        await chat.send_message(text, reply_markup=ReplyKeyboardRemove())
        await _send_orders(update, context)
        return END
    return await ask_order_number(update, context)


async def ask_order_number(update: Update, context: BotContext) -> int:
    """Ask for the order number, offering the phone-number button instead."""
    chat = update.effective_chat
    if chat is None:
        return END
    await answer_press(update)
    if context.chat_data is not None:
        context.chat_data.pop(_ORDER_KEY, None)
    t = await context.translator(update)
    text = t.gettext(
        "Hello! I can tell you when the items you ordered will ship.\n\n"
        "To find your orders, please send me your <b>order number</b>. "
        "Or tap “Share my phone number” below if it is the phone number on your orders.\n\n"
        "Send /cancel to stop."
    )
    await chat.send_message(text, reply_markup=contact_keyboard(t))
    return ASK_ORDER


async def got_order_number(update: Update, context: BotContext) -> int:
    """Remember the order number and ask for the email or phone on it (whether it exists or not)."""
    message = update.effective_message
    if message is None or not message.text or context.chat_data is None:
        return ASK_ORDER
    t = await context.translator(update)
    # Why: a message without a digit is no order number, so it must not use up an attempt (§6).
    if order_key(message.text) is None:
        await message.reply_text(
            t.gettext(
                "An order number has digits in it, like 1042. Please send the "
                "<b>order number</b> from your order confirmation."
            ),
            reply_markup=contact_keyboard(t),
        )
        return ASK_ORDER
    context.chat_data[_ORDER_KEY] = message.text
    await message.reply_text(
        t.gettext(
            "Thank you. Now please send the <b>email address or phone number</b> on that order."
        )
    )
    return ASK_EMAIL_OR_PHONE


async def got_email_or_phone(update: Update, context: BotContext) -> int:
    """Check the order number with the email or phone and link when they match."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or not message.text or context.chat_data is None:
        return ASK_EMAIL_OR_PHONE
    order_id = str(context.chat_data.get(_ORDER_KEY, ""))
    services = context.services
    result = await link_by_order_contact(
        services.store,
        chat.id,
        order_id,
        message.text,
        now=services.clock.now(),
        alerts=lockout_alerting(services),
        announce=announcement_renderer(services),
    )
    if isinstance(result, NotContact):
        # Why: "ok thanks" is no wrong answer; the order number stays and no attempt is used up.
        t = await context.translator(update)
        await message.reply_text(
            t.gettext(
                "That doesn't look like an email address or a phone number. Please send the "
                "<b>email address or phone number</b> on that order, or /cancel to stop."
            )
        )
        return ASK_EMAIL_OR_PHONE
    context.chat_data.pop(_ORDER_KEY, None)
    return await _report(update, context, result)


async def typed_order_number(update: Update, context: BotContext) -> int:
    """A message with digits outside linking: an unlinked chat's order number starts linking.

    Why: customers send "10485" or "where is order 10485" without /start; anything else (and
    every message of a linked chat) is ordinary free text.
    """
    message = update.effective_message
    text = message.text if message is not None else None
    if text and await linked_customer_id(update, context) is None:
        intent = parse_intent(text, vocabularies(context.services.catalogs))
        if intent.order_id is not None and intent.kind in _ORDER_INTENTS:
            return await _ask_contact_for(update, context, text)
    await free_text.understand(update, context)
    return END


async def orders_command_number(update: Update, context: BotContext) -> int:
    """`/orders 10485` in an unlinked chat starts linking with that number; else lists orders."""
    typed = " ".join(context.args or ())
    if await linked_customer_id(update, context) is None and order_key(typed) is not None:
        return await _ask_contact_for(update, context, typed)
    await show_orders(update, context)
    return END


async def _ask_contact_for(update: Update, context: BotContext, order_number: str) -> int:
    message = update.effective_message
    if message is None or context.chat_data is None:
        return END
    context.chat_data[_ORDER_KEY] = order_number
    t = await context.translator(update)
    await message.reply_text(
        t.gettext(
            "To show you that order, I first need to link this chat to your orders. Please "
            "send the <b>email address or phone number</b> on that order, or /cancel to stop."
        ),
        reply_markup=ReplyKeyboardRemove(),
    )
    return ASK_EMAIL_OR_PHONE


async def got_contact(update: Update, context: BotContext) -> int:
    """Link by a shared contact, but only the sender's own."""
    message = update.effective_message
    chat = update.effective_chat
    user = update.effective_user
    if message is None or message.contact is None or chat is None or user is None:
        return END
    if message.contact.user_id != user.id:
        t = await context.translator(update)
        await message.reply_text(
            t.gettext(
                "Please share your own phone number with the button below, "
                "or send me your <b>order number</b>."
            ),
            reply_markup=contact_keyboard(t),
        )
        return ASK_ORDER
    services = context.services
    result = await link_by_contact(
        services.store,
        chat.id,
        message.contact.phone_number,
        now=services.clock.now(),
        announce=announcement_renderer(services),
    )
    return await _report(update, context, result)


async def cancel(update: Update, context: BotContext) -> int:
    """Stop linking."""
    chat = update.effective_chat
    if context.chat_data is not None:
        context.chat_data.pop(_ORDER_KEY, None)
    if chat is not None:
        t = await context.translator(update)
        await chat.send_message(
            t.gettext("All right, I stopped. Send /start whenever you want to try again."),
            reply_markup=ReplyKeyboardRemove(),
        )
    return END


async def _report(update: Update, context: BotContext, result: LinkResult) -> int:
    chat = update.effective_chat
    if chat is None:
        return END
    if isinstance(result, Linked):
        await dates_seen(context, result.customer_id)
        # Why: the customer's own language is known only now that the chat is linked.
        context.forget_chat_profile()
        t = await context.translator(update)
        customer = await context.services.store.get_customer(result.customer_id)
        name = customer.name if customer else ""
        await chat.send_message(
            t.gettext("Thank you, {name}! This chat is now linked to your orders.", name=name),
            reply_markup=ReplyKeyboardRemove(),
        )
        await _send_orders(update, context)
        await _send_pending_questions(update, context, result.customer_id)
        # Why: after the orders were shown, so the fresh notices follow what the customer saw.
        await customer_reachable(
            context.services.store, result.customer_id, now=context.services.clock.now()
        )
        return END
    t = await context.translator(update)
    if isinstance(result, LockedOut):
        text = t.ngettext(
            "For your security I paused linking after several unsuccessful attempts. "
            "Please try again in {n} minute.",
            "For your security I paused linking after several unsuccessful attempts. "
            "Please try again in {n} minutes.",
            result.retry_in_minutes,
        )
        await chat.send_message(text, reply_markup=ReplyKeyboardRemove())
        return END
    if isinstance(result, Expired):
        text = t.gettext(
            "This link has expired. Please send me your <b>order number</b> instead, "
            "or ask us for a new link."
        )
        await chat.send_message(text, reply_markup=contact_keyboard(t))
        return ASK_ORDER
    assert isinstance(result, Refused)
    text = t.gettext(
        "Sorry, I couldn't match those details to an order. Please check them and send "
        "the <b>order number</b> again, or tap “Share my phone number”."
    )
    await chat.send_message(text, reply_markup=contact_keyboard(t))
    return ASK_ORDER


async def _send_orders(update: Update, context: BotContext) -> None:
    t = await context.translator(update)
    customer_id = await linked_customer_id(update, context)
    if customer_id is None:
        return
    views = await seen_orders(context, customer_id)
    await respond(update, *orders_screen(t, views))


async def _send_pending_questions(update: Update, context: BotContext, customer_id: str) -> None:
    """Delay questions decided while no chat was linked, with their answer buttons."""
    chat = update.effective_chat
    questions = await pending_questions(context.services.store, customer_id)
    if chat is None or not questions:
        return
    rendered = render_notices(await context.translator(update), questions)
    await chat.send_message(rendered.text, reply_markup=keyboard(rendered.buttons))


def contact_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    """The reply keyboard with the "share my phone number" button."""
    button = KeyboardButton(label(t.gettext("Share my phone number")), request_contact=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


def _conversation() -> ConversationHandler[BotContext]:
    text = filters.TEXT & ~filters.COMMAND
    contact: BaseHandler[Update, BotContext, object] = MessageHandler(filters.CONTACT, got_contact)
    restart: list[BaseHandler[Update, BotContext, object]] = [
        CommandHandler("start", start),
        CallbackQueryHandler(ask_order_number, pattern=f"^{LINK_DATA}$"),
    ]
    with warnings.catch_warnings():
        # Why: the "Find my orders" button only starts the flow; later steps are plain messages.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message=False")
        return ConversationHandler(
            entry_points=[
                *restart,
                contact,
                MessageHandler(text & filters.Regex(r"\d"), typed_order_number),
                CommandHandler("orders", orders_command_number, has_args=True),
            ],
            states={
                ASK_ORDER: [MessageHandler(text, got_order_number), contact],
                ASK_EMAIL_OR_PHONE: [MessageHandler(text, got_email_or_phone), contact],
            },
            # Why: re-entry through fallbacks, not allow_reentry, so a phone number typed at a
            # step is that step's answer and never a new start by the order-number entry point.
            fallbacks=[CommandHandler("cancel", cancel), *restart],
            name="linking",
            # Why: the step lives in the database, so the next update may land on any instance
            # (DESIGN §13, bot/persistence.py).
            persistent=True,
        )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers (fresh ones: a conversation keeps state per application)."""
    return [_conversation()]
