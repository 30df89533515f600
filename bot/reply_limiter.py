"""The Application's rate limiter: PTB's throttling, plus retries that keep replies from being lost.

A reply is a Bot API call addressed to a chat or answering a query (sendMessage, editMessageText,
answerCallbackQuery, ...). Its transient failures (5xx, network errors, timeouts, 429 with its
`retry_after`) are tried again with exponential backoff and jitter until a time window closes; then
the failure is logged (method, chat, attempts; never the token or the text) and raised as
`ReplyNotDelivered`. Permanent refusals (400, 403, ...) are raised at once. Other calls (getMe,
setMyCommands, deleteWebhook) are tried once: their callers decide, and start-up must fail fast.
getUpdates never reaches a rate limiter (PTB's ExtBot sends it directly); it is passed through
untouched here too, so a fetch loop's own retrying is not doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot import metrics
from bot.domain.retry import RetryPolicy

logger = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, Result]]

# Why: these parameters address a reply to a chat or to a query a user is waiting on.
_REPLY_TARGETS = (
    "chat_id",
    "callback_query_id",
    "inline_query_id",
    "shipping_query_id",
    "pre_checkout_query_id",
)
_NEVER_RETRIED = frozenset({"getUpdates"})
# Why: Telegram's limit for groups (about 20 messages a minute), as PTB's AIORateLimiter has it.
GROUP_RATE = 20
GROUP_PERIOD_SECONDS = 60.0
# Why: the first retry comes quickly (most 5xx are one-off); later ones spread out to 5 s.
REPLY_BACKOFF = RetryPolicy(base_seconds=0.25, max_seconds=5.0)


class ReplyNotDelivered(NetworkError):
    """A reply still failing transiently when its retry window closed (cause: the last error)."""

    def __init__(self, endpoint: str, target: str, attempts: int, seconds: float) -> None:
        super().__init__(
            f"{endpoint} to {target} not delivered after {attempts} attempt(s) in {seconds:.1f} s"
        )
        self.endpoint = endpoint
        self.target = target
        self.attempts = attempts


class ReplyLimiter(BaseRateLimiter[float]):
    """Throttles calls to chats within `overall_rate` per second and retries replies (module doc).

    `retry_seconds` is the window (from the first attempt) in which a reply is tried again; 0 tries
    once. A call's `rate_limit_args`, when given, is its own window in seconds.
    """

    def __init__(
        self,
        *,
        overall_rate: float = 30.0,
        retry_seconds: float = 60.0,
        backoff: RetryPolicy = REPLY_BACKOFF,
        rng: random.Random | None = None,
    ) -> None:
        self._overall = AsyncLimiter(overall_rate, 1.0)
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._retry_seconds = retry_seconds
        self._backoff = backoff
        self._rng = rng or random.Random()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: float | None,
    ) -> Result:
        """Make the call within the rate; retry a reply's transient failures (module doc)."""
        if endpoint in _NEVER_RETRIED:
            return await callback(*args, **kwargs)
        if not any(data.get(name) is not None for name in _REPLY_TARGETS):
            return await self._throttled(callback, args, kwargs, data)
        window = self._retry_seconds if rate_limit_args is None else rate_limit_args
        loop = asyncio.get_running_loop()
        started = loop.time()
        attempts = 0
        to_chat = data.get("chat_id") is not None
        while True:
            attempts += 1
            try:
                result = await self._throttled(callback, args, kwargs, data)
            except TelegramError as exc:
                if isinstance(exc, RetryAfter):
                    metrics.rate_limited("reply")
                wait = self._wait_before_retry(exc, attempts)
                if wait is None:
                    if to_chat:
                        metrics.message_failed("reply")
                    raise
                elapsed = loop.time() - started
                if elapsed + wait > window:
                    target = _target(data)
                    logger.warning(
                        "reply not delivered: %s to %s failed %d time(s) in %.1f s (%s: %s)",
                        endpoint,
                        target,
                        attempts,
                        elapsed,
                        type(exc).__name__,
                        exc,
                    )
                    if to_chat:
                        metrics.message_failed("reply")
                    raise ReplyNotDelivered(endpoint, target, attempts, elapsed) from exc
                logger.info(
                    "retrying %s to %s in %.1f s after %s: %s",
                    endpoint,
                    _target(data),
                    wait,
                    type(exc).__name__,
                    exc,
                )
                await asyncio.sleep(wait)
            else:
                if to_chat:
                    metrics.message_sent("reply")
                return result

    def _wait_before_retry(self, exc: TelegramError, attempts: int) -> float | None:
        """Seconds to wait before trying again, or None when the failure is permanent."""
        if isinstance(exc, RetryAfter):
            # Why: a small jitter keeps the replies that waited together from colliding again.
            return retry_after_seconds(exc) + self._rng.random() * 0.25
        if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest | ReplyNotDelivered):
            # Why: 5xx answers, connection failures and timeouts (TimedOut) are all NetworkError.
            return self._backoff.delay(attempts, self._rng)
        return None

    async def _throttled(
        self, callback: Callback, args: Any, kwargs: dict[str, Any], data: dict[str, Any]
    ) -> Result:
        """One attempt, within the overall rate (calls to chats) and the group rate (groups)."""
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await callback(*args, **kwargs)
        group = self._group_limiter(chat_id)
        async with group if group is not None else contextlib.nullcontext(), self._overall:
            return await callback(*args, **kwargs)

    def _group_limiter(self, chat_id: object) -> AsyncLimiter | None:
        """The limiter of a group or channel (negative id or @name); None for a private chat."""
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(str(chat_id))
        if isinstance(chat_id, int) and chat_id > 0:
            return None
        key = chat_id if isinstance(chat_id, int) else str(chat_id)
        limiter = self._groups.get(key)
        if limiter is None:
            # Why: a limiter with all its capacity back holds nothing worth keeping.
            if len(self._groups) > 512:
                for old, idle in list(self._groups.items()):
                    if idle.has_capacity(idle.max_rate):
                        del self._groups[old]
            limiter = self._groups[key] = AsyncLimiter(GROUP_RATE, GROUP_PERIOD_SECONDS)
        return limiter


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait a 429 asks for, in seconds (PTB 22 gives an int or a timedelta)."""
    with warnings.catch_warnings():
        # Why: PTB 22 warns that the int form is deprecated; both forms are handled here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _target(data: dict[str, Any]) -> str:
    """What a reply is addressed to, for log lines: "chat 42" or "callback_query_id 7"."""
    for name in _REPLY_TARGETS:
        if data.get(name) is not None:
            return f"chat {data[name]}" if name == "chat_id" else f"{name} {data[name]}"
    return "no chat"
