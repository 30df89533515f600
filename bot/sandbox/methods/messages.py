"""sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage, sendChatAction."""

from __future__ import annotations

from bot.sandbox.errors import bad_request
from bot.sandbox.markup import parse_markup
from bot.sandbox.methods.base import (
    Call,
    Method,
    formatted_text,
    guard_send,
    refuse_if_blocked,
    topic_of,
)
from bot.sandbox.state import Chat, ShownMessage

CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


async def send_message(call: Call) -> object:
    """Send a text message to a private chat or a supergroup (a forum topic with
    `message_thread_id`)."""
    params = call.params
    chat = call.bot.chat(params.chat_id())
    text = formatted_text(params)
    markup = parse_markup(params.json_value("reply_markup"))
    reply_to = _reply_target(call, chat)
    thread_id = topic_of(call, chat)
    params.boolean("disable_notification")
    params.boolean("protect_content")
    params.json_value("link_preview_options")
    paid = bool(params.boolean("allow_paid_broadcast"))
    guard_send(call, chat, paid=paid)
    message = ShownMessage(
        message_id=chat.next_message_id(),
        from_bot=True,
        date=call.world.unix_now(),
        text=text.text,
        html=text.html,
        entities=text.entities,
        markup=markup,
        reply_to=reply_to,
        thread_id=thread_id,
    )
    chat.messages[message.message_id] = message
    call.world.stats.messages_sent += 1
    call.world.stats.paid_messages += paid
    call.world.record_message(chat, "bot_message", message)
    return call.bot.message_json(chat, message)


def _reply_target(call: Call, chat: Chat) -> int | None:
    value = call.params.json_value("reply_parameters")
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("message_id"), int):
        raise bad_request("can't parse reply parameters JSON object")
    message_id = int(value["message_id"])
    if message_id in chat.messages:
        return message_id
    if value.get("allow_sending_without_reply"):
        return None
    raise bad_request("message to be replied not found")


async def edit_message_text(call: Call) -> object:
    """Replace a bot message's text (and its inline keyboard, removed when not given)."""
    chat, message = _editable(call)
    if message.media is not None:
        raise bad_request("there is no text in the message to edit")
    text = formatted_text(call.params)
    markup = parse_markup(call.params.json_value("reply_markup"), inline_only=True)
    call.params.json_value("link_preview_options")
    unchanged = (
        message.text == text.text
        and message.entities == text.entities
        and _inline_source(message) == (markup.source if markup else None)
    )
    if unchanged:
        raise bad_request(NOT_MODIFIED)
    guard_send(call, chat)
    message.text, message.html, message.entities = text.text, text.html, text.entities
    message.markup = markup
    return _edited(call, chat, message)


async def edit_message_reply_markup(call: Call) -> object:
    """Replace or remove a bot message's inline keyboard."""
    chat, message = _editable(call)
    markup = parse_markup(call.params.json_value("reply_markup"), inline_only=True)
    if _inline_source(message) == (markup.source if markup else None):
        raise bad_request(NOT_MODIFIED)
    guard_send(call, chat)
    message.markup = markup
    return _edited(call, chat, message)


def _inline_source(message: ShownMessage) -> dict[str, object] | None:
    inline = message.inline_markup
    return inline.source if inline is not None else None


def _editable(call: Call) -> tuple[Chat, ShownMessage]:
    params = call.params
    if params.has("inline_message_id"):
        raise bad_request("message to edit not found")
    chat_id = params.chat_id()
    if chat_id is None:
        raise bad_request("chat_id is empty")
    chat = call.bot.chat(chat_id)
    message_id = params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot or message.contact is not None or message.service is not None:
        raise bad_request("message can't be edited")
    if message.photo is not None:
        raise bad_request("there is no text in the message to edit")
    return chat, message


def _edited(call: Call, chat: Chat, message: ShownMessage) -> object:
    message.edit_date = call.world.unix_now()
    call.world.stats.messages_edited += 1
    call.world.record_message(chat, "bot_edit", message)
    return call.bot.message_json(chat, message)


async def delete_message(call: Call) -> object:
    """Delete a message from the chat."""
    chat = call.bot.chat(call.params.chat_id())
    message_id = call.params.integer("message_id")
    if message_id is None or chat.messages.pop(message_id, None) is None:
        raise bad_request("message to delete not found")
    return True


async def send_chat_action(call: Call) -> object:
    """Show "typing…" and the like; nothing is recorded."""
    chat = call.bot.chat(call.params.chat_id())
    if call.params.string("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    call.params.integer("message_thread_id")
    refuse_if_blocked(call, chat)
    return True


METHODS = (
    Method(
        "sendMessage",
        send_message,
        required=("chat_id", "text"),
        optional=(
            "message_thread_id",
            "parse_mode",
            "entities",
            "link_preview_options",
            "disable_notification",
            "protect_content",
            "allow_paid_broadcast",
            "reply_parameters",
            "reply_markup",
        ),
    ),
    Method(
        "editMessageText",
        edit_message_text,
        optional=(
            "chat_id",
            "message_id",
            "inline_message_id",
            "text",
            "parse_mode",
            "entities",
            "link_preview_options",
            "reply_markup",
        ),
    ),
    Method(
        "editMessageReplyMarkup",
        edit_message_reply_markup,
        optional=("chat_id", "message_id", "inline_message_id", "reply_markup"),
    ),
    Method("deleteMessage", delete_message, required=("chat_id", "message_id")),
    Method(
        "sendChatAction",
        send_chat_action,
        required=("chat_id", "action"),
        optional=("message_thread_id",),
    ),
)
