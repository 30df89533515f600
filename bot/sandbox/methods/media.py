"""sendPhoto and sendDocument: multipart uploads, file_ids and URLs, checked as Telegram does."""

from __future__ import annotations

import itertools

from bot.sandbox.errors import bad_request
from bot.sandbox.markup import parse_markup
from bot.sandbox.media import StoredFile, Upload, check_document, check_photo, unique_id
from bot.sandbox.methods.base import Call, Method, formatted_caption, guard_send
from bot.sandbox.state import ShownMessage

_FILE_NUMBERS = itertools.count(1)
_URL_SCHEMES = ("http://", "https://")
_WRONG_ID = "wrong file identifier/HTTP URL specified"
_FLAGS = {
    "photo": ("show_caption_above_media", "has_spoiler", "disable_notification", "protect_content"),
    "document": ("disable_content_type_detection", "disable_notification", "protect_content"),
}


async def send_photo(call: Call) -> object:
    """Send a photo: an uploaded PNG/JPEG, a file_id of an earlier photo, or an HTTP URL."""
    return await _send(call, "photo")


async def send_document(call: Call) -> object:
    """Send a general file: an upload (at most 50 MB), a file_id, or an HTTP URL."""
    return await _send(call, "document")


async def _send(call: Call, kind: str) -> object:
    params = call.params
    chat = call.bot.chat(params.chat_id())
    given = params.file(kind)
    caption = formatted_caption(params)
    markup = parse_markup(params.json_value("reply_markup"))
    for flag in _FLAGS[kind]:
        params.boolean(flag)
    params.integer("message_thread_id")
    stored = _stored(call, kind, given)
    paid = bool(params.boolean("allow_paid_broadcast"))
    guard_send(call, chat, paid=paid)
    call.bot.files[stored.file_id] = stored
    message = ShownMessage(
        message_id=chat.next_message_id(),
        from_bot=True,
        date=call.world.unix_now(),
        text=caption.text,
        html=caption.html,
        entities=caption.entities,
        markup=markup,
        media=(kind, stored),
    )
    chat.messages[message.message_id] = message
    call.world.stats.messages_sent += 1
    call.world.stats.paid_messages += paid
    call.world.stats.files_sent[kind] += 1
    call.world.record_message(chat, "bot_message", message)
    return call.bot.message_json(chat, message)


def _stored(call: Call, kind: str, given: Upload | str | None) -> StoredFile:
    """The file to send: checked when uploaded, looked up by file_id, or named by URL."""
    if isinstance(given, Upload):
        number = next(_FILE_NUMBERS)
        file_id = f"sandbox-{kind}-{number}-{unique_id(given.data)[:8]}"
        if kind == "photo":
            width, height = check_photo(given.data)
            return StoredFile(file_id, unique_id(given.data), kind, len(given.data), width, height)
        check_document(given.data)
        return StoredFile(
            file_id,
            unique_id(given.data),
            kind,
            len(given.data),
            file_name=given.filename,
            mime_type=given.content_type,
        )
    if given is None:
        raise bad_request(f'parameter "{kind}" is required')
    if given.startswith(_URL_SCHEMES):
        # Why: the sandbox has no network; the URL is recorded, not fetched.
        return StoredFile(
            f"sandbox-url-{next(_FILE_NUMBERS)}", unique_id(given.encode()), kind, 0, url=given
        )
    known = call.bot.files.get(given)
    if known is None or (known.kind != kind and kind == "photo"):
        raise bad_request(_WRONG_ID)
    return known


PHOTO_PARAMETERS = (
    "message_thread_id",
    "caption",
    "parse_mode",
    "caption_entities",
    "show_caption_above_media",
    "has_spoiler",
    "disable_notification",
    "protect_content",
    "allow_paid_broadcast",
    "reply_markup",
)
DOCUMENT_PARAMETERS = (
    "message_thread_id",
    "thumbnail",
    "caption",
    "parse_mode",
    "caption_entities",
    "disable_content_type_detection",
    "disable_notification",
    "protect_content",
    "allow_paid_broadcast",
    "reply_markup",
)

METHODS = (
    Method("sendPhoto", send_photo, required=("chat_id", "photo"), optional=PHOTO_PARAMETERS),
    Method(
        "sendDocument",
        send_document,
        required=("chat_id", "document"),
        optional=DOCUMENT_PARAMETERS,
    ),
)
