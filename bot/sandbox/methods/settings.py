"""Command menus (per scope and language) and chat menu buttons."""

from __future__ import annotations

import json
import re

from bot.sandbox.errors import bad_request
from bot.sandbox.methods.base import Call, Method

SCOPE_TYPES = frozenset({
    "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
    "chat_administrators", "chat_member",
})  # fmt: skip
MENU_BUTTON_TYPES = frozenset({"default", "commands", "web_app"})
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"[a-z]{2}")
# The official BotCommandScope objects: which fields each scope type requires.
_SCOPE_FIELDS = {
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}


def _scope(value: object) -> dict[str, object]:
    """A BotCommandScope checked and reduced to its official fields, ids as integers when they
    are numbers (`555` and `"555"` name the same chat), so each scope keeps its own menu."""
    if value is None:
        return {"type": "default"}
    if not isinstance(value, dict) or value.get("type") not in SCOPE_TYPES:
        raise bad_request("wrong bot command scope specified")
    scope: dict[str, object] = {"type": value["type"]}
    for field in _SCOPE_FIELDS.get(str(value["type"]), ()):
        given = value.get(field)
        if isinstance(given, str) and given.lstrip("-").isdigit():
            given = int(given)
        if isinstance(given, bool) or not isinstance(given, int | str) or given == "":
            raise bad_request("wrong bot command scope specified")
        scope[field] = given
    return scope


def _menu_key(call: Call) -> tuple[str, str]:
    scope = _scope(call.params.json_value("scope"))
    language = call.params.string("language_code") or ""
    if language and not _LANGUAGE.fullmatch(language):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), language


async def set_my_commands(call: Call) -> object:
    """Store the command menu for one scope and language."""
    commands = call.params.json_value("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    checked: list[dict[str, object]] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description})
    call.bot.commands[_menu_key(call)] = checked
    return True


async def get_my_commands(call: Call) -> object:
    """The command menu of exactly this scope and language (empty when unset)."""
    return call.bot.commands.get(_menu_key(call), [])


async def delete_my_commands(call: Call) -> object:
    """Forget the command menu of this scope and language."""
    call.bot.commands.pop(_menu_key(call), None)
    return True


async def set_chat_menu_button(call: Call) -> object:
    """Set one chat's menu button, or the bot's default when no chat is given."""
    button = call.params.json_value("menu_button")
    if button is None:
        button = {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in MENU_BUTTON_TYPES:
        raise bad_request("can't parse menu button JSON object")
    chat_id = call.params.chat_id()
    if chat_id is None:
        call.bot.default_menu_button = button
    else:
        call.bot.chat(chat_id).menu_button = button
    return True


async def get_chat_menu_button(call: Call) -> object:
    """A chat's menu button, falling back to the bot's default."""
    chat_id = call.params.chat_id()
    fallback = call.bot.default_menu_button or {"type": "commands"}
    if chat_id is None:
        return fallback
    button = call.bot.chat(chat_id).menu_button
    return fallback if button is None or button.get("type") == "default" else button


METHODS = (
    Method(
        "setMyCommands",
        set_my_commands,
        required=("commands",),
        optional=("scope", "language_code"),
    ),
    Method("getMyCommands", get_my_commands, optional=("scope", "language_code")),
    Method("deleteMyCommands", delete_my_commands, optional=("scope", "language_code")),
    Method("setChatMenuButton", set_chat_menu_button, optional=("chat_id", "menu_button")),
    Method("getChatMenuButton", get_chat_menu_button, optional=("chat_id",)),
)
