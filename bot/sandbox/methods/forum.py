"""Forum topics and copies: createForumTopic, editForumTopic, closeForumTopic, reopenForumTopic,
copyMessage."""

from __future__ import annotations

from bot.sandbox.errors import bad_request
from bot.sandbox.html import parse_html, utf16_length
from bot.sandbox.markup import parse_markup
from bot.sandbox.methods.base import Call, Method, guard_send, topic_of
from bot.sandbox.state import Chat, Group, ShownMessage, Topic

TOPIC_NAME_LIMIT = 128
CAPTION_LIMIT = 1024
# The colours Telegram allows for a topic's icon (Bot API: createForumTopic).
ICON_COLORS = frozenset({0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F})
DEFAULT_ICON_COLOR = 0x6FB9F0


def _forum(call: Call) -> tuple[Chat, Group]:
    chat = call.bot.chat(call.params.chat_id())
    group = chat.group
    if group is None or not group.is_forum:
        raise bad_request("the chat is not a forum")
    if not group.bot_can_manage_topics:
        raise bad_request("not enough rights to manage topics in the chat")
    return chat, group


def _topic(call: Call, group: Group) -> Topic:
    thread_id = call.params.integer("message_thread_id")
    topic = group.topic(thread_id) if thread_id is not None else None
    if topic is None:
        raise bad_request("message thread not found")
    return topic


def _topic_name(name: str | None) -> str:
    if name is None or not name.strip():
        raise bad_request("TOPIC_NAME_EMPTY")
    if utf16_length(name) > TOPIC_NAME_LIMIT:
        raise bad_request("TOPIC_NAME_INVALID")
    return name


def _service(
    call: Call, chat: Chat, thread_id: int | None, action: dict[str, object], name: str = ""
) -> int:
    """Show a service message the bot's action caused (bots get no updates of their own); the
    transcript shows a topic's new `name` as the event's text."""
    message = ShownMessage(
        chat.next_message_id(),
        from_bot=True,
        date=call.world.unix_now(),
        text=name,
        thread_id=thread_id,
        service=action,
    )
    chat.messages[message.message_id] = message
    call.world.record_message(chat, "service", message)
    return message.message_id


async def create_forum_topic(call: Call) -> object:
    """Open a topic; its thread id is the id of the "topic created" service message."""
    chat, group = _forum(call)
    name = _topic_name(call.params.string("name"))
    color = call.params.integer("icon_color")
    if color is not None and color not in ICON_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    call.params.string("icon_custom_emoji_id")
    icon_color = DEFAULT_ICON_COLOR if color is None else color
    created = {"name": name, "icon_color": icon_color}
    thread_id = chat.last_message_id + 1
    _service(call, chat, thread_id, {"forum_topic_created": created}, name)
    group.topics[thread_id] = Topic(thread_id, name, icon_color)
    return {"message_thread_id": thread_id, **created}


async def edit_forum_topic(call: Call) -> object:
    """Rename a topic (name 0-128 characters; empty keeps it); 400 TOPIC_NOT_MODIFIED when
    nothing changes."""
    chat, group = _forum(call)
    topic = _topic(call, group)
    name = call.params.string("name")
    emoji = call.params.string("icon_custom_emoji_id")
    if (not name or name == topic.name) and emoji is None:
        raise bad_request("TOPIC_NOT_MODIFIED")
    if name:
        topic.name = _topic_name(name)
        _service(call, chat, topic.thread_id, {"forum_topic_edited": {"name": name}}, name)
    return True


async def close_forum_topic(call: Call) -> object:
    """Close a topic: members can no longer write in it (admins who manage topics still can)."""
    return _set_closed(call, closed=True)


async def reopen_forum_topic(call: Call) -> object:
    """Reopen a closed topic."""
    return _set_closed(call, closed=False)


def _set_closed(call: Call, *, closed: bool) -> bool:
    chat, group = _forum(call)
    topic = _topic(call, group)
    if topic.closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closed
    action = "forum_topic_closed" if closed else "forum_topic_reopened"
    _service(call, chat, topic.thread_id, {action: {}})
    return True


async def copy_message(call: Call) -> object:
    """Copy a text or photo message into another chat (or topic) as the bot's own message:
    no link to the original author. Returns a MessageId."""
    params = call.params
    source_chat = call.bot.chat(params.chat_id("from_chat_id"))
    source_id = params.integer("message_id")
    source = source_chat.messages.get(source_id) if source_id is not None else None
    if source is None:
        raise bad_request("message to copy not found")
    if source.service is not None or source.contact is not None:
        raise bad_request("message can't be copied")
    chat = call.bot.chat(params.chat_id())
    thread_id = topic_of(call, chat)
    text, html, entities = source.text, source.html, source.entities
    caption = params.string("caption")
    if caption is not None:
        if source.photo is None:
            raise bad_request("caption can be set only for media messages")
        text, html, entities = _caption(call, caption)
    markup = parse_markup(params.json_value("reply_markup"))
    for name in ("disable_notification", "protect_content", "show_caption_above_media"):
        params.boolean(name)
    params.json_value("caption_entities")
    params.json_value("reply_parameters")
    guard_send(call, chat)
    message = ShownMessage(
        message_id=chat.next_message_id(),
        from_bot=True,
        date=call.world.unix_now(),
        text=text,
        html=html,
        entities=list(entities),
        markup=markup,
        thread_id=thread_id,
        photo=None if source.photo is None else [dict(size) for size in source.photo],
    )
    chat.messages[message.message_id] = message
    call.world.stats.messages_sent += 1
    call.world.record_message(chat, "bot_message", message)
    return {"message_id": message.message_id}


def _caption(call: Call, caption: str) -> tuple[str, str | None, list[dict[str, object]]]:
    if (call.params.string("parse_mode") or "").lower() == "html":
        parsed = parse_html(caption)
        text, html, entities = parsed.text, caption, parsed.entities
    else:
        text, html, entities = caption, None, []
    if utf16_length(text) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    return text, html, entities


METHODS = (
    Method(
        "createForumTopic",
        create_forum_topic,
        required=("chat_id", "name"),
        optional=("icon_color", "icon_custom_emoji_id"),
    ),
    Method(
        "editForumTopic",
        edit_forum_topic,
        required=("chat_id", "message_thread_id"),
        optional=("name", "icon_custom_emoji_id"),
    ),
    Method("closeForumTopic", close_forum_topic, required=("chat_id", "message_thread_id")),
    Method("reopenForumTopic", reopen_forum_topic, required=("chat_id", "message_thread_id")),
    Method(
        "copyMessage",
        copy_message,
        required=("chat_id", "from_chat_id", "message_id"),
        optional=(
            "message_thread_id",
            "caption",
            "parse_mode",
            "caption_entities",
            "show_caption_above_media",
            "disable_notification",
            "protect_content",
            "reply_parameters",
            "reply_markup",
        ),
    ),
)
