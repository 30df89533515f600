"""Telegram's webhook: POSTed updates, checked against the secret, recorded before the answer.

PTB's documented custom-webhook pattern (python-telegram-bot `examples/customwebhookbot`,
https://docs.python-telegram-bot.org/en/latest/examples.customwebhookbot.html): our own web
server receives the POST and hands the `Update` to the Application, here through the same
durable inbox polling uses (bot/update_inbox.py): the update is recorded first and Telegram gets
200 only after that, so a crash before the answer means Telegram delivers it again. An update
Telegram delivers twice is recorded and handled once.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

from bot.polling import PRUNE_EVERY_SECONDS
from bot.update_inbox import UpdateInbox

logger = logging.getLogger(__name__)

# Telegram's setWebhook: "the request will contain a header X-Telegram-Bot-Api-Secret-Token".
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Why: an instance starting or stopping asks Telegram to try again soon (another instance, maybe).
NOT_READY_RETRY_SECONDS = "1"


def webhook_path(url: str) -> str:
    """The path of BACKORDER_WEBHOOK_URL the server answers on (`/` when the URL has none)."""
    return urlsplit(url).path or "/"


class WebhookIntake:
    """The POST handler of the webhook, open while the Application takes updates.

    Answers: 403 without the right secret (nothing recorded, nothing read); 503 while the bot is
    starting or stopping, or when the update could not be recorded (Telegram retries); 400 for a
    body that is not an Update; 200 once the update is recorded (and queued when new).
    """

    def __init__(self, secret: str, path: str) -> None:
        self._secret = secret.encode()
        self.path = path
        self._inbox: UpdateInbox | None = None
        self._bot: Bot | None = None
        self._pruned_at = 0.0
        self._pruning: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        # Why: the secret must never reach a log line through a repr.
        return f"WebhookIntake(path={self.path!r}, open={self.is_open})"

    @property
    def is_open(self) -> bool:
        """Whether updates are taken now."""
        return self._inbox is not None

    def open(self, inbox: UpdateInbox, bot: Bot) -> None:
        """Take updates into `inbox` from now on (the Application is running); the inbox's old
        handled updates are pruned now and every PRUNE_EVERY_SECONDS, as polling does."""
        self._inbox, self._bot = inbox, bot
        self._prune_if_due(inbox)

    async def stop(self) -> None:
        """Take no more updates: later POSTs get 503 and Telegram delivers them again later.

        The webhook stays set at Telegram: with several instances the others keep receiving.
        """
        self._inbox, self._bot = None, None
        if self._pruning is not None:
            await self._pruning
            self._pruning = None

    def add_routes(self, app: web.Application) -> None:
        """Register the POST route on the webhook's path."""
        app.router.add_post(self.path, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        """One update from Telegram (see the class docstring for the answers)."""
        if not self._secret_matches(request.headers.get(SECRET_HEADER)):
            return web.json_response({"error": "wrong or missing secret token"}, status=403)
        inbox, bot = self._inbox, self._bot
        if inbox is None or bot is None:
            return _not_ready("the bot is not taking updates right now")
        try:
            data = await request.json()
        except ValueError:
            return web.json_response({"error": "the body is not JSON"}, status=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.json_response({"error": "the body is not an Update"}, status=400)
        try:
            update = Update.de_json(data, bot)
        except (TypeError, ValueError, KeyError):
            return web.json_response({"error": "the body is not an Update"}, status=400)
        try:
            await inbox.receive_one(update, data)
        except Exception as exc:
            # Why: not recorded means not acknowledged; Telegram delivers it again.
            logger.warning(
                "could not record update %s (%s); Telegram will deliver it again",
                update.update_id,
                type(exc).__name__,
            )
            return _not_ready("the update could not be recorded")
        self._prune_if_due(inbox)
        return web.Response(status=200)

    def _prune_if_due(self, inbox: UpdateInbox) -> None:
        """Prune in the background when PRUNE_EVERY_SECONDS passed (never delays an answer)."""
        if self._pruning is not None and not self._pruning.done():
            return
        if self._pruned_at and time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = time.monotonic()
        self._pruning = asyncio.create_task(_prune(inbox), name="update-inbox-pruning")

    def _secret_matches(self, given: str | None) -> bool:
        if given is None:
            return False
        # Why: compare_digest takes the same time wherever the strings differ (no timing leak).
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._secret)


async def _prune(inbox: UpdateInbox) -> None:
    try:
        await inbox.prune()
    except Exception as exc:
        logger.warning("could not prune the update inbox (%s)", type(exc).__name__)


def _not_ready(reason: str) -> web.Response:
    return web.json_response(
        {"error": reason}, status=503, headers={"Retry-After": NOT_READY_RETRY_SECONDS}
    )
