"""Webhook delivery as Telegram does it: each pending update POSTed to the bot's webhook URL.

Per bot, one update at a time in update_id order, as JSON with `X-Telegram-Bot-Api-Secret-Token`
when a secret was set; an update is kept until the webhook answers 2xx, and tried again after a
failure (non-2xx answer, connection error, timeout) with a doubling wait (SandboxConfig
`webhook_retry_seconds` up to `webhook_retry_max_seconds`); getWebhookInfo shows the last error.
Only the kinds in `allowed_updates` are sent (the others are dropped, as for getUpdates).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp

from bot.sandbox.state import BotState, SandboxState, Webhook

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Why: a change (new update, webhook replaced) wakes the loop; this only bounds a missed wake-up.
IDLE_WAIT_SECONDS = 1.0

logger = logging.getLogger(__name__)


def start_delivery(world: SandboxState, bot: BotState, webhook: Webhook) -> None:
    """Make `webhook` the bot's and start delivering to it (a previous webhook's delivery ends)."""
    stop_delivery(bot)
    bot.webhook = webhook
    webhook.task = asyncio.create_task(_deliver(world, bot, webhook), name="sandbox-webhook")
    bot.changed.fire()


def stop_delivery(bot: BotState) -> None:
    """Remove the bot's webhook; an update being POSTed stays pending (it was not acknowledged)."""
    webhook, bot.webhook = bot.webhook, None
    if webhook is not None and webhook.task is not None:
        webhook.task.cancel()
    bot.changed.fire()


async def _deliver(world: SandboxState, bot: BotState, webhook: Webhook) -> None:
    config = world.config
    wait = config.webhook_retry_seconds
    while bot.webhook is webhook and not world.closing:
        batch = bot.deliverable(1)
        if not batch:
            await bot.changed.wait(IDLE_WAIT_SECONDS)
            continue
        update = batch[0]
        error = await _post(world, webhook, update)
        if error is None:
            # Why: updates are only appended while this POST ran; the first is still this one.
            if bot.updates and bot.updates[0] is update:
                bot.updates.popleft()
            world.stats.updates_delivered += 1
            wait = config.webhook_retry_seconds
            continue
        world.stats.webhook_failures += 1
        webhook.last_error_date = world.unix_now()
        webhook.last_error_message = error
        await asyncio.sleep(wait)
        wait = min(wait * 2, config.webhook_retry_max_seconds)


async def _post(world: SandboxState, webhook: Webhook, update: dict[str, object]) -> str | None:
    """POST one update; None when the webhook answered 2xx, else Telegram's kind of error text."""
    headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
    timeout = aiohttp.ClientTimeout(total=world.config.webhook_timeout_seconds)
    world.stats.webhook_posts += 1
    try:
        async with world.http_client().post(
            webhook.url, json=update, headers=headers, timeout=timeout
        ) as answer:
            with contextlib.suppress(aiohttp.ClientError):
                await answer.read()
            if 200 <= answer.status < 300:
                return None
            return f"Wrong response from the webhook: {answer.status} {answer.reason or ''}".strip()
    except TimeoutError:
        return "Read timeout expired"
    except aiohttp.ClientConnectorError as exc:
        return f"Connection failed: {exc.os_error.strerror or type(exc.os_error).__name__}"
    except aiohttp.ClientError as exc:
        return f"Connection failed: {type(exc).__name__}"
