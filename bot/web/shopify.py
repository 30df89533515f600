"""HTTP face of Shopify's order webhooks (DESIGN §14): HMAC first, then the order."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

from aiohttp import web

from bot.context import Services
from bot.services.shopify import apply_order_webhook

PATH = "/webhooks/shopify"
HMAC_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"

log = logging.getLogger(__name__)


def add_routes(app: web.Application, services: Services) -> None:
    """`POST /webhooks/shopify` when BACKORDER_SHOPIFY_SECRET is set."""
    secret = services.settings.shopify_secret
    if not secret:
        return
    key = secret.encode()

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if not signed(body, request.headers.get(HMAC_HEADER, ""), key):
            return web.json_response({"error": f"missing or wrong {HMAC_HEADER}"}, status=401)
        try:
            order = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return web.json_response({"error": f"the body is not valid JSON: {exc}"}, status=400)
        if not isinstance(order, dict):
            return web.json_response({"error": "the body must be a JSON object"}, status=400)
        answer = await apply_order_webhook(
            services.store,
            topic=request.headers.get(TOPIC_HEADER, ""),
            webhook_id=request.headers.get(WEBHOOK_ID_HEADER),
            order=order,
            timezone=services.settings.timezone,
            rules=services.rules,
            refund_days=services.settings.refund_days,
            now=services.clock.now(),
        )
        if answer.status != 200:
            log.warning("Shopify webhook for %s refused: %s", answer.body.get("order"), answer.body)
        return web.json_response(dict(answer.body), status=answer.status)

    app.router.add_post(PATH, handle)


def signed(body: bytes, given: str, secret: bytes) -> bool:
    """Whether `given` is base64(HMAC-SHA256(secret, raw body)), compared in constant time
    (Shopify's webhook verification, shopify.dev "Deliver webhooks through HTTPS")."""
    expected = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, given.strip().encode())
