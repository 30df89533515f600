"""The one aiohttp.web Application of `run`, served on BACKORDER_LISTEN (DESIGN §1, §2, §13).

Feature modules plug in with `add_routes(app, services)` (listed in FEATURES); the webhook, when
configured, adds its POST route on the path of BACKORDER_WEBHOOK_URL. The server runs in polling
mode too (/healthz, /metrics and the ingest API do not depend on how updates arrive).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from aiohttp import web

from bot.context import Services
from bot.run_output import StartRefused
from bot.web import health, ingest, metrics, shopify
from bot.web.health import ROLE, RoleProvider, single_instance
from bot.web.webhook import WebhookIntake

RouteAdder = Callable[[web.Application, Services], None]
# Each feature's `add_routes(app, services)`; each decides from the settings whether it is on.
FEATURES: tuple[RouteAdder, ...] = (
    health.add_routes,
    metrics.add_routes,
    ingest.add_routes,
    shopify.add_routes,
)
SHUTDOWN_SECONDS = 5.0
# Why: aiohttp's default client_max_size (1 MiB) answers a bare 413 to a bigger body read whole,
# e.g. a Shopify order webhook with a long note or hundreds of line items, and Shopify gives up
# after its retries; the largest body any route accepts is the ingest API's batch, which reads
# its body itself to answer its own JSON 413 past MAX_BODY.
CLIENT_MAX_SIZE = ingest.MAX_BODY


def build_web_app(
    services: Services,
    *,
    webhook: WebhookIntake | None = None,
    role: RoleProvider = single_instance,
    features: Sequence[RouteAdder] = FEATURES,
) -> web.Application:
    """The web application: the webhook route (if any) and every feature's routes.

    `role` answers "leader" or "follower" for /healthz (leader election provides it; a single
    instance is always the leader). Bodies up to CLIENT_MAX_SIZE bytes are read.
    """
    app = web.Application(client_max_size=CLIENT_MAX_SIZE)
    app[ROLE] = role
    if webhook is not None:
        webhook.add_routes(app)
    for add_routes in features:
        add_routes(app, services)
    return app


class WebServer:
    """An aiohttp runner listening on one host and port; `port` is the bound one (0 picks).

    With `sock`, a socket already bound (tests and benchmarks that must know the port before the
    application is built), it serves on that socket instead.
    """

    def __init__(
        self, app: web.Application, host: str, port: int, *, sock: socket.socket | None = None
    ) -> None:
        self._app = app
        self.host = host
        self.port = port
        self._sock = sock
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """`http://host:port` of the running server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Listen; StartRefused names BACKORDER_LISTEN when the address cannot be bound."""
        # Why: no access log: Telegram posts every update, a line each at INFO would drown the log.
        runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
        await runner.setup()
        site: web.BaseSite = (
            web.TCPSite(runner, self.host, self.port)
            if self._sock is None
            else web.SockSite(runner, self._sock)
        )
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise StartRefused(
                f"cannot listen on BACKORDER_LISTEN {self.host}:{self.port} "
                f"({exc.strerror or type(exc).__name__})"
            ) from exc
        self._runner = runner
        self.host, self.port = str(runner.addresses[0][0]), int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening; requests in progress get SHUTDOWN_SECONDS to finish."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@asynccontextmanager
async def serving(
    app: web.Application, host: str, port: int, *, sock: socket.socket | None = None
) -> AsyncIterator[WebServer]:
    """The web server running for the duration of the block (see WebServer for `sock`)."""
    server = WebServer(app, host, port, sock=sock)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
