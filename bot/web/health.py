"""GET /healthz (DESIGN §13): is the database reachable, is this instance the leader, the backlog.

Answers `{"status": "ok" | "unavailable", "database": bool, "role": "leader" | "follower",
"outbox_backlog": N | null}`: 200 when the database answered (one count of pending outbox rows),
503 when it did not within HEALTH_TIMEOUT_SECONDS, so a load balancer stops sending it traffic.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web

from bot.context import Services
from bot.leadership import Role

logger = logging.getLogger(__name__)

RoleProvider = Callable[[], Role]
HEALTH_TIMEOUT_SECONDS = 5.0


def single_instance() -> Role:
    """The role of an instance without leader election: it runs everything, so the leader."""
    return "leader"


ROLE: web.AppKey[RoleProvider] = web.AppKey("role")
SERVICES = web.AppKey("services", Services)


def add_routes(app: web.Application, services: Services) -> None:
    """Register GET /healthz (the server sets ROLE; without it the role is `leader`)."""
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)


async def healthz(request: web.Request) -> web.Response:
    """The health answer (module docstring)."""
    services = request.app[SERVICES]
    role = request.app.get(ROLE, single_instance)()
    try:
        backlog: int | None = await asyncio.wait_for(
            services.store.outbox_backlog(), HEALTH_TIMEOUT_SECONDS
        )
    except Exception as exc:
        logger.warning("health check: the database did not answer (%s)", type(exc).__name__)
        backlog = None
    database = backlog is not None
    body = {
        "status": "ok" if database else "unavailable",
        "database": database,
        "role": role,
        "outbox_backlog": backlog,
    }
    return web.json_response(body, status=200 if database else 503)
