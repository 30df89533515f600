"""PTB persistence backed by the store: conversation states and chat_data live in the database.

Several instances may handle one chat's updates in turn (DESIGN §13), so PTB's usual way (load
everything at start, write back every `update_interval` seconds) is not enough. `ChatTurns`
wraps the handling of each update of a chat:

1. the chat's lock across instances (storage/chat_lock.py; on PostgreSQL), taken once no
   earlier update of the chat is recorded in the update inbox and still unhandled by another
   instance (waiting at most ORDER_WAIT_SECONDS), then
2. the chat's conversation states read fresh into the ConversationHandlers (with several
   instances; PTB has no per-update hook for them, `refresh_chat_data` covers chat_data), then
3. the update is handled, and
4. whatever it changed is written (`Application.update_persistence`) before the lock is let go,

so the next update of that chat, wherever it lands, runs after this one and sees the state it
left. Why the wait in 1: Telegram sends a chat's updates one at a time, the next once the last
was answered, and a webhook answers once the update is recorded (bot/update_inbox.py); so the
earlier update is always recorded first, but another instance may still be handling it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping, MutableMapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from copy import deepcopy
from datetime import datetime
from typing import Any, Protocol

from telegram import Update
from telegram.ext import Application, BasePersistence, PersistenceInput
from telegram.ext._utils.trackingdict import TrackingDict

from bot.clock import Clock
from bot.domain.chat_state import STATE_LIFETIME, ChatStateStore, ConversationKey

logger = logging.getLogger(__name__)

# bot_data key of the running Application's ChatTurns.
CHAT_TURNS_KEY = "chat_turns"
# Why: an earlier update of the chat that is not handled in this long was recorded by an instance
# that died (the leader replays it); the later one goes ahead rather than wait for it.
ORDER_WAIT_SECONDS = 10.0
FIRST_LOOK_SECONDS = 0.01
LAST_LOOK_SECONDS = 0.1

Data = dict[Any, Any]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class ChatLocks(Protocol):
    """One chat's updates handled one at a time across instances (storage/chat_lock.py)."""

    def hold(self, chat_id: int) -> AbstractAsyncContextManager[None]:
        """Hold the chat's lock for the block."""
        ...

    async def close(self) -> None:
        """Let every lock go."""
        ...


class DatabasePersistence(BasePersistence[Data, Data, Data]):
    """Conversation states and chat_data in the store (JSON); no user, bot or callback data.

    `fresh_reads`: read a chat's chat_data (and, through ChatTurns, its conversations) from the
    store at the start of each of its updates; needed when other instances may have changed them
    (PostgreSQL), not when this process is the only writer (SQLite).
    """

    def __init__(self, store: ChatStateStore, clock: Clock, *, fresh_reads: bool) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=False, callback_data=False
            ),
            # Why: ChatTurns writes after every update; PTB's own interval is only a backstop.
            update_interval=60,
        )
        self._store = store
        self._clock = clock
        self._fresh_reads = fresh_reads
        # Why: PTB asks to write every chat an update touched; only changed data is written.
        self._stored: dict[int, Data] = {}

    @property
    def fresh_reads(self) -> bool:
        """True when each update reads its chat's state from the store first."""
        return self._fresh_reads

    def since(self) -> datetime:
        """States written before this moment are forgotten (STATE_LIFETIME ago)."""
        return self._clock.now() - STATE_LIFETIME

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        """The conversation's states of the last STATE_LIFETIME (at start)."""
        return await self._store.conversations(name, since=self.since())

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Write one conversation's new state (None: it ended)."""
        await self._store.save_conversation(name, key, new_state, at=self._clock.now())

    async def get_chat_data(self) -> dict[int, Data]:
        """Every chat's data of the last STATE_LIFETIME (at start)."""
        found = await self._store.all_chat_data(since=self.since())
        self._stored = {chat_id: deepcopy(data) for chat_id, data in found.items()}
        return {chat_id: dict(data) for chat_id, data in found.items()}

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        """Write the chat's data when it differs from what the store holds."""
        if data == self._stored.get(chat_id, {}):
            return
        await self._store.save_chat_data(chat_id, data, at=self._clock.now())
        self._remember(chat_id, data)

    async def drop_chat_data(self, chat_id: int) -> None:
        """Forget the chat's data."""
        await self._store.save_chat_data(chat_id, {}, at=self._clock.now())
        self._stored.pop(chat_id, None)

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        """Replace the chat's data in memory with the store's (with fresh reads)."""
        if not self._fresh_reads:
            return
        fresh = await self._store.chat_data(chat_id, since=self.since())
        chat_data.clear()
        chat_data.update(fresh)
        self._remember(chat_id, fresh)

    def _remember(self, chat_id: int, data: Mapping[Any, Any]) -> None:
        if data:
            self._stored[chat_id] = deepcopy(dict(data))
        else:
            self._stored.pop(chat_id, None)

    async def get_user_data(self) -> dict[int, Data]:
        """Not kept: no flow uses user_data."""
        return {}

    async def get_bot_data(self) -> Data:
        """Not kept: bot_data holds this process's services and locks."""
        return {}

    async def get_callback_data(self) -> None:
        """Not kept: buttons carry their own data."""
        return None

    async def update_user_data(self, user_id: int, data: Data) -> None:
        """Not kept."""

    async def update_bot_data(self, data: Data) -> None:
        """Not kept."""

    async def update_callback_data(self, data: Any) -> None:
        """Not kept."""

    async def drop_user_data(self, user_id: int) -> None:
        """Not kept."""

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        """Not kept."""

    async def refresh_bot_data(self, bot_data: Data) -> None:
        """Not kept."""

    async def flush(self) -> None:
        """Nothing buffered: every write went to the store already."""


class QueuedHere(Protocol):
    """Whether this process has an update queued or is handling it (bot/update_inbox.py)."""

    def queued_here(self, update_id: int) -> bool:
        """True while this process has the update queued or is handling it."""
        ...


class ChatTurns:
    """The per-update wrapper of the module docstring; `application` is set once it is built."""

    def __init__(
        self,
        persistence: DatabasePersistence,
        store: ChatStateStore,
        locks: ChatLocks,
        inbox: QueuedHere,
    ) -> None:
        self._persistence = persistence
        self._store = store
        self._locks = locks
        self._inbox = inbox
        # Why: an earlier update waited for in vain once is not waited for again.
        self._given_up: set[int] = set()
        self.application: AnyApplication | None = None

    @asynccontextmanager
    async def turn(self, chat_id: int, update: object) -> AsyncIterator[None]:
        """Hold the chat's lock after its earlier updates, load its state, let the update run,
        write what it changed."""
        async with contextlib.AsyncExitStack() as held:
            if self._persistence.fresh_reads and isinstance(update, Update):
                await self._after_earlier(held, chat_id, update.update_id)
            else:
                await held.enter_async_context(self._locks.hold(chat_id))
            if self._persistence.fresh_reads:
                await self._load_conversations(chat_id)
            try:
                yield
            finally:
                if self.application is not None:
                    await self.application.update_persistence()

    def hold(self, chat_id: int) -> AbstractAsyncContextManager[None]:
        """The chat's lock across instances alone (a job editing a message in that chat)."""
        return self._locks.hold(chat_id)

    async def _after_earlier(
        self, held: contextlib.AsyncExitStack, chat_id: int, update_id: int
    ) -> None:
        """Take the chat's lock at a moment no earlier update of the chat is left to another
        instance (or ORDER_WAIT_SECONDS have passed)."""
        started, pause = time.monotonic(), FIRST_LOOK_SECONDS
        while True:
            await held.enter_async_context(self._locks.hold(chat_id))
            earlier = [
                found
                for found in await self._store.earlier_unhandled_updates(chat_id, update_id)
                if not self._inbox.queued_here(found) and found not in self._given_up
            ]
            if not earlier:
                return
            if time.monotonic() - started >= ORDER_WAIT_SECONDS:
                self._given_up.update(earlier)
                logger.warning(
                    "update %s of chat %s goes ahead of %d earlier update(s) left unhandled",
                    update_id,
                    chat_id,
                    len(earlier),
                )
                return
            await held.aclose()
            await asyncio.sleep(pause)
            pause = min(pause * 2, LAST_LOOK_SECONDS)

    async def _load_conversations(self, chat_id: int) -> None:
        if self.application is None:
            return
        stored = await self._store.chat_conversations(chat_id, since=self._persistence.since())
        # Why: PTB reads conversation states only at initialize(); these are the live dicts its
        # ConversationHandlers consult (and Application.update_persistence writes back from).
        handlers: Mapping[str, TrackingDict[ConversationKey, object]] = (
            self.application._conversation_handler_conversations
        )
        for name, states in handlers.items():
            fresh = {row.key: row.state for row in stored if row.name == name}
            _replace_chat(states, chat_id, fresh)

    async def close(self) -> None:
        """Let the chat locks go."""
        await self._locks.close()


def _replace_chat(
    states: TrackingDict[ConversationKey, object],
    chat_id: int,
    fresh: Mapping[ConversationKey, object],
) -> None:
    """Make the chat's keys in `states` those of `fresh`, without marking them for writing."""
    underlying: MutableMapping[ConversationKey, object] = states.data
    for key in [key for key in underlying if key and key[0] == chat_id and key not in fresh]:
        del underlying[key]
    states.update_no_track(fresh)


def chat_lock(bot_data: Mapping[Any, Any], chat_id: int) -> AbstractAsyncContextManager[None]:
    """The chat's lock across instances when the application has one, else nothing to hold."""
    turns = bot_data.get(CHAT_TURNS_KEY)
    if isinstance(turns, ChatTurns):
        return turns.hold(chat_id)
    return contextlib.nullcontext()
