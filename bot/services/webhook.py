"""Use case: POST each event to the shop's webhook, signed, in id order, until it answers 2xx.

Delivery is at least once: an event whose answer was lost is sent again, so the receiver must
drop repeats by event id (`X-Backorder-Event-Id`, also `id` in the body). The body is the same
JSON object `backorder-bot events --json` prints; `X-Backorder-Signature` is
`sha256=<hex HMAC-SHA256 of the exact body bytes with BACKORDER_EVENTS_SECRET>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

from bot.config import Settings
from bot.domain.events import Event, EventStore
from bot.services.events import event_json_text

SIGNATURE_HEADER = "X-Backorder-Signature"
EVENT_ID_HEADER = "X-Backorder-Event-Id"
EVENT_TYPE_HEADER = "X-Backorder-Event-Type"
PAGE_SIZE = 100
MAX_DOUBLINGS = 30

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class WebhookConfigError(ValueError):
    """The webhook is configured in a way the bot refuses to deliver to."""


@dataclass(frozen=True)
class WebhookTarget:
    """Where events go and the secret that signs them."""

    url: str
    secret: str = field(repr=False)


def webhook_target(settings: Settings) -> WebhookTarget | None:
    """The configured webhook, None when there is none; refuses a URL without a secret."""
    if not settings.events_webhook_url:
        return None
    if not settings.events_secret:
        raise WebhookConfigError(
            "BACKORDER_EVENTS_WEBHOOK_URL is set but BACKORDER_EVENTS_SECRET is not; events are "
            "never sent unsigned, so set a secret shared with the receiver"
        )
    return WebhookTarget(settings.events_webhook_url, settings.events_secret)


def signature(body: bytes, secret: str) -> str:
    """The `X-Backorder-Signature` value for a body."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_matches(body: bytes, secret: str, header: str | None) -> bool:
    """What a receiver checks: the header signs exactly these body bytes with the secret."""
    return header is not None and hmac.compare_digest(signature(body, secret), header)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: doubling from `first` seconds, capped at `cap`."""

    first: float = 1.0
    cap: float = 300.0

    def delay(self, failures: int, jitter: float) -> float:
        """Seconds to wait after the `failures`-th failure in a row; `jitter` is in [0, 1)."""
        ceiling = min(self.cap, self.first * 2.0 ** min(failures - 1, MAX_DOUBLINGS))
        # Why: keeping the lower half fixed stops retries from bunching up near zero.
        return ceiling / 2 + ceiling / 2 * jitter


class WebhookDelivery:
    """Drains the event feed to the webhook one event at a time; the cursor moves only on 2xx."""

    def __init__(
        self,
        store: EventStore,
        target: WebhookTarget,
        *,
        timeout: float = 10.0,
        backoff: Backoff | None = None,
        sleep: Sleep | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._target = target
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._backoff = backoff or Backoff()
        self._sleep = sleep or self._pause
        self._jitter = jitter
        self._stopped = asyncio.Event()
        self._draining = False

    async def drain(self) -> int:
        """Deliver everything pending, retrying each event until 2xx; return how many went out."""
        if self._draining or self._stopped.is_set():
            # Why: a tick that finds a drain still retrying must not send alongside it.
            return 0
        self._draining = True
        try:
            return await self._drain()
        finally:
            self._draining = False

    def stop(self) -> None:
        """Make a running drain return after its current attempt, and any later drain at once."""
        self._stopped.set()

    def resume(self) -> None:
        """Let later drains deliver again (this instance leads again, bot/leader_duties.py)."""
        self._stopped.clear()

    async def _drain(self) -> int:
        delivered = 0
        events = await self._store.events_after(
            await self._store.delivered_event_id(), limit=PAGE_SIZE
        )
        if not events:
            return 0
        async with aiohttp.ClientSession(timeout=self._timeout) as session:
            while events:
                for event in events:
                    if not await self._deliver(session, event):
                        return delivered
                    await self._store.mark_event_delivered(event.event_id)
                    delivered += 1
                events = await self._store.events_after(events[-1].event_id, limit=PAGE_SIZE)
        return delivered

    async def _deliver(self, session: aiohttp.ClientSession, event: Event) -> bool:
        """POST one event until it is acknowledged (True) or delivery is stopped (False)."""
        body = event_json_text(event).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(body, self._target.secret),
            EVENT_ID_HEADER: str(event.event_id),
            EVENT_TYPE_HEADER: event.type,
        }
        failures = 0
        while not self._stopped.is_set():
            problem = await self._post(session, body, headers)
            if problem is None:
                return True
            failures += 1
            wait = self._backoff.delay(failures, self._jitter())
            logger.warning(
                "webhook did not accept event %d (%s, attempt %d); retrying in %.1f s",
                event.event_id,
                problem,
                failures,
                wait,
            )
            await self._sleep(wait)
        return False

    async def _post(
        self, session: aiohttp.ClientSession, body: bytes, headers: dict[str, str]
    ) -> str | None:
        """None when the webhook answered 2xx, else what went wrong."""
        try:
            async with session.post(
                self._target.url, data=body, headers=headers, allow_redirects=False
            ) as response:
                await response.read()
                return None if 200 <= response.status < 300 else f"HTTP {response.status}"
        except TimeoutError:
            return "timeout"
        except aiohttp.ClientError as exc:
            return type(exc).__name__

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), seconds)
