"""What simulated users do: write, send photos, share their contact, press buttons, block the
bot, and talk in supergroups (forum topics)."""

from __future__ import annotations

from bot.sandbox.errors import ControlError
from bot.sandbox.html import utf16_length
from bot.sandbox.state import (
    BotState,
    Chat,
    Group,
    SandboxState,
    ShownMessage,
    message_extras,
)

FIRST_GROUP_ID = -1001000000001
CAPTION_LIMIT = 1024


def create_user(
    world: SandboxState,
    bot: BotState,
    user_id: int,
    first_name: str,
    *,
    language_code: str | None = None,
    phone_number: str | None = None,
    last_name: str | None = None,
    username: str | None = None,
    started: bool | None = None,
) -> dict[str, object]:
    """Create (or update) a user and their private chat with the bot. `started` False: the user
    never opened that chat (a group member may not have), so the bot cannot write to it (403)
    until the user writes; None keeps what it was (True for a new user)."""
    if user_id <= 0 or not first_name.strip():
        raise ControlError(400, "a user needs a positive user_id and a first_name")
    user: dict[str, object] = {"id": user_id, "is_bot": False, "first_name": first_name}
    optional = {"last_name": last_name, "username": username, "language_code": language_code}
    user.update({key: value for key, value in optional.items() if value})
    chat = bot.chats.get(user_id)
    if chat is None:
        chat = bot.chats[user_id] = Chat(user)
    elif chat.user is not user:
        # Why: updated in place, so the groups the user is a member of see the change too.
        chat.user.clear()
        chat.user.update(user)
    chat.phone_number = phone_number or chat.phone_number
    if started is not None:
        chat.started = started
    return {**user, "phone_number": chat.phone_number}


def user_chat(bot: BotState, user_id: int) -> Chat:
    """The chat of a user created earlier."""
    chat = bot.chats.get(user_id)
    if chat is None or chat.group is not None:
        raise ControlError(404, f"no user {user_id}; create the user first")
    return chat


def any_chat(bot: BotState, chat_id: int) -> Chat:
    """A user's private chat or a supergroup, by chat id."""
    chat = bot.chats.get(chat_id)
    if chat is None:
        raise ControlError(404, f"no chat {chat_id}; create the user or group first")
    return chat


def create_group(
    bot: BotState,
    title: str,
    member_ids: list[int],
    *,
    chat_id: int | None = None,
    is_forum: bool = True,
    admin_ids: list[int] | None = None,
    bot_is_admin: bool = True,
    bot_can_manage_topics: bool = True,
) -> dict[str, object]:
    """Create a supergroup (a forum by default) with the bot in it and the given members (users
    created earlier); `admin_ids` among them are administrators. The Chat object."""
    if not title.strip() or len(title) > 128:
        raise ControlError(400, "a group needs a title of 1-128 characters")
    if chat_id is None:
        taken = [known for known in bot.chats if known < 0]
        chat_id = min([FIRST_GROUP_ID + 1, *taken]) - 1
    if chat_id >= 0 or (chat_id in bot.chats and bot.chats[chat_id].group is None):
        raise ControlError(400, "a supergroup's chat_id is negative (e.g. -1001234567890)")
    members = {user_id: user_chat(bot, user_id).user for user_id in member_ids}
    admins = frozenset(admin_ids or ())
    if not admins <= set(members):
        raise ControlError(400, "every admin must be a member")
    group = Group(
        chat_id,
        title,
        is_forum,
        members,
        admins,
        bot_is_admin,
        bot_is_admin and bot_can_manage_topics,
    )
    chat = bot.chats.get(chat_id)
    if chat is None:
        chat = bot.chats[chat_id] = Chat({}, group=group)
    else:
        group.topics = chat.group.topics if chat.group else {}
        chat.group = group
    return {**chat.as_json(), "member_ids": sorted(members), "admin_ids": sorted(admins)}


def group_chat(bot: BotState, chat_id: int) -> tuple[Chat, Group]:
    """A supergroup created earlier."""
    chat = bot.chats.get(chat_id)
    if chat is None or chat.group is None:
        raise ControlError(404, f"no group {chat_id}; create the group first")
    return chat, chat.group


def member_writes(
    world: SandboxState,
    bot: BotState,
    chat_id: int,
    user_id: int,
    *,
    text: str | None = None,
    photo_file_id: str | None = None,
    message_thread_id: int | None = None,
) -> int:
    """A member writes in the group (in a forum topic with `message_thread_id`): a text, or a
    photo with `text` as its caption. A closed topic takes messages only from admins."""
    chat, group = group_chat(bot, chat_id)
    member = group.members.get(user_id)
    if member is None:
        raise ControlError(403, f"user {user_id} is not a member of group {chat_id}")
    if message_thread_id is not None:
        topic = group.topic(message_thread_id)
        if topic is None:
            raise ControlError(400, "message thread not found")
        if topic.closed and user_id not in group.admin_ids:
            raise ControlError(400, "TOPIC_CLOSED")
    message = _user_message(world, chat, text, photo_file_id)
    message.sender = member
    message.thread_id = message_thread_id
    return _deliver(world, bot, chat, message)


def send_photo(
    world: SandboxState,
    bot: BotState,
    user_id: int,
    *,
    file_id: str | None = None,
    caption: str | None = None,
) -> int:
    """The user sends a photo (a PhotoSize array ending in the largest size) with a caption."""
    chat = user_chat(bot, user_id)
    _unblock_on_contact(world, bot, chat)
    message = _user_message(world, chat, caption, file_id or f"photo-{user_id}-{world.last_seq}")
    return _deliver(world, bot, chat, message)


def photo_sizes(file_id: str) -> list[dict[str, object]]:
    """The sizes Telegram sends for one photo: a thumbnail and the full picture."""
    return [
        {"file_id": f"{file_id}-s", "file_unique_id": f"{file_id}-su", "width": 90, "height": 67},
        {"file_id": file_id, "file_unique_id": f"{file_id}-u", "width": 1280, "height": 960},
    ]


def _user_message(
    world: SandboxState, chat: Chat, text: str | None, photo_file_id: str | None
) -> ShownMessage:
    if photo_file_id is not None:
        caption = text or ""
        if utf16_length(caption) > CAPTION_LIMIT:
            raise ControlError(400, "a caption has at most 1024 characters")
        return ShownMessage(
            chat.next_message_id(),
            from_bot=False,
            date=world.unix_now(),
            text=caption,
            photo=photo_sizes(photo_file_id),
        )
    text = text or ""
    if not text.strip() or utf16_length(text) > 4096:
        raise ControlError(400, "a user message needs 1-4096 characters")
    message = ShownMessage(chat.next_message_id(), from_bot=False, date=world.unix_now(), text=text)
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message.entities = [{"type": "bot_command", "offset": 0, "length": utf16_length(command)}]
    return message


def _deliver(world: SandboxState, bot: BotState, chat: Chat, message: ShownMessage) -> int:
    chat.messages[message.message_id] = message
    kind = "user_photo" if message.photo is not None else "user_message"
    world.record(
        chat, kind, message_id=message.message_id, text=message.text, **message_extras(message)
    )
    bot.push_update("message", bot.message_json(chat, message))
    return message.message_id


def send_text(world: SandboxState, bot: BotState, user_id: int, text: str) -> int:
    """The user sends a text message; commands get their bot_command entity."""
    chat = user_chat(bot, user_id)
    if not text.strip() or utf16_length(text) > 4096:
        raise ControlError(400, "a user message needs 1-4096 characters")
    _unblock_on_contact(world, bot, chat)
    return _deliver(world, bot, chat, _user_message(world, chat, text, None))


def share_contact(
    world: SandboxState,
    bot: BotState,
    user_id: int,
    *,
    phone_number: str | None = None,
    contact_user_id: int | None = None,
) -> int:
    """The user shares a contact: by default their own phone and user id."""
    chat = user_chat(bot, user_id)
    phone = phone_number or chat.phone_number
    if not phone:
        raise ControlError(400, f"user {user_id} has no phone number; pass phone_number")
    _unblock_on_contact(world, bot, chat)
    contact: dict[str, object] = {
        "phone_number": phone,
        "first_name": chat.user["first_name"],
        "user_id": user_id if contact_user_id is None else contact_user_id,
    }
    if "last_name" in chat.user:
        contact["last_name"] = chat.user["last_name"]
    message = ShownMessage(
        chat.next_message_id(), from_bot=False, date=world.unix_now(), contact=contact
    )
    chat.messages[message.message_id] = message
    world.record(chat, "user_contact", message_id=message.message_id, text=phone)
    bot.push_update("message", bot.message_json(chat, message))
    return message.message_id


def press(
    world: SandboxState,
    bot: BotState,
    user_id: int,
    *,
    label: str | None = None,
    data: str | None = None,
    message_id: int | None = None,
    group_id: int | None = None,
) -> str:
    """The user presses an inline button (by label), or sends raw callback data; the query id.
    With `group_id`, the user is a member pressing a button in that group."""
    if group_id is None:
        chat = user_chat(bot, user_id)
        presser = chat.user
    else:
        chat, group = group_chat(bot, group_id)
        if user_id not in group.members:
            raise ControlError(403, f"user {user_id} is not a member of group {group_id}")
        presser = group.members[user_id]
    if (label is None) == (data is None):
        raise ControlError(400, "press needs exactly one of label or data")
    message = _pressed_message(chat, message_id, need_keyboard=label is not None)
    buttons = [
        button
        for row in (message.inline_markup.rows if message.inline_markup else ())
        for button in row
    ]
    if label is not None:
        button = next((b for b in buttons if label in str(b["text"])), None)
        if button is None or "callback_data" not in button:
            shown = ", ".join(str(b["text"]) for b in buttons)
            raise ControlError(404, f"no button {label!r} with callback data; shown: {shown}")
        data = str(button["callback_data"])
    pressed = next((b for b in buttons if b.get("callback_data") == data), None)
    event = world.record(
        chat,
        "user_press",
        message_id=message.message_id,
        text=str(pressed["text"]) if pressed else "",
        callback_data=data,
        **({"from_user_id": user_id} if group_id is not None else {}),
    )
    query_id = f"{bot.bot_id}-{event['seq']}"
    bot.open_callback_queries[query_id] = (chat.chat_id, message.message_id)
    bot.push_update(
        "callback_query",
        {
            "id": query_id,
            "from": presser,
            "message": bot.message_json(chat, message),
            "chat_instance": str(chat.chat_id * 7919 + bot.bot_id),
            "data": data,
        },
    )
    return query_id


def _pressed_message(chat: Chat, message_id: int | None, *, need_keyboard: bool) -> ShownMessage:
    if message_id is not None:
        message = chat.messages.get(message_id)
        if message is None or not message.from_bot:
            raise ControlError(404, f"no bot message {message_id} in chat {chat.chat_id}")
        return message
    message = chat.latest_bot_message(with_inline_keyboard=True)
    if message is None and not need_keyboard:
        message = chat.latest_bot_message(with_inline_keyboard=False)
    if message is None:
        raise ControlError(404, f"no bot message with an inline keyboard in chat {chat.chat_id}")
    return message


def delete_message(world: SandboxState, bot: BotState, user_id: int, message_id: int) -> None:
    """The user deletes a message from their private chat (for both sides, as Telegram allows)."""
    chat = user_chat(bot, user_id)
    if chat.messages.pop(message_id, None) is None:
        raise ControlError(404, f"no message {message_id} in chat {chat.chat_id}")
    world.record(chat, "user_delete", message_id=message_id, text="")


def expire_callback_queries(bot: BotState) -> int:
    """Every unanswered press becomes too old to answer, as after Telegram's timeout; how many."""
    expired = len(bot.open_callback_queries)
    bot.open_callback_queries.clear()
    return expired


def set_blocked(world: SandboxState, bot: BotState, user_id: int, *, blocked: bool) -> None:
    """Block or unblock the bot; the bot hears of it through a my_chat_member update."""
    chat = user_chat(bot, user_id)
    if chat.blocked == blocked:
        return
    chat.blocked = blocked
    member: dict[str, object] = {"status": "member", "user": bot.user_json()}
    banned: dict[str, object] = {"status": "kicked", "user": bot.user_json(), "until_date": 0}
    bot.push_update(
        "my_chat_member",
        {
            "chat": chat.as_json(),
            "from": chat.user,
            "date": world.unix_now(),
            "old_chat_member": member if blocked else banned,
            "new_chat_member": banned if blocked else member,
        },
    )


def _unblock_on_contact(world: SandboxState, bot: BotState, chat: Chat) -> None:
    chat.started = True
    # Why: in Telegram a blocked user must restart the bot before writing to it.
    if chat.blocked:
        set_blocked(world, bot, chat.chat_id, blocked=False)
