"""GET /metrics: the series of bot/metrics.py in Prometheus's text format (DESIGN §13).

The outbox backlog is read from the store at each scrape; when the database does not answer the
gauge keeps its last value and the scrape still succeeds (the other series are in memory).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import metrics
from bot.context import Services

logger = logging.getLogger(__name__)

METRICS_SERVICES = web.AppKey("metrics_services", Services)
SCRAPE_DB_TIMEOUT_SECONDS = 5.0


def add_routes(app: web.Application, services: Services) -> None:
    """Register GET /metrics."""
    app[METRICS_SERVICES] = services
    app.router.add_get("/metrics", scrape)


async def scrape(request: web.Request) -> web.Response:
    """Every series of the project's registry, the backlog read now."""
    store = request.app[METRICS_SERVICES].store
    try:
        backlog = await asyncio.wait_for(store.outbox_backlog(), SCRAPE_DB_TIMEOUT_SECONDS)
    except Exception as exc:
        logger.warning("metrics: could not read the outbox backlog (%s)", type(exc).__name__)
    else:
        metrics.OUTBOX_BACKLOG.set(backlog)
    body = generate_latest(metrics.REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
