"""The load balancer of deploy/: a real nginx with the shared locations in front of two stand-in
instances. What the world reaches, what it does not, and what happens when an instance is down."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.web.ingest import MAX_BODY
from tests.deploy.nginx import (
    LOCATIONS,
    NO_NGINX,
    PRODUCTION_CONFIG,
    nginx_binary,
    running_nginx,
    unused_port,
)

pytestmark = pytest.mark.skipif(nginx_binary() is None, reason=NO_NGINX)

PUBLIC = ("/telegram/webhook", "/api/v1/orders", "/api/v1/products", "/webhooks/shopify")
INTERNAL = ("/healthz", "/metrics", "/", "/sandbox/users", "/api/v2/orders")


@dataclass
class Instance:
    """A stand-in bot instance: records each request (method, path, body size) and answers
    `status` (an instance starting or stopping answers 503)."""

    name: str
    status: int = 200
    seen: list[tuple[str, str, int]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append((request.method, request.path, len(body)))
        return web.json_response({"instance": self.name}, status=self.status)


@contextlib.asynccontextmanager
async def serving(instance: Instance) -> AsyncIterator[str]:
    """The instance on a free local port for the block; its HOST:PORT."""
    app = web.Application(client_max_size=64 * 2**20)
    app.router.add_route("*", "/{tail:.*}", instance.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        yield f"{host}:{port}"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def balanced(
    tmp_path: Path, first: Instance | None, second: Instance
) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    """nginx in front of the two instances (`first` None: a port nothing listens on, as an
    instance that was killed); nginx's base URL and a client session."""
    async with contextlib.AsyncExitStack() as stack:
        one = (
            await stack.enter_async_context(serving(first))
            if first is not None
            else f"127.0.0.1:{unused_port()}"
        )
        two = await stack.enter_async_context(serving(second))
        nginx = await stack.enter_async_context(running_nginx(tmp_path / "nginx", [one, two]))
        session = await stack.enter_async_context(aiohttp.ClientSession())
        yield nginx.base_url, session


async def test_the_webhook_the_ingest_api_and_shopify_reach_the_instances_in_turn(
    tmp_path: Path,
) -> None:
    first, second = Instance("first"), Instance("second")
    async with balanced(tmp_path, first, second) as (base_url, session):
        answers = []
        for path in PUBLIC * 2:
            async with session.post(base_url + path, json=[{"n": 1}]) as response:
                answers.append((response.status, (await response.json())["instance"]))

    assert [status for status, _ in answers] == [200] * len(PUBLIC) * 2
    assert sorted(path for _, path, _ in first.seen + second.seen) == sorted(PUBLIC * 2)
    assert len(first.seen) == len(second.seen) == len(PUBLIC)


async def test_health_metrics_and_everything_else_stay_off_the_public_side(
    tmp_path: Path,
) -> None:
    first, second = Instance("first"), Instance("second")
    async with balanced(tmp_path, first, second) as (base_url, session):
        statuses = {}
        for path in INTERNAL:
            async with session.get(base_url + path) as response:
                statuses[path] = response.status
        async with session.get(base_url + "/telegram/webhook") as response:
            get_webhook = response.status

    assert statuses == dict.fromkeys(INTERNAL, 404)
    # Telegram and Shopify only POST; a GET is refused before it reaches an instance.
    assert get_webhook == 403
    assert first.seen == second.seen == []


async def test_with_one_instance_down_every_update_reaches_the_other(tmp_path: Path) -> None:
    survivor = Instance("second")
    async with balanced(tmp_path, None, survivor) as (base_url, session):
        statuses = []
        for n in range(20):
            async with session.post(
                base_url + "/telegram/webhook", json={"update_id": n}
            ) as response:
                statuses.append(response.status)

    assert statuses == [200] * 20
    assert [path for _, path, _ in survivor.seen] == ["/telegram/webhook"] * 20


async def test_an_update_an_instance_refuses_while_stopping_is_handed_to_the_other(
    tmp_path: Path,
) -> None:
    stopping, running = Instance("stopping", status=503), Instance("running")
    async with balanced(tmp_path, stopping, running) as (base_url, session):
        answered = []
        for n in range(6):
            async with session.post(
                base_url + "/telegram/webhook", json={"update_id": n}
            ) as response:
                answered.append((response.status, (await response.json())["instance"]))

    assert answered == [(200, "running")] * 6
    assert len(running.seen) == 6
    # nginx tried the stopping one once, then left it alone for fail_timeout.
    assert len(stopping.seen) == 1


async def test_an_ingest_body_over_the_bots_limit_is_refused_by_nginx(tmp_path: Path) -> None:
    limit = client_max_body_size("/api/v1/")
    first, second = Instance("first"), Instance("second")
    async with balanced(tmp_path, first, second) as (base_url, session):
        async with session.post(base_url + "/api/v1/orders", data=b"x" * limit) as response:
            at_limit = response.status
        async with session.post(base_url + "/api/v1/orders", data=b"x" * (limit + 1)) as response:
            over_limit = response.status

    assert limit == MAX_BODY
    assert (at_limit, over_limit) == (200, 413)
    assert [size for _, _, size in first.seen + second.seen] == [limit]


def test_nginx_passes_a_shopify_order_webhook_as_large_as_the_bot_takes() -> None:
    assert client_max_body_size("= /webhooks/shopify") == MAX_BODY


def client_max_body_size(location: str) -> int:
    """The body limit (bytes) the shared locations set for `location`."""
    text = LOCATIONS.read_text(encoding="utf-8")
    block = re.search(rf"(?ms)^location {re.escape(location)} \{{$.*?^\}}$", text)
    assert block is not None, f"no location {location}"
    found = re.search(r"client_max_body_size (\d+)m;", block[0])
    assert found is not None, f"no client_max_body_size in location {location}"
    return int(found[1]) * 2**20


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl for a test certificate")
def test_nginx_accepts_the_production_configuration(tmp_path: Path) -> None:
    # Why the substitutions: `nginx -t` resolves the upstream names (the compose services) and
    # loads the certificate, neither of which exists outside the compose network.
    conf = tmp_path / "conf"
    shutil.copytree(LOCATIONS.parent, conf / "backorder")
    (conf / "certs").mkdir()
    text = PRODUCTION_CONFIG.read_text(encoding="utf-8")
    for name in ("bot1", "bot2"):
        assert f"server {name}:8080 " in text
        text = text.replace(f"server {name}:8080 ", f"server 127.0.0.1:{unused_port()} ")
    text = text.replace("/var/log/nginx/", f"{tmp_path}/").replace(
        "/var/run/nginx.pid", f"{tmp_path}/nginx.pid"
    )
    (conf / "nginx.conf").write_text(text, encoding="utf-8")
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    request += ["-subj", "/CN=bot.example.com", "-keyout", str(conf / "certs" / "privkey.pem")]
    subprocess.run(
        ["openssl", *request, "-out", str(conf / "certs" / "fullchain.pem")],
        check=True,
        capture_output=True,
    )
    binary = nginx_binary()
    assert binary is not None

    checked = subprocess.run(
        [binary, "-t", "-p", str(conf), "-c", str(conf / "nginx.conf"), "-e", str(tmp_path / "e")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
