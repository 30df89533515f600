"""answerCallbackQuery."""

from __future__ import annotations

from bot.sandbox.errors import bad_request
from bot.sandbox.methods.base import Call, Method

ANSWER_LIMIT = 200


async def answer_callback_query(call: Call) -> object:
    """Answer a button press once; the answer shows in the chat's transcript."""
    params = call.params
    query_id = params.string("callback_query_id")
    text = params.string("text")
    show_alert = bool(params.boolean("show_alert"))
    params.string("url")
    params.integer("cache_time")
    if text is not None and len(text) > ANSWER_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    pressed = call.bot.open_callback_queries.pop(query_id or "", None)
    if pressed is None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    chat_id, message_id = pressed
    call.world.record(
        call.bot.chat(chat_id),
        "callback_answer",
        message_id=message_id,
        text=text or "",
        callback_answer_text=text,
        show_alert=show_alert,
    )
    return True


METHODS = (
    Method(
        "answerCallbackQuery",
        answer_callback_query,
        required=("callback_query_id",),
        optional=("text", "show_alert", "url", "cache_time"),
    ),
)
