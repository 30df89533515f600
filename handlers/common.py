"""Telegram mechanics shared by the flows: best-effort answers and edits, the chat's customer."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest

from bot.context import BotContext
from bot.domain.control_characters import CONTROL
from bot.i18n import N_, Translator

Markup = InlineKeyboardMarkup | ReplyKeyboardRemove | None
# Why: after a change is committed, these refusals only mean the press or the message is past
# reach (answered late, deleted, too old); the outcome must still reach the customer.
_GONE = (
    "query is too old",
    "query id is invalid",
    "message to edit not found",
    "message can't be edited",
)
_NOT_MODIFIED = "message is not modified"
# Why: a product name in a button shows in full only up to about this; the rest is cut with "…".
NAME_IN_LABEL = 28
# Why: a label longer than a phone's width is cut by the app anyway, and long labels add up to
# Telegram's "reply markup is too long".
_LABEL_LIMIT = 64
_ELLIPSIS = "…"
# TRANSLATORS: a product on a button, told apart from a like-named one by its place in the order.
NUMBERED_ITEM = N_("{product} (item {number})")
# Why: below this a name has no room for both of its ends.
_MIDDLE_CUT_MIN = 8
# Telegram's limit on the text of an answer to a press (Bot API answerCallbackQuery).
_ANSWER_LIMIT = 200


async def answer_press(
    update: Update, text: str | None = None, *, alert: bool = False, resend: bool = True
) -> None:
    """Answer the press (plain `text`, a toast or alert); too late, send it (when `resend`)."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(cut(text, _ANSWER_LIMIT) if text else None, show_alert=alert)
    except BadRequest as exc:
        if not _gone(exc):
            raise
        if text and resend:
            await send_new(update, html.escape(text))


async def respond(update: Update, text: str, markup: Markup = None) -> Message | None:
    """Edit the message under a pressed button in place, else (or when it is gone) send anew."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
        edited = await edit_in_place(query.message, text, inline)
        if edited is not None:
            return edited
    return await send_new(update, text, markup)


async def send_new(update: Update, text: str, markup: Markup = None) -> Message | None:
    """A new message in the update's chat (HTML `text`); None without a chat."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, reply_markup=markup)


async def edit_in_place(
    message: Message, text: str, markup: InlineKeyboardMarkup | None
) -> Message | None:
    """The message edited (unchanged counts as edited); None when it can no longer be edited."""
    try:
        edited = await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:
        # Why: pressing the same button twice asks for an edit that changes nothing.
        if _NOT_MODIFIED in str(exc).lower():
            return message
        if _gone(exc):
            return None
        raise
    return edited if isinstance(edited, Message) else message


def _gone(exc: BadRequest) -> bool:
    reason = str(exc).lower()
    return any(marker in reason for marker in _GONE)


async def linked_customer_id(update: Update, context: BotContext) -> str | None:
    """The customer this update's chat is linked to."""
    return (await context.chat_profile(update)).customer_id


def label(text: str) -> str:
    """A translated message made fit for a button, which shows plain text, not HTML."""
    return html.unescape(text)


def button(text: str, data: str) -> InlineKeyboardButton:
    """A callback button: the translated (HTML) `text` as a plain label of at most 64 characters."""
    return InlineKeyboardButton(short(label(text), _LABEL_LIMIT), callback_data=data)


def short(name: str, limit: int = NAME_IN_LABEL) -> str:
    """A product name on one line, controls dropped, cut in the middle to `limit` with "…" (§7).

    Why the middle: the names of a range differ at their end ("… pan 1/1 GN no.07"), so the end
    keeps most of the room; both cuts fall between words where a word boundary is near.
    """
    # Why: a bidi override in a stored name would reorder the rest of the customer's message.
    text = " ".join(CONTROL.sub(" ", name).split())
    if len(text) <= limit or limit < _MIDDLE_CUT_MIN:
        return cut(text, limit)
    head = _word_start(text, max(1, (limit - 1) // 3))
    room = max(1, limit - len(head) - len(_ELLIPSIS))
    return head + _ELLIPSIS + _word_end(text, room)


def _word_start(text: str, size: int) -> str:
    """At most `size` leading characters (one more for a space), not ending inside a word."""
    piece = text[:size]
    if text[size] == " ":
        return piece + " "
    boundary = piece.rfind(" ")
    # Why: snapping back to a word boundary must not throw away most of the room.
    return piece[: boundary + 1] if boundary >= size // 2 else piece


def _word_end(text: str, size: int) -> str:
    """At most `size` trailing characters, not starting inside a word."""
    piece = text[-size:]
    boundary = piece.find(" ")
    return piece[boundary:] if 0 <= boundary <= size // 2 else piece


def distinct_shorts(
    t: Translator, names: Sequence[tuple[int, str]], limit: int = NAME_IN_LABEL
) -> dict[int, str]:
    """Short names (`short`) for items numbered as the customer counts them, told apart.

    Names still alike when shortened (or the same product twice) get their item's number:
    "Stainless … no.07 (item 3)". Keys are the given numbers.
    """
    shorts = {number: short(name, limit) for number, name in names}
    seen = Counter(shorts.values())
    for number, name in names:
        if seen[shorts[number]] > 1:
            count = t.number(number)
            room = limit - len(label(t.gettext(NUMBERED_ITEM, product="", number=count)))
            shorts[number] = label(
                t.gettext(NUMBERED_ITEM, product=short(name, max(1, room)), number=count)
            )
    return shorts


def cut(text: str, limit: int) -> str:
    """`text` as it is when it fits `limit` characters, else cut with "…"."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + _ELLIPSIS
