"""getMe, getUpdates (long polling), setWebhook, deleteWebhook, getWebhookInfo."""

from __future__ import annotations

import asyncio
import re
from collections import deque
from urllib.parse import urlsplit

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.methods.base import Call, Method
from bot.sandbox.state import BotState, Webhook
from bot.sandbox.webhooks import start_delivery, stop_delivery

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
# Telegram's setWebhook: secret_token "1-256 characters. Only characters A-Z, a-z, 0-9, _ and -".
SECRET_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")
SECRET_MAX_LENGTH = 256
DEFAULT_MAX_CONNECTIONS = 40
MAX_CONNECTIONS = 100
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


async def get_me(call: Call) -> object:
    """The bot's own user; the first caller becomes the control API's default bot."""
    call.world.claim_default(call.bot.bot_id)
    return {
        **call.bot.user_json(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(call: Call) -> object:
    """Confirm updates below `offset`, then return the next ones, waiting up to `timeout`;
    409 while a webhook is set, as in Telegram."""
    params, bot = call.params, call.bot
    if bot.webhook is not None:
        raise ApiError(409, WEBHOOK_CONFLICT)
    offset = params.integer("offset")
    limit = min(100, max(1, params.integer("limit") or 100))
    timeout = max(0.0, params.number("timeout") or 0.0)
    bot.remember_allowed_updates(params.json_value("allowed_updates"))
    _confirm(bot, offset)
    bot.polls_started += 1
    # Why: a newer poll wakes the older one, which then ends with 409 as in Telegram.
    bot.changed.fire()
    this_poll = bot.polls_started
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if bot.polls_started != this_poll:
            raise ApiError(409, CONFLICT)
        if bot.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        batch = bot.deliverable(limit)
        remaining = deadline - loop.time()
        if batch or remaining <= 0 or call.world.closing:
            break
        await bot.changed.wait(remaining)
    call.world.stats.updates_delivered += len(batch)
    return batch


def _confirm(bot: BotState, offset: int | None) -> None:
    if offset is None or offset == 0:
        return
    if offset < 0:
        bot.updates = deque(list(bot.updates)[offset:])
        return
    while bot.updates and int(str(bot.updates[0]["update_id"])) < offset:
        bot.updates.popleft()


async def set_webhook(call: Call) -> object:
    """Deliver updates by POSTing them to `url` (bot/sandbox/webhooks.py); an empty url removes
    the webhook. Checked as Telegram checks: an https URL (plain http too on a loopback host, the
    sandbox being local), `secret_token` of 1-256 characters A-Z a-z 0-9 _ -, `max_connections`
    1-100 (default 40)."""
    params, bot = call.params, call.bot
    url = params.string("url") or ""
    if url == "":
        stop_delivery(bot)
        return True
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if parts.scheme != "https" and not loopback:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if not parts.hostname:
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    secret = params.string("secret_token") or None
    if secret is not None and len(secret) > SECRET_MAX_LENGTH:
        raise bad_request("secret token is too long")
    if secret is not None and not SECRET_CHARACTERS.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.integer("max_connections")
    if max_connections is None:
        max_connections = DEFAULT_MAX_CONNECTIONS
    if not 1 <= max_connections <= MAX_CONNECTIONS:
        raise bad_request("max_connections must be between 1 and 100")
    bot.remember_allowed_updates(params.json_value("allowed_updates"))
    if params.boolean("drop_pending_updates"):
        bot.updates.clear()
    start_delivery(call.world, bot, Webhook(url, secret, max_connections))
    return True


async def delete_webhook(call: Call) -> object:
    """Stop webhook delivery (getUpdates works again); optionally drop the pending updates."""
    stop_delivery(call.bot)
    if call.params.boolean("drop_pending_updates"):
        call.bot.updates.clear()
    return True


async def get_webhook_info(call: Call) -> object:
    """The webhook's URL and delivery state; an empty `url` for a bot that polls."""
    bot = call.bot
    webhook = bot.webhook
    info: dict[str, object] = {
        "url": webhook.url if webhook is not None else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.deliverable(len(bot.updates) or 1)),
    }
    if webhook is None:
        return info
    info["max_connections"] = webhook.max_connections
    if bot.allowed_updates is not None:
        info["allowed_updates"] = sorted(bot.allowed_updates)
    if webhook.last_error_date is not None:
        info["last_error_date"] = webhook.last_error_date
        info["last_error_message"] = webhook.last_error_message
    return info


METHODS = (
    Method("getMe", get_me),
    Method("getUpdates", get_updates, optional=("offset", "limit", "timeout", "allowed_updates")),
    Method(
        "setWebhook",
        set_webhook,
        required=("url",),
        optional=(
            "certificate",
            "ip_address",
            "max_connections",
            "allowed_updates",
            "drop_pending_updates",
            "secret_token",
        ),
        may_be_empty=("url",),
    ),
    Method("deleteWebhook", delete_webhook, optional=("drop_pending_updates",)),
    Method("getWebhookInfo", get_webhook_info),
)
