"""The control API under /sandbox/: users act, tests read transcripts, benchmarks tune limits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.sandbox import users
from bot.sandbox.botapi import WORLD
from bot.sandbox.errors import ControlError
from bot.sandbox.state import BOT_EVENT_KINDS, BotState, SandboxState

ControlHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_WAIT_SECONDS = 300.0


@web.middleware
async def control_errors(request: web.Request, handler: ControlHandler) -> web.StreamResponse:
    """Answer control failures as `{"ok": false, "description": ...}` JSON."""
    try:
        return await handler(request)
    except ControlError as error:
        return _fail(error.status, error.description)


def _ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _fail(status: int, description: str, result: object = None) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description, "result": result}
    return web.json_response(body, status=status)


def _world_and_bot(request: web.Request) -> tuple[SandboxState, BotState]:
    world = request.app[WORLD]
    raw = request.query.get("bot_id")
    return world, world.bot(_int(raw, "bot_id") if raw else None)


def _int(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise ControlError(400, f"{name} must be a whole number")
    try:
        return int(str(value))
    except ValueError as exc:
        raise ControlError(400, f"{name} must be a whole number") from exc


def _float(value: object, name: str) -> float:
    try:
        return float(str(value))
    except ValueError as exc:
        raise ControlError(400, f"{name} must be a number") from exc


async def _body(request: web.Request) -> dict[str, object]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise ControlError(400, "the body must be JSON") from exc
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _optional_str(body: dict[str, object], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ControlError(400, f"{name} must be a string")
    return value


def _user_id(request: web.Request) -> int:
    return _int(request.match_info["user_id"], "user_id")


async def create_user(request: web.Request) -> web.Response:
    """POST /sandbox/users {user_id, first_name, language_code?, phone_number?, started?, ...}."""
    world, bot = _world_and_bot(request)
    body = await _body(request)
    user = users.create_user(
        world,
        bot,
        _int(body.get("user_id"), "user_id"),
        _optional_str(body, "first_name") or "",
        language_code=_optional_str(body, "language_code"),
        phone_number=_optional_str(body, "phone_number"),
        last_name=_optional_str(body, "last_name"),
        username=_optional_str(body, "username"),
        started=None if body.get("started") is None else _flag(body, "started", True),
    )
    return _ok(user)


async def send_text(request: web.Request) -> web.Response:
    """POST /sandbox/users/{user_id}/messages {text}: the user's message id."""
    world, bot = _world_and_bot(request)
    text = _optional_str(await _body(request), "text") or ""
    return _ok({"message_id": users.send_text(world, bot, _user_id(request), text)})


async def share_contact(request: web.Request) -> web.Response:
    """POST /sandbox/users/{user_id}/contact {phone_number?, contact_user_id?}."""
    world, bot = _world_and_bot(request)
    body = await _body(request)
    contact_user = body.get("contact_user_id")
    message_id = users.share_contact(
        world,
        bot,
        _user_id(request),
        phone_number=_optional_str(body, "phone_number"),
        contact_user_id=None if contact_user is None else _int(contact_user, "contact_user_id"),
    )
    return _ok({"message_id": message_id})


async def press(request: web.Request) -> web.Response:
    """POST /sandbox/users/{user_id}/press {label? | data?, message_id?}: the query id."""
    world, bot = _world_and_bot(request)
    body = await _body(request)
    message_id = body.get("message_id")
    query_id = users.press(
        world,
        bot,
        _user_id(request),
        label=_optional_str(body, "label"),
        data=_optional_str(body, "data"),
        message_id=None if message_id is None else _int(message_id, "message_id"),
    )
    return _ok({"callback_query_id": query_id})


async def send_photo(request: web.Request) -> web.Response:
    """POST /sandbox/users/{user_id}/photo {file_id?, caption?}: the user's message id."""
    world, bot = _world_and_bot(request)
    body = await _body(request)
    message_id = users.send_photo(
        world,
        bot,
        _user_id(request),
        file_id=_optional_str(body, "file_id"),
        caption=_optional_str(body, "caption"),
    )
    return _ok({"message_id": message_id})


def _ids(value: object, name: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ControlError(400, f"{name} must be a list of user ids")
    return [_int(item, name) for item in value]


def _flag(body: dict[str, object], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise ControlError(400, f"{name} must be true or false")
    return value


async def create_group(request: web.Request) -> web.Response:
    """POST /sandbox/groups {title, member_ids, admin_ids?, chat_id?, is_forum?, bot_is_admin?,
    bot_can_manage_topics?}: the supergroup's Chat object."""
    _, bot = _world_and_bot(request)
    body = await _body(request)
    chat_id = body.get("chat_id")
    return _ok(
        users.create_group(
            bot,
            _optional_str(body, "title") or "",
            _ids(body.get("member_ids"), "member_ids"),
            chat_id=None if chat_id is None else _int(chat_id, "chat_id"),
            is_forum=_flag(body, "is_forum", True),
            admin_ids=_ids(body.get("admin_ids"), "admin_ids"),
            bot_is_admin=_flag(body, "bot_is_admin", True),
            bot_can_manage_topics=_flag(body, "bot_can_manage_topics", True),
        )
    )


def _group_id(request: web.Request) -> int:
    return _int(request.match_info["chat_id"], "chat_id")


async def group_message(request: web.Request) -> web.Response:
    """POST /sandbox/groups/{chat_id}/messages {user_id, text? | photo_file_id?,
    message_thread_id?}: a member writes in the group or one of its topics; the message id."""
    world, bot = _world_and_bot(request)
    body = await _body(request)
    thread = body.get("message_thread_id")
    message_id = users.member_writes(
        world,
        bot,
        _group_id(request),
        _int(body.get("user_id"), "user_id"),
        text=_optional_str(body, "text"),
        photo_file_id=_optional_str(body, "photo_file_id"),
        message_thread_id=None if thread is None else _int(thread, "message_thread_id"),
    )
    return _ok({"message_id": message_id})


async def group_press(request: web.Request) -> web.Response:
    """POST /sandbox/groups/{chat_id}/press {user_id, label? | data?, message_id?}."""
    world, bot = _world_and_bot(request)
    body = await _body(request)
    message_id = body.get("message_id")
    query_id = users.press(
        world,
        bot,
        _int(body.get("user_id"), "user_id"),
        label=_optional_str(body, "label"),
        data=_optional_str(body, "data"),
        message_id=None if message_id is None else _int(message_id, "message_id"),
        group_id=_group_id(request),
    )
    return _ok({"callback_query_id": query_id})


def _in_thread(event: dict[str, object], thread: int | None) -> bool:
    return thread is None or event.get("message_thread_id") == thread


def _thread(request: web.Request) -> int | None:
    raw = request.query.get("message_thread_id")
    return None if raw is None else _int(raw, "message_thread_id")


async def delete_message(request: web.Request) -> web.Response:
    """POST /sandbox/users/{user_id}/messages/{message_id}/delete: the user deletes a message."""
    world, bot = _world_and_bot(request)
    message_id = _int(request.match_info["message_id"], "message_id")
    users.delete_message(world, bot, _user_id(request), message_id)
    return _ok(True)


async def expire_callbacks(request: web.Request) -> web.Response:
    """POST /sandbox/callbacks/expire: unanswered presses become too old; how many."""
    _, bot = _world_and_bot(request)
    return _ok({"expired": users.expire_callback_queries(bot)})


async def block(request: web.Request) -> web.Response:
    """POST /sandbox/users/{user_id}/block."""
    world, bot = _world_and_bot(request)
    users.set_blocked(world, bot, _user_id(request), blocked=True)
    return _ok(True)


async def unblock(request: web.Request) -> web.Response:
    """POST /sandbox/users/{user_id}/unblock."""
    world, bot = _world_and_bot(request)
    users.set_blocked(world, bot, _user_id(request), blocked=False)
    return _ok(True)


async def transcript(request: web.Request) -> web.Response:
    """GET /sandbox/chats/{chat_id}/transcript?after=SEQ&message_thread_id=N: the chat's events
    after SEQ (only one forum topic's, with message_thread_id)."""
    _, bot = _world_and_bot(request)
    chat = users.any_chat(bot, _int(request.match_info["chat_id"], "chat_id"))
    after = _int(request.query.get("after", "0"), "after")
    thread = _thread(request)
    return _ok(
        [
            event
            for event in chat.events
            if int(str(event["seq"])) > after and _in_thread(event, thread)
        ]
    )


async def wait_for(request: web.Request) -> web.Response:
    """GET /sandbox/chats/{chat_id}/wait?after=&count=&timeout=&message_thread_id=: bot events
    (of one forum topic, with message_thread_id), long-polled."""
    world, bot = _world_and_bot(request)
    chat = users.any_chat(bot, _int(request.match_info["chat_id"], "chat_id"))
    thread = _thread(request)
    after = _int(request.query.get("after", "0"), "after")
    count = max(1, _int(request.query.get("count", "1"), "count"))
    timeout = min(MAX_WAIT_SECONDS, _float(request.query.get("timeout", "10"), "timeout"))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        events = [
            event
            for event in chat.events
            if int(str(event["seq"])) > after
            and event["kind"] in BOT_EVENT_KINDS
            and _in_thread(event, thread)
        ]
        remaining = deadline - loop.time()
        if len(events) >= count:
            return _ok(events)
        if remaining <= 0 or world.closing:
            description = f"waited {timeout:g}s for {count} bot event(s) after seq {after}"
            return _fail(408, f"{description}; got {len(events)}", events)
        await chat.changed.wait(remaining)


async def get_config(request: web.Request) -> web.Response:
    """GET /sandbox/config."""
    return _ok(request.app[WORLD].config.as_dict())


async def configure(request: web.Request) -> web.Response:
    """POST /sandbox/config {field: value, ...}: any SandboxConfig field."""
    world = request.app[WORLD]
    try:
        world.reconfigure(await _body(request))
    except ValueError as exc:
        raise ControlError(400, str(exc)) from exc
    return _ok(world.config.as_dict())


async def stats(request: web.Request) -> web.Response:
    """GET /sandbox/stats: call counts, 429s, injected faults, 403s, messages."""
    return _ok(request.app[WORLD].stats.as_dict())


ROUTES = [
    web.post("/sandbox/users", create_user),
    web.post("/sandbox/users/{user_id}/messages", send_text),
    web.post("/sandbox/users/{user_id}/contact", share_contact),
    web.post("/sandbox/users/{user_id}/photo", send_photo),
    web.post("/sandbox/groups", create_group),
    web.post("/sandbox/groups/{chat_id}/messages", group_message),
    web.post("/sandbox/groups/{chat_id}/press", group_press),
    web.post("/sandbox/users/{user_id}/press", press),
    web.post("/sandbox/users/{user_id}/messages/{message_id}/delete", delete_message),
    web.post("/sandbox/callbacks/expire", expire_callbacks),
    web.post("/sandbox/users/{user_id}/block", block),
    web.post("/sandbox/users/{user_id}/unblock", unblock),
    web.get("/sandbox/chats/{chat_id}/transcript", transcript),
    web.get("/sandbox/chats/{chat_id}/wait", wait_for),
    web.get("/sandbox/config", get_config),
    web.post("/sandbox/config", configure),
    web.get("/sandbox/stats", stats),
]
