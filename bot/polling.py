"""Long polling into the update inbox: each batch is recorded before the next call confirms it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot
from telegram.error import InvalidToken, RetryAfter

from bot.update_inbox import UpdateInbox

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
LAST_RETRY_SECONDS = 30.0
PRUNE_EVERY_SECONDS = 600.0


class LongPolling:
    """getUpdates in a loop until stopped; failures are retried with backoff (DESIGN §3, `run`).

    Each batch goes through `UpdateInbox.receive` (recorded durably) before the next call's
    offset acknowledges it to Telegram. Polling resumes after the newest recorded update.
    """

    def __init__(
        self, bot: Bot, inbox: UpdateInbox, *, timeout: float, allowed_updates: Sequence[str]
    ) -> None:
        self._bot = bot
        self._inbox = inbox
        self._timeout = timeout
        self._allowed_updates = list(allowed_updates)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._writing = False

    async def start(self) -> None:
        """Prune the inbox and start fetching after its newest update."""
        await self._prune()
        offset = await self._inbox.resume_offset()
        self._task = asyncio.create_task(self._run(offset), name="update-inbox-polling")

    async def stop(self) -> None:
        """Stop fetching; a batch being recorded (or a pruning) is finished first."""
        self._stopping = True
        if self._task is None:
            return
        if not self._writing:
            # Why: a long poll or a retry wait is cut short; nothing fetched is lost by that.
            self._task.cancel()
        # Why: a loop that ended on a rejected token has logged it already; stopping goes on.
        with contextlib.suppress(asyncio.CancelledError, InvalidToken):
            await self._task
        self._task = None

    async def _run(self, offset: int | None) -> None:
        delay = FIRST_RETRY_SECONDS
        pruned_at = time.monotonic()
        while not self._stopping:
            try:
                updates = await self._bot.get_updates(
                    offset=offset,
                    timeout=int(self._timeout),
                    allowed_updates=self._allowed_updates,
                )
            except InvalidToken:
                logger.error("the Bot API rejected the token; no more updates are fetched")
                raise
            except RetryAfter as exc:
                await self._wait(_seconds(exc.retry_after), "getUpdates was rate limited")
                continue
            except Exception as exc:
                # Why: network errors, 5xx and 409 Conflict pass; the type only, as the message
                # may quote the URL, which holds the token.
                await self._wait(delay, f"getUpdates failed ({type(exc).__name__})")
                delay = min(delay * 2, LAST_RETRY_SECONDS)
                continue
            self._writing = True
            try:
                if updates:
                    await self._inbox.receive(updates)
                    offset = updates[-1].update_id + 1
            except Exception as exc:
                # Why: not recorded means not acknowledged; the same batch is fetched again.
                self._writing = False
                await self._wait(delay, f"could not record updates ({type(exc).__name__})")
                delay = min(delay * 2, LAST_RETRY_SECONDS)
                continue
            delay = FIRST_RETRY_SECONDS
            if time.monotonic() - pruned_at > PRUNE_EVERY_SECONDS:
                pruned_at = time.monotonic()
                await self._prune()
            self._writing = False

    async def _wait(self, seconds: float, reason: str) -> None:
        logger.warning("%s; retrying in %.1f s", reason, seconds)
        await asyncio.sleep(seconds)

    async def _prune(self) -> None:
        try:
            await self._inbox.prune()
        except Exception as exc:
            logger.warning("could not prune the update inbox (%s)", type(exc).__name__)


def _seconds(retry_after: int | timedelta) -> float:
    """`RetryAfter.retry_after` in seconds (PTB gives an int or a timedelta, by its settings)."""
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
