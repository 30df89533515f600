"""`backorder-bot run` instances in webhook mode behind a real nginx on one PostgreSQL database,
as deploy/compose.yaml runs them: the Bot API (the sandbox) posts every update to nginx, which
balances them over the instances with deploy/'s upstream parameters and shared locations.

Shared by tests/instances/test_behind_nginx.py (what must hold) and bench/balanced.py (how fast).
Each instance serves on its own 127.0.0.1 port, which the test reads /healthz and /metrics on
directly (as Prometheus does on the internal network): nginx never passes those.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.nginx import RunningNginx, running_nginx, unused_port
from tests.instances.takeover import RUNNING_LINE, BotProcess, start_bot, stop_bot

WEBHOOK_SECRET = "balanced-webhook-secret"
# deploy/nginx/backorder-locations.conf passes /telegram/… to the instances.
WEBHOOK_PATH = "/telegram/webhook"
HANDLED = "backorder_updates_handled_total"


@dataclass
class Instance:
    """One running bot and the address of its own web server."""

    bot: BotProcess
    base_url: str

    async def health(self) -> dict[str, Any]:
        """Its /healthz answer."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.base_url + "/healthz") as response,
        ):
            answer: dict[str, Any] = await response.json()
            return answer

    async def updates_handled(self) -> float:
        """Updates it has handled, from its /metrics."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.base_url + "/metrics") as response,
        ):
            text = await response.text()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == HANDLED:
                    return float(sample.value)
        raise AssertionError(f"/metrics of {self.base_url} has no {HANDLED}")


@dataclass(frozen=True)
class Balanced:
    """nginx and the instances behind it, the first started first (it leads)."""

    nginx: RunningNginx
    instances: list[Instance]


@contextlib.asynccontextmanager
async def behind_nginx(
    database_url: str,
    api_base_url: str,
    folder: Path,
    *,
    count: int = 2,
    settings: Mapping[str, str] | None = None,
) -> AsyncIterator[Balanced]:
    """nginx and `count` webhook-mode instances (started one after the other, each once it says
    it runs), stopped (SIGTERM, then killed) after the block."""
    ports = [unused_port() for _ in range(count)]
    async with running_nginx(folder / "nginx", [f"127.0.0.1:{port}" for port in ports]) as nginx:
        instances: list[Instance] = []
        try:
            for port in ports:
                bot = await start_bot(
                    database_url,
                    api_base_url,
                    folder,
                    {
                        "BACKORDER_WEBHOOK_URL": nginx.base_url + WEBHOOK_PATH,
                        "BACKORDER_WEBHOOK_SECRET": WEBHOOK_SECRET,
                        "BACKORDER_LISTEN": f"127.0.0.1:{port}",
                        **(settings or {}),
                    },
                )
                instances.append(Instance(bot, f"http://127.0.0.1:{port}"))
                await bot.wait_for(RUNNING_LINE)
            yield Balanced(nginx, instances)
        finally:
            for instance in instances:
                with contextlib.suppress(Exception):
                    await stop_bot(instance.bot)
                if instance.bot.process.returncode is None:
                    instance.bot.process.kill()
                    await instance.bot.process.wait()
