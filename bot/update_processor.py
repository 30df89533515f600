"""Updates of different chats handled side by side, each chat's own updates one after another."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Why: enough for many chats waiting on a slow Bot API at once, well under the Application bot's
# HTTP connection pool (PTB's default of 256), so replies never queue for a connection.
MAX_CONCURRENT_UPDATES = 64
# Why: PTB's own semaphore is taken before `do_process_update`, so an update waiting for its
# chat's turn would hold a slot; the bound on running updates is applied after the turn instead.
_WAITING_UPDATES = 100_000

AfterUpdate = Callable[[object], Awaitable[None]]
# Around the handling of each update of a chat, inside its turn: across instances, the chat's
# lock and its conversation state read before and written after (bot/persistence.py ChatTurns).
AroundChat = Callable[[int, object], AbstractAsyncContextManager[None]]


def chat_key(update: object) -> int | None:
    """Whose updates must stay in order: the chat's id, else the user's, else None (no order)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """PTB's update processor (`ApplicationBuilder.concurrent_updates`) serialising per chat.

    PTB's ConversationHandler (handlers/start.py) needs the updates of one conversation one by
    one; a conversation is keyed by chat and user, so one chat at a time per chat keeps that.

    At most `max_concurrent_updates` updates run at once, counting only those whose chat's turn
    has come; updates with the same `chat_key` run in the order PTB hands them over (asyncio locks
    wake waiters first come, first served). `after(update)` runs once the update's handling has
    finished, whether it raised or not (not when it was cancelled); it must not raise.
    `around(chat_key, update)`, when given, wraps the handling of each update that has a chat
    key, in its turn (DESIGN §13: the chat's order across instances, its state in the database).
    """

    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        *,
        after: AfterUpdate | None = None,
        around: AroundChat | None = None,
    ) -> None:
        super().__init__(_WAITING_UPDATES)
        self._running = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._after = after
        self._around = around
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handling in its chat's turn, then the `after` hook."""
        try:
            key = chat_key(update)
            if key is None:
                async with self._running:
                    await coroutine
            else:
                around = self._around(key, update) if self._around else nullcontext()
                async with self._turn(key), self._running, around:
                    await coroutine
        except asyncio.CancelledError:
            # Why: handling cut short (the process is going down) is not handled; no `after`.
            raise
        except BaseException:
            await self._finished(update)
            raise
        await self._finished(update)

    async def _finished(self, update: object) -> None:
        if self._after is not None:
            await self._after(update)

    @asynccontextmanager
    async def _turn(self, key: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            # Why: one lock per chat ever seen would grow without end; drop it when unused.
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
