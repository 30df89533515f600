"""The sandbox HTTP server: Bot API and control API on one local port."""

from __future__ import annotations

import asyncio
from types import TracebackType

from aiohttp import web

from bot.clock import Clock
from bot.sandbox import botapi, control, params
from bot.sandbox.config import SandboxConfig
from bot.sandbox.state import SandboxState

__all__ = ["Sandbox", "SandboxConfig", "build_app", "serve"]


def build_app(world: SandboxState) -> web.Application:
    """The aiohttp application serving one sandbox state."""
    app = web.Application(
        middlewares=[control.control_errors], client_max_size=params.MAX_BODY_BYTES
    )
    app[botapi.WORLD] = world
    app.add_routes(botapi.ROUTES)
    app.add_routes(control.ROUTES)
    return app


class Sandbox:
    """A running (or startable) sandbox server."""

    def __init__(self, config: SandboxConfig | None = None, *, clock: Clock | None = None) -> None:
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config, clock)
        self.port = 0
        self.base_url = ""
        self.api_base_url = ""
        self._runner: web.AppRunner | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 picks a free port) and fill in the URLs."""
        # Why: the access log would print request paths, and those contain the bot token.
        runner = web.AppRunner(build_app(self.state), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self.base_url = f"http://{host}:{self.port}"
        self.api_base_url = f"{self.base_url}/bot"

    async def stop(self) -> None:
        """End long polls and close the server."""
        if self._runner is None:
            return
        self.state.close()
        await self.state.close_http()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


def serve(port: int = 8081) -> None:
    """Run the sandbox on 127.0.0.1:port until Ctrl-C."""

    async def run() -> None:
        sandbox = Sandbox()
        await sandbox.start(port=port)
        print(f"Sandbox Bot API: {sandbox.api_base_url}  (set TELEGRAM_API_BASE_URL to this)")
        print(f"Sandbox control API: {sandbox.base_url}/sandbox/  -- Ctrl-C stops", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await sandbox.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        print("sandbox stopped")
