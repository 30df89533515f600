"""Events delivered per second to a local webhook receiver (signed POSTs, cursor saved each)."""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bot.services.webhook import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    WebhookDelivery,
    WebhookTarget,
    signature_matches,
)
from storage.events import append_event
from storage.store import open_store

NAME = "events_delivery"
EVENTS = 5_000
SECRET = "bench-secret"
CREATED_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def run(scale: float = 1.0) -> dict[str, object]:
    """Record N events, deliver them all to a local receiver and return the rate."""
    return asyncio.run(_measure(max(50, round(EVENTS * scale))))


async def _measure(count: int) -> dict[str, object]:
    received: list[int] = []

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        if not signature_matches(body, SECRET, request.headers.get(SIGNATURE_HEADER)):
            return web.Response(status=401)
        received.append(int(request.headers[EVENT_ID_HEADER]))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        with tempfile.TemporaryDirectory(prefix="bench-events-") as folder:
            store = await open_store(Path(folder) / "events.sqlite3")
            try:
                async with store.database.write() as conn:
                    for n in range(count):
                        payload = {"line_no": 1, "amount_minor": 1999, "currency": "EUR"}
                        await append_event(conn, "refund.due", f"{n:06d}", payload, at=CREATED_AT)
                delivery = WebhookDelivery(store, WebhookTarget(url, SECRET))
                started = time.perf_counter()
                delivered = await delivery.drain()
                elapsed = time.perf_counter() - started
            finally:
                await store.close()
    finally:
        await runner.cleanup()
    return {
        "benchmark": NAME,
        "events": count,
        "delivered": delivered,
        "in_order_once_each": received == sorted(set(received)) and len(received) == count,
        "seconds": round(elapsed, 3),
        "events_per_s": round(delivered / elapsed, 1),
    }
