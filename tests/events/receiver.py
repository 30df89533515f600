"""A local webhook receiver on 127.0.0.1 that answers from a script, then accepts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from bot.services.webhook import EVENT_ID_HEADER, SIGNATURE_HEADER, signature_matches

Answer = Literal["500", "timeout", "ok"]
# Why: longer than the client timeout the tests configure, short enough to end teardown quickly.
HANG_SECONDS = 1.0


@dataclass
class Request:
    """One POST as the receiver saw it."""

    body: bytes
    headers: dict[str, str]

    @property
    def event(self) -> dict[str, Any]:
        """The body parsed as JSON."""
        parsed = json.loads(self.body)
        assert isinstance(parsed, dict)
        return parsed


@dataclass
class Receiver:
    """Answers the n-th request with `script[n]` ("500", "timeout", "ok"), then "ok" forever."""

    script: Sequence[Answer] = ()
    secret: str = "shop-secret"
    requests: list[Request] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        answer = self.script[len(self.requests)] if len(self.requests) < len(self.script) else "ok"
        self.requests.append(Request(body, dict(request.headers)))
        if answer == "timeout":
            await asyncio.sleep(HANG_SECONDS)
        if answer != "ok":
            return web.Response(status=500)
        if not signature_matches(body, self.secret, request.headers.get(SIGNATURE_HEADER)):
            return web.Response(status=401)
        self.accepted.append(int(request.headers[EVENT_ID_HEADER]))
        return web.Response(status=204)

    @property
    def attempted_ids(self) -> list[int]:
        """Event ids in the order they were attempted, repeats included."""
        return [int(request.headers[EVENT_ID_HEADER]) for request in self.requests]
