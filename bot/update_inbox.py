"""Record then handle: every update is stored in the inbox before Telegram is told it arrived."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Mapping, Sequence

from telegram import Bot, Update

from bot import metrics
from bot.clock import Clock
from bot.domain.update_inbox import (
    KEEP_HANDLED_FOR,
    InboxedUpdate,
    UpdateInboxStore,
    resume_offset,
)
from bot.services.processes import this_process
from bot.update_processor import chat_key

logger = logging.getLogger(__name__)


class UpdateInbox:
    """The application's side of the inbox: record and queue updates, mark them handled.

    Polling acknowledges a batch (the next getUpdates offset) only after `receive` returned; a
    webhook answers Telegram only after it. Handling is at least once: an update recorded but not
    marked handled when the process died is handled again by `replay`: at the next start, or by
    the leader once it sees that instance gone (bot/leader_duties.py).
    """

    def __init__(self, store: UpdateInboxStore, clock: Clock, queue: asyncio.Queue[object]) -> None:
        self._store = store
        self._clock = clock
        self._queue = queue
        self._handled: list[int] = []
        self._marking = asyncio.Lock()
        # Why: reply latency (bot/metrics.py) runs from recording to the end of handling.
        self._received_at: dict[int, float] = {}
        self._arriving: list[tuple[Update, asyncio.Future[None]]] = []
        self._recording = asyncio.Lock()
        self._bodies: dict[int, Mapping[str, object]] = {}
        # Why: update ids queued by this process and not handled yet; a replay (this instance
        # became leader while others run, DESIGN §13) must not queue them a second time.
        self._pending: set[int] = set()

    async def receive(
        self,
        updates: Sequence[Update],
        *,
        payloads: Mapping[int, Mapping[str, object]] | None = None,
    ) -> None:
        """Record the batch durably (one transaction), then queue the ones not seen before.

        `payloads`: the JSON objects Telegram sent, by update_id, when at hand (a webhook's
        bodies); the others are recorded as `Update.to_dict()`."""
        sent = payloads or {}
        batch = [
            InboxedUpdate(
                update.update_id,
                sent.get(update.update_id) or update.to_dict(),
                chat_key(update),
            )
            for update in updates
        ]
        fresh = set(await self._store.record_updates(batch, now=self._clock.now()))
        recorded_at = time.perf_counter()
        for update in updates:
            if update.update_id in fresh:
                self._received_at[update.update_id] = recorded_at
                self._pending.add(update.update_id)
                await self._queue.put(update)

    async def receive_one(self, update: Update, payload: Mapping[str, object]) -> None:
        """Record one update (a webhook POST; `payload` its JSON object) and queue it when new,
        like `receive`; returns once it is recorded and raises what recording raised.

        Updates arriving while a record is being written go in the next transaction together
        (group commit), so concurrent POSTs do not each wait for a commit of their own.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._arriving.append((update, done))
        self._bodies[update.update_id] = payload
        async with self._recording:
            if not done.done():
                batch, self._arriving = self._arriving, []
                # Why: Telegram may post an update again while its first POST is in this batch.
                unique = list({item.update_id: item for item, _ in reversed(batch)}.values())
                bodies, self._bodies = self._bodies, {}
                try:
                    await self.receive(
                        sorted(unique, key=lambda item: item.update_id), payloads=bodies
                    )
                except Exception as exc:
                    for _, waiting in batch:
                        if not waiting.done():
                            waiting.set_exception(exc)
                else:
                    for _, waiting in batch:
                        if not waiting.done():
                            waiting.set_result(None)
        await done

    async def replay(self, bot: Bot, *, live: Collection[str] | None = None) -> int:
        """Queue every update recorded but not handled, in update_id order, except those this
        process is handling and, given `live` (the 'host/pid' of every running instance), those
        another live instance recorded: that instance handles them (DESIGN §13). Returns how
        many were queued."""
        others = set(live or ()) - {this_process()}
        unhandled = [
            row
            for row in await self._store.unhandled_updates()
            if row.update_id not in self._pending and row.recorded_by not in others
        ]
        for row in unhandled:
            self._pending.add(row.update_id)
            await self._queue.put(Update.de_json(dict(row.payload), bot))
        if unhandled:
            logger.info(
                "handling %d update(s) left unhandled by an instance that stopped", len(unhandled)
            )
        return len(unhandled)

    def queued_here(self, update_id: int) -> bool:
        """True while this process has the update queued or is handling it."""
        return update_id in self._pending

    async def mark_handled(self, update: object) -> None:
        """Mark an update handled; a failure only means it is handled again at the next start.

        Marks that pile up while one is written go in the next write together (group commit).
        """
        if not isinstance(update, Update):
            return
        received_at = self._received_at.pop(update.update_id, None)
        metrics.update_handled(None if received_at is None else time.perf_counter() - received_at)
        self._handled.append(update.update_id)
        async with self._marking:
            if not self._handled:
                return
            marking, self._handled = self._handled, []
            try:
                await self._store.mark_updates_handled(marking, now=self._clock.now())
            except Exception as exc:
                logger.warning(
                    "could not mark %d update(s) handled (%s); they are handled again at the "
                    "next start",
                    len(marking),
                    type(exc).__name__,
                )
            finally:
                # Why: until the mark is committed the update still counts as this process's,
                # so the chat's next update here does not wait for it (bot/persistence.py).
                self._pending.difference_update(marking)

    async def resume_offset(self) -> int | None:
        """The getUpdates offset after the newest recorded update (None: Telegram's oldest)."""
        return resume_offset(await self._store.newest_update(), self._clock.now())

    async def prune(self) -> int:
        """Forget updates handled more than `KEEP_HANDLED_FOR` ago; the number forgotten."""
        return await self._store.prune_handled_updates(before=self._clock.now() - KEEP_HANDLED_FOR)
