"""HTTP face of the ingest API (DESIGN §14): bearer token, JSON arrays in, JSON answers out."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from bot.context import Services
from bot.services.importing.service import COLUMNS
from bot.services.ingest import ingest
from bot.services.recompute_queue import RecomputeQueue

PATHS = {kind: f"/api/v1/{kind}" for kind in COLUMNS}
KEY_HEADER = "Idempotency-Key"
# Why: Stripe's limit; a key is a client's UUID or similar, never a document.
MAX_KEY_LENGTH = 255
# Why: 10,000 order lines are about 3.5 MB of JSON; a batch ten times that is still accepted.
MAX_BODY = 32 * 2**20

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RECOMPUTES = web.AppKey("ingest_recomputes", RecomputeQueue)

log = logging.getLogger(__name__)


class BadBody(ValueError):
    """The body is not a JSON array of objects (the message says what it is instead)."""


def add_routes(app: web.Application, services: Services) -> None:
    """`POST /api/v1/{products,orders,purchase-orders}` when BACKORDER_API_TOKEN is set.

    The ETAs an import changes are recomputed in the background (`app[RECOMPUTES]`, drained
    when the app cleans up).
    """
    token = services.settings.api_token
    if not token:
        return
    settings = services.settings
    recomputes = RecomputeQueue(
        services.store, rules=services.rules, timezone=settings.timezone, clock=services.clock
    )
    app[RECOMPUTES] = recomputes

    async def drain(_app: web.Application) -> None:
        await recomputes.idle()

    app.on_cleanup.append(drain)
    for kind, path in PATHS.items():
        app.router.add_post(path, _handler(services, kind, token, recomputes))


def authorized(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries `Bearer <token>` (RFC 6750 §2.1), compared in
    constant time."""
    scheme, _, credentials = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(credentials.strip().encode(), token.encode())


def parse_items(body: bytes) -> list[dict[str, Any]]:
    """The request's JSON array of objects; numbers kept as the text they were written with.

    Raises BadBody with a message for the client (DESIGN §14: a 400, nothing changed).
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBody(f"the body is not UTF-8 (byte {exc.start})") from exc
    try:
        # Why: 19.99 stays "19.99" (no binary float on the way to minor units), and a huge
        # integer is a validation error at its item, not a parser failure.
        items = json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        raise BadBody(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(items, list):
        raise BadBody(f"the body must be a JSON array of objects, not {_json_type(items)}")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadBody(f"item {index} must be a JSON object, not {_json_type(item)}")
    return items


async def read_body(request: web.Request, limit: int) -> bytes | None:
    """The request's body, or None when it is over `limit` bytes (read no further then).

    Why not `request.read()`: past the app's `client_max_size` that raises aiohttp's plain-text
    413; reading the stream here stops at `limit` and lets the route answer its own JSON 413.
    """
    if (request.content_length or 0) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _json_type(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return "a string or number"


def _handler(services: Services, kind: str, token: str, recomputes: RecomputeQueue) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        if not authorized(request.headers.get("Authorization"), token):
            return _error(
                401,
                "missing or wrong bearer token (Authorization: Bearer <BACKORDER_API_TOKEN>)",
                {"WWW-Authenticate": 'Bearer realm="backorder"'},
            )
        key = request.headers.get(KEY_HEADER)
        if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH and key.isprintable()):
            return _error(400, f"{KEY_HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters")
        body = await read_body(request, MAX_BODY)
        if body is None:
            return _error(
                413, f"the body is over {MAX_BODY // 2**20} MiB; send fewer items at once"
            )
        try:
            items = parse_items(body)
        except BadBody as exc:
            return _error(400, str(exc))
        settings = services.settings
        answer = await ingest(
            services.store,
            kind,
            items,
            key=key,
            timezone=settings.timezone,
            rules=services.rules,
            now=services.clock.now(),
            recompute=recomputes.add,
        )
        _log_answer(kind, answer.status, answer.body, replayed=answer.replayed)
        headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
        return web.json_response(dict(answer.body), status=answer.status, headers=headers)

    return handle


def _log_answer(kind: str, status: int, body: Mapping[str, object], *, replayed: bool) -> None:
    if replayed:
        log.info("ingest API: %s retry answered from its Idempotency-Key (%d)", kind, status)
    elif status == 200:
        log.info("ingest API: imported %s %s", body.get("imported"), kind)
    else:
        listed = body.get("errors")
        errors = body.get("error_count") or (len(listed) if isinstance(listed, list) else 0)
        log.warning("ingest API: %s refused (%d, %s errors)", kind, status, errors)


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)
