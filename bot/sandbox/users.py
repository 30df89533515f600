"""What simulated users do: write, share their contact, press buttons, block the bot."""

from __future__ import annotations

from bot.sandbox.errors import ControlError
from bot.sandbox.html import utf16_length
from bot.sandbox.state import BotState, Chat, SandboxState, ShownMessage


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
) -> dict[str, object]:
    """Create (or update) a user and their private chat with the bot."""
    if user_id <= 0 or not first_name.strip():
        raise ControlError(400, "a user needs a positive user_id and a first_name")
    user: dict[str, object] = {"id": user_id, "is_bot": False, "first_name": first_name}
    optional = {"last_name": last_name, "username": username, "language_code": language_code}
    user.update({key: value for key, value in optional.items() if value})
    chat = bot.chats.get(user_id)
    if chat is None:
        chat = bot.chats[user_id] = Chat(user)
    chat.user = user
    chat.phone_number = phone_number or chat.phone_number
    return {**user, "phone_number": chat.phone_number}


def user_chat(bot: BotState, user_id: int) -> Chat:
    """The chat of a user created earlier."""
    chat = bot.chats.get(user_id)
    if chat is None:
        raise ControlError(404, f"no user {user_id}; create the user first")
    return chat


def send_text(world: SandboxState, bot: BotState, user_id: int, text: str) -> int:
    """The user sends a text message; commands get their bot_command entity."""
    chat = user_chat(bot, user_id)
    if not text.strip() or utf16_length(text) > 4096:
        raise ControlError(400, "a user message needs 1-4096 characters")
    _unblock_on_contact(world, bot, chat)
    message = ShownMessage(chat.next_message_id(), from_bot=False, date=world.unix_now(), text=text)
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message.entities = [{"type": "bot_command", "offset": 0, "length": utf16_length(command)}]
    chat.messages[message.message_id] = message
    world.record(chat, "user_message", message_id=message.message_id, text=text)
    bot.push_update("message", bot.message_json(chat, message))
    return message.message_id


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
) -> str:
    """The user presses an inline button (by label), or sends raw callback data; the query id."""
    chat = user_chat(bot, user_id)
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
    )
    query_id = f"{bot.bot_id}-{event['seq']}"
    bot.open_callback_queries[query_id] = (chat.chat_id, message.message_id)
    bot.push_update(
        "callback_query",
        {
            "id": query_id,
            "from": chat.user,
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
    # Why: in Telegram a blocked user must restart the bot before writing to it.
    if chat.blocked:
        set_blocked(world, bot, chat.chat_id, blocked=False)
