"""The Bot API face: `/bot<token>/<method>` answered the way Telegram answers."""

from __future__ import annotations

import asyncio
import re

from aiohttp import web

from bot.sandbox.config import FAULT_DESCRIPTIONS
from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.methods import METHODS_BY_NAME, Call, Method
from bot.sandbox.params import Params, read_parameters
from bot.sandbox.state import SandboxState

WORLD = web.AppKey("world", SandboxState)
_TOKEN = re.compile(r"(\d{1,20}):[A-Za-z0-9_-]+")
_MISSING = {"text": "message text is empty", "chat_id": "chat_id is empty"}


async def handle_bot_api(request: web.Request) -> web.Response:
    """Run one Bot API method and answer `{"ok": ..., ...}` with Telegram's status codes."""
    world = request.app[WORLD]
    try:
        result = await _dispatch(world, request)
    except ApiError as error:
        return web.json_response(error.payload(), status=error.code)
    return web.json_response({"ok": True, "result": result})


async def _dispatch(world: SandboxState, request: web.Request) -> object:
    token = _TOKEN.fullmatch(request.match_info["token"])
    if token is None:
        raise ApiError(401, "Unauthorized")
    name = request.match_info["method"]
    method = METHODS_BY_NAME.get(name.lower())
    if method is None:
        if world.config.delays(name):
            await asyncio.sleep(world.config.delay_ms / 1000)
        raise ApiError(404, "Not Found")
    with world.stats.call_in_flight(method.name):
        return await _run(world, request, method, token)


async def _run(
    world: SandboxState, request: web.Request, method: Method, token: re.Match[str]
) -> object:
    # Why: the request is read before the delay, as a slow server would have received it.
    values = await read_parameters(request)
    if world.config.delays(method.name):
        await asyncio.sleep(world.config.delay_ms / 1000)
    world.stats.calls[method.name] += 1
    if world.config.fails(method.name):
        world.stats.faults_injected += 1
        code = world.config.fault_code
        # Why: a 429 without retry_after is not what Telegram sends; 1 s keeps tests short.
        retry_after = 1 if code == 429 else None
        raise ApiError(code, FAULT_DESCRIPTIONS[code], retry_after=retry_after)
    for name in method.required:
        value = values.get(name)
        if value is None or (value == "" and name not in method.may_be_empty):
            raise bad_request(_MISSING.get(name, f'parameter "{name}" is required'))
    bot = world.bot(int(token.group(1)))
    return await method.handler(Call(world, bot, Params(values, method.parameters)))


ROUTES = [web.route("*", "/bot{token}/{method}", handle_bot_api)]
