"""Webhook delivery as Telegram does it: each pending update POSTed to the bot's webhook URL.

As JSON with `X-Telegram-Bot-Api-Secret-Token` when a secret was set. Up to `max_connections`
POSTs at once (Telegram's setWebhook: "simultaneous HTTPS connections to the webhook for update
delivery", default 40), one chat's updates one at a time in update_id order (a reply to a button
never overtakes the question's answer); `max_connections=1` posts one update at a time in
update_id order. An update is kept until the webhook answers 2xx, and tried again after a failure
(non-2xx answer, connection error, timeout) with a doubling wait (SandboxConfig
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
# Why: how far down the queue free chats are looked for; bounds the work of one pass.
SCAN_LIMIT = 1000

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
    """Post pending updates until the webhook is removed: each chat's first pending update (so a
    chat's updates arrive one after another, in update_id order), up to `max_connections` at
    once; a failed one is tried again after a wait that doubles while failures go on."""
    loop = asyncio.get_running_loop()
    posting: dict[asyncio.Task[str | None], dict[str, object]] = {}
    retry_at: dict[object, float] = {}
    failures = 0
    try:
        while bot.webhook is webhook and not world.closing:
            now = loop.time()
            _start_posts(world, bot, webhook, posting, retry_at, now)
            waits = [at - now for at in retry_at.values() if at > now]
            timeout = min([IDLE_WAIT_SECONDS, *waits])
            changed = asyncio.ensure_future(bot.changed.wait(timeout))
            done, _ = await asyncio.wait([*posting, changed], return_when=asyncio.FIRST_COMPLETED)
            changed.cancel()
            for task in done:
                update = posting.pop(task, None)
                if update is None:
                    continue
                error = task.result()
                if error is None:
                    _acknowledged(world, bot, update)
                    retry_at.pop(update["update_id"], None)
                    failures = 0
                    continue
                failures += 1
                world.stats.webhook_failures += 1
                webhook.last_error_date = world.unix_now()
                webhook.last_error_message = error
                wait = world.config.webhook_retry_seconds * 2 ** min(failures - 1, 30)
                retry_at[update["update_id"]] = loop.time() + min(
                    wait, world.config.webhook_retry_max_seconds
                )
    finally:
        for task in posting:
            task.cancel()


def _start_posts(
    world: SandboxState,
    bot: BotState,
    webhook: Webhook,
    posting: dict[asyncio.Task[str | None], dict[str, object]],
    retry_at: dict[object, float],
    now: float,
) -> None:
    """Start posting each chat's first pending update that is not in flight or waiting to be
    retried, while connections are free."""
    in_flight = {id(update) for update in posting.values()}
    seen: set[object] = set()
    for update in bot.deliverable(SCAN_LIMIT):
        if len(posting) >= webhook.max_connections:
            return
        key = chat_key(update)
        if key in seen:
            continue
        seen.add(key)
        if id(update) in in_flight or retry_at.get(update["update_id"], 0.0) > now:
            continue
        posting[asyncio.ensure_future(_post(world, webhook, update))] = update


def _acknowledged(world: SandboxState, bot: BotState, update: dict[str, object]) -> None:
    """The webhook took the update: it is no longer pending."""
    with contextlib.suppress(ValueError):
        # Why: deleteWebhook(drop_pending_updates) may have dropped it meanwhile.
        bot.updates.remove(update)
    world.stats.updates_delivered += 1


def chat_key(update: dict[str, object]) -> object:
    """Whose updates must arrive in order: the chat's (a button press: its message's chat),
    else the sender's, else the update's own id."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        message = payload.get("message")
        chat = payload.get("chat") or (message.get("chat") if isinstance(message, dict) else None)
        if isinstance(chat, dict):
            return ("chat", chat.get("id"))
        sender = payload.get("from")
        if isinstance(sender, dict):
            return ("user", sender.get("id"))
    return ("update", update.get("update_id"))


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
