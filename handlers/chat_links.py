"""A customer's other chats are told of a newly linked chat and may remove it (issue 8)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext, Services
from bot.domain.outbox import Button
from bot.services.linking import (
    AnnouncementRenderer,
    NewChatLinked,
    other_chat_link,
    remove_other_chat,
)
from bot.services.notices import RenderedMessage
from handlers.common import answer_press, button, label, linked_customer_id, respond
from handlers.menu import main_menu
from handlers.unlink import UNLINK_NO

ASK_REMOVE = "lr:"
CONFIRM_REMOVE = "lx:"


def announcement_renderer(services: Services) -> AnnouncementRenderer:
    """How the other chats read of a new one: in each chat's language, with a removal button."""
    catalogs, zone = services.catalogs, services.settings.timezone

    def render(languages: tuple[str | None, ...], new: NewChatLinked) -> RenderedMessage:
        t = catalogs.translator(*languages)
        text = t.gettext(
            "A new Telegram chat was linked to your orders on {date}. "
            "If this was not you, remove it.",
            date=t.date(new.linked_at.astimezone(zone).date()),
        )
        remove = Button(label(t.gettext("Remove that chat")), ASK_REMOVE + new.handle)
        return RenderedMessage(text, ((remove,),))

    return render


async def ask_remove(update: Update, context: BotContext) -> None:
    """Ask before removing the other chat the button names; a stale button changes nothing."""
    handle = _handle(update, ASK_REMOVE)
    chat = update.effective_chat
    t = await context.translator(update)
    link = await other_chat_link(context.services.store, chat.id, handle) if chat else None
    if link is None:
        await answer_press(update, t.gettext("This button is no longer available."))
        return
    await answer_press(update)
    text = t.gettext(
        "Remove the chat that was linked to your orders on {date}? It will no longer see your "
        "orders or get messages about them.",
        date=t.date(link.linked_at.astimezone(context.services.settings.timezone).date()),
    )
    buttons = [
        button(t.gettext("Yes, remove it"), CONFIRM_REMOVE + handle),
        button(t.gettext("No, keep it"), UNLINK_NO),
    ]
    await respond(update, text, InlineKeyboardMarkup([buttons]))


async def confirm_remove(update: Update, context: BotContext) -> None:
    """Unlink the other chat (re-checked on the server, audited) and say so in place."""
    handle = _handle(update, CONFIRM_REMOVE)
    chat = update.effective_chat
    services = context.services
    t = await context.translator(update)
    removed = chat is not None and await remove_other_chat(
        services.store, chat.id, handle, now=services.clock.now()
    )
    if not removed:
        await answer_press(update, t.gettext("This button is no longer available."))
        return
    await answer_press(update)
    linked = await linked_customer_id(update, context) is not None
    await respond(
        update,
        t.gettext("Done. That chat is no longer linked to your orders."),
        main_menu(t, linked=linked),
    )


def _handle(update: Update, prefix: str) -> str:
    query = update.callback_query
    data = query.data if query is not None and isinstance(query.data, str) else ""
    return data.removeprefix(prefix)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        CallbackQueryHandler(ask_remove, pattern=f"^{ASK_REMOVE}[A-Za-z0-9_=-]+$"),
        CallbackQueryHandler(confirm_remove, pattern=f"^{CONFIRM_REMOVE}[A-Za-z0-9_=-]+$"),
    ]
