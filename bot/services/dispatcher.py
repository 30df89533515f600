"""Sends due outbox rows to the Bot API within Telegram's limits, and records what happened."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot import metrics
from bot.clock import Clock
from bot.domain.outbox import Button, Delivery, OutboxStore, QueuedMessage
from bot.domain.pacing import BROADCAST_LANE, FIRST_LANE, SendPlanner
from bot.domain.retry import RetryPolicy
from bot.services.processes import new_holder, process_gone

logger = logging.getLogger(__name__)

# Why: enough to reach 30/s at 250 ms per request; every send in flight may repeat after a crash.
DEFAULT_IN_FLIGHT = 8


@dataclass
class DispatchStats:
    """What the dispatcher has done since it was made."""

    sent: int = 0
    rate_limited: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    global_pauses: int = 0


@dataclass(frozen=True)
class DispatchLimits:
    """How fast and how wide the dispatcher sends."""

    send_rate: float = 30.0
    chat_send_rate: float = 1.0
    max_in_flight: int = DEFAULT_IN_FLIGHT
    batch_size: int = 500
    hold_after_seconds: float = 30.0
    idle_seconds: float = 1.0
    # Why: a claim covers one send and its record; a sender that hangs longer loses its rows.
    claim_seconds: float = 120.0
    # Why: the planner holds only this many seconds of broadcast copies (at their rate), so a
    # notice never queues behind a long broadcast and a stopped broadcast stops at once.
    broadcast_horizon_seconds: float = 2.0
    # Why: during a long pass the first lane is looked at again this often even if not woken.
    first_lane_check_seconds: float = 0.5
    # DESIGN §2 BACKORDER_PAID_BROADCAST: broadcast copies go with allow_paid_broadcast at
    # Telegram's paid limit (messages/s overall, their own; the per-chat limit still applies).
    paid_broadcast: bool = False
    paid_broadcast_rate: float = 1000.0

    @property
    def broadcast_rate(self) -> float:
        """Messages/s the broadcast lane may reach overall."""
        return self.paid_broadcast_rate if self.paid_broadcast else self.send_rate


def sending_bot(
    token: str,
    base_url: str,
    *,
    connections: int = DEFAULT_IN_FLIGHT,
    timeout: float = 30.0,
    connect_timeout: float = 10.0,
) -> Bot:
    """A plain Bot (no rate limiter, so 429s reach the dispatcher) for the same token and server.

    `timeout` (seconds) bounds reading, writing and waiting for a free connection;
    `connect_timeout` opening one (DESIGN §2: BACKORDER_API_TIMEOUT, BACKORDER_API_CONNECT_TIMEOUT).
    """
    request = HTTPXRequest(
        connection_pool_size=connections,
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=timeout,
        connect_timeout=connect_timeout,
    )
    return Bot(token, base_url=base_url, request=request)


def keyboard(buttons: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """The inline keyboard for stored button rows."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.callback_data) for b in row]
            for row in buttons
        ]
    )


class Dispatcher:
    """Drains the outbox: oldest first, each chat in order, chats interleaved, never too fast."""

    def __init__(
        self,
        store: OutboxStore,
        clock: Clock,
        *,
        limits: DispatchLimits | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.limits = limits or DispatchLimits()
        self.stats = DispatchStats()
        # Why: each row is claimed by one sender before it is sent, so two senders on one
        # database never both send it; claims are timed by the wall clock (the business clock
        # may be frozen) and name this process, so a restart takes a dead one's rows at once.
        self.sender = new_holder()
        self._wall = wall
        self._store = store
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        self._monotonic = monotonic
        self._planner = SendPlanner[QueuedMessage](
            self.limits.send_rate,
            self.limits.chat_send_rate,
            broadcast_rate=self.limits.paid_broadcast_rate if self.limits.paid_broadcast else None,
        )
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._pass: _Pass | None = None

    def wake(self) -> None:
        """Look at the outbox now rather than after the idle pause (new rows were queued);
        a pass under way looks at the first lane (notices, alerts) at once."""
        self._wake.set()
        if self._pass is not None:
            self._pass.poke()

    async def run(self, bot: Bot, stop: asyncio.Event) -> None:
        """Send due rows until `stop` is set, looking again whenever woken or idle."""
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.run_once(bot, now=self._clock.now())
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("outbox dispatch failed; trying again shortly")
            waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
            _, pending = await asyncio.wait(
                waiters, timeout=self.limits.idle_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()

    async def run_once(self, bot: Bot, *, now: datetime) -> int:
        """Send every row due at `now` (retrying briefly failed ones); the number sent."""
        async with self._lock:
            await self._release_dead_claims()
            drain = self._pass = _Pass(self, bot, now)
            try:
                sent = await drain.run()
            finally:
                self._pass = None
                if drain.claimed:
                    # Why: rows left pending (a blocked chat, a long backoff) are free again.
                    await self._store.release_claims([self.sender])
            self._planner.forget_idle(self._now())
            return sent

    async def _release_dead_claims(self) -> None:
        """Free the claims of senders whose process is gone (a crash), rather than wait them out."""
        holders = await self._store.outbox_claimants(clock=self._wall())
        gone = [holder for holder in holders if holder != self.sender and process_gone(holder)]
        if gone:
            await self._store.release_claims(gone)

    def _now(self) -> float:
        if self._monotonic is not None:
            return self._monotonic()
        return asyncio.get_running_loop().time()


class _Pass:
    """One drain of the outbox: every due first-lane row, broadcast copies a short horizon at a
    time, and the first lane looked at again whenever woken or every `first_lane_check_seconds`,
    so a notice that falls due mid-broadcast goes next (DESIGN §11), with sends kept in flight."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, now: datetime) -> None:
        self._d = dispatcher
        self._planner = dispatcher._planner
        self._store = dispatcher._store
        self._bot = bot
        self._first_after = 0
        self._first_exhausted = False
        # Why: rows of the first lane due by this moment have all been seen (any id).
        self._first_seen_until = now
        # Why: a first-lane row may be found twice (by id and by falling due); it is sent once.
        self._known: set[int] = set()
        # Why: chats with no chat yet already named in the log by this pass (one warning each).
        self._no_chat_warned: set[int] = set()
        self._next_check = dispatcher._now() + dispatcher.limits.first_lane_check_seconds
        self._broadcast_after = 0
        self._broadcast_exhausted = False
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._failure: BaseException | None = None
        self._delivered: list[Delivery] = []
        self._marker: asyncio.Task[None] | None = None
        # Why: sends whose outcome is not committed yet; only these can repeat after a crash.
        self._unsettled = 0
        self.sent = 0
        self.claimed = False

    def poke(self) -> None:
        """New rows were queued: stop waiting and look at the first lane."""
        self._next_check = -math.inf
        self._changed.set()

    async def run(self) -> int:
        limits = self._d.limits
        horizon = max(1, math.ceil(limits.broadcast_rate * limits.broadcast_horizon_seconds))
        try:
            while self._failure is None:
                if self._d._now() >= self._next_check:
                    await self._check_first_lane()
                elif not self._first_exhausted and (
                    self._planner.queued_in(FIRST_LANE) < limits.batch_size // 2
                ):
                    await self._load_first()
                if not self._broadcast_exhausted and (
                    self._planner.queued_in(BROADCAST_LANE) <= horizon // 2
                ):
                    await self._load_broadcast(horizon - self._planner.queued_in(BROADCAST_LANE))
                if self._unsettled >= limits.max_in_flight:
                    await self._wait(self._until_check())
                    continue
                decision = self._planner.take(self._d._now())
                if isinstance(decision, QueuedMessage):
                    self._start(decision)
                elif decision is not None:
                    await self._wait(min(decision, self._until_check()))
                elif self._tasks:
                    await self._wait(self._until_check())
                elif self._first_exhausted and self._broadcast_exhausted:
                    break
        finally:
            while self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._failure is not None:
            raise self._failure
        return self.sent

    def _until_check(self) -> float:
        return max(0.0, self._next_check - self._d._now())

    async def _due(self, **query: Any) -> list[QueuedMessage]:
        return await self._store.due_messages(
            now=self._d._clock.now(), sender=self._d.sender, clock=self._d._wall(), **query
        )

    async def _load_first(self) -> None:
        limit = self._d.limits.batch_size
        rows = await self._due(after_id=self._first_after, limit=limit, lane="first")
        self._push_first(rows)
        if rows:
            self._first_after = max(self._first_after, rows[-1].row_id)
        self._first_exhausted = len(rows) < limit

    async def _check_first_lane(self) -> None:
        """Rows queued since the last look (by id) and rows fallen due since (quiet hours)."""
        self._d._wake.clear()
        self._next_check = self._d._now() + self._d.limits.first_lane_check_seconds
        await self._load_first()
        now = self._d._clock.now()
        if now <= self._first_seen_until:
            return
        limit, after = self._d.limits.batch_size, 0
        while True:
            rows = await self._store.due_messages(
                now=now,
                after_id=after,
                limit=limit,
                sender=self._d.sender,
                clock=self._d._wall(),
                lane="first",
                due_after=self._first_seen_until,
            )
            self._push_first(rows)
            if len(rows) < limit:
                break
            after = rows[-1].row_id
        self._first_seen_until = now

    def _push_first(self, rows: list[QueuedMessage]) -> None:
        for row in rows:
            if row.row_id not in self._known:
                self._known.add(row.row_id)
                self._planner.push(row.chat_id, row.row_id, row, lane=FIRST_LANE)

    async def _load_broadcast(self, room: int) -> None:
        limit = max(1, min(room, self._d.limits.batch_size))
        rows = await self._due(after_id=self._broadcast_after, limit=limit, lane="broadcast")
        for row in rows:
            self._planner.push(row.chat_id, row.row_id, row, lane=BROADCAST_LANE)
        if rows:
            self._broadcast_after = rows[-1].row_id
        self._broadcast_exhausted = len(rows) < limit

    def _drop(self, row: QueuedMessage, *, whole_chat: bool = False) -> None:
        """Forget the row's chat (its lane, or all of it) for this pass; a later look finds them."""
        lane = None if whole_chat else _lane(row)
        for dropped in [row, *self._planner.drop_chat(row.chat_id, lane=lane)]:
            self._known.discard(dropped.row_id)

    async def _wait(self, seconds: float | None) -> None:
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), seconds)

    def _start(self, row: QueuedMessage) -> None:
        self._unsettled += 1
        self._track(asyncio.create_task(self._send(row)))

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None and self._failure is None:
            self._failure = task.exception()
        self._changed.set()

    async def _claim(self, row: QueuedMessage) -> bool:
        clock = self._d._wall()
        until = clock + self._d.limits.claim_seconds
        self.claimed = True
        if await self._store.claim_message(
            row.row_id, sender=self._d.sender, clock=clock, until=until
        ):
            return True
        # Why: another sender serves this chat now (or the row was withdrawn, a broadcast
        # stopped); its later rows stay with it, in order.
        self._drop(row)
        return False

    async def _send(self, row: QueuedMessage) -> None:
        try:
            claimed = await self._claim(row)
        except BaseException:
            self._unsettled -= 1
            raise
        if not claimed:
            self._unsettled -= 1
            return
        try:
            paid = row.broadcast_id is not None and self._d.limits.paid_broadcast
            message = await self._bot.send_message(
                chat_id=row.chat_id,
                text=row.text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(row.buttons),
                allow_paid_broadcast=True if paid else None,
            )
        except TelegramError as exc:
            try:
                await self._refused(row, exc)
            finally:
                self._unsettled -= 1
        else:
            self._sent(row, message)

    async def _refused(self, row: QueuedMessage, exc: TelegramError) -> None:
        if isinstance(exc, RetryAfter):
            self._flood_wait(row, _retry_after(exc))
        elif isinstance(exc, Forbidden):
            await self._unreachable(row, exc)
        elif isinstance(exc, BadRequest) and _no_chat_yet(exc):
            # Why: a staff member who never opened the bot's chat has none yet (400 "chat not
            # found"); their alerts wait for them like a blocked chat's, released when they write.
            if row.chat_id not in self._no_chat_warned:
                self._no_chat_warned.add(row.chat_id)
                logger.warning(
                    "staff member %s has not started a chat with the bot; "
                    "alerts are held until they do",
                    row.chat_id,
                )
            await self._unreachable(row, exc)
        elif isinstance(exc, BadRequest | ChatMigrated):
            await self._fail(row, _describe(exc))
        else:
            await self._backoff(row, _describe(exc))

    def _sent(self, row: QueuedMessage, message: Message) -> None:
        metrics.message_sent(metrics.outbox_kind(row.broadcast_id))
        self._planner.finish(row.chat_id)
        self._delivered.append(Delivery(row.row_id, message.message_id))
        if self._marker is None or self._marker.done():
            self._marker = asyncio.create_task(self._mark_delivered())
            self._track(self._marker)

    async def _mark_delivered(self) -> None:
        # Why: send-then-mark, committed in groups as sends return, so that a crash repeats only
        # the few sends not yet committed and never loses one.
        while self._delivered:
            batch, self._delivered = self._delivered, []
            try:
                await self._store.mark_sent(batch, at=self._d._clock.now(), sender=self._d.sender)
            finally:
                self._unsettled -= len(batch)
                self._changed.set()
            self._d.stats.sent += len(batch)
            self.sent += len(batch)

    def _flood_wait(self, row: QueuedMessage, seconds: float) -> None:
        metrics.rate_limited(metrics.outbox_kind(row.broadcast_id))
        self._d.stats.rate_limited += 1
        until = self._d._now() + seconds
        if not self._planner.sent_recently(row.chat_id):
            # Why: a chat we had not just written to cannot be over its own limit: the bot is.
            self._d.stats.global_pauses += 1
            self._planner.pause_all(until)
        self._planner.retry(row.chat_id, row.row_id, row, not_before=until, lane=_lane(row))

    async def _unreachable(self, row: QueuedMessage, exc: TelegramError) -> None:
        await self._store.mark_chat_unreachable(
            row.chat_id, reason=_describe(exc), at=self._d._clock.now()
        )
        self._drop(row, whole_chat=True)
        self._d.stats.blocked += 1
        metrics.message_held(metrics.outbox_kind(row.broadcast_id))

    async def _fail(self, row: QueuedMessage, error: str) -> None:
        await self._store.mark_failed(
            row.row_id, attempts=row.attempts + 1, error=error, sender=self._d.sender
        )
        self._planner.finish(row.chat_id)
        self._d.stats.failed += 1
        metrics.message_failed(metrics.outbox_kind(row.broadcast_id))

    async def _backoff(self, row: QueuedMessage, error: str) -> None:
        attempts = row.attempts + 1
        if self._d._retry.gives_up(attempts):
            await self._fail(row, error)
            return
        delay = self._d._retry.delay(attempts, self._d._rng)
        retry_at = self._d._clock.now() + timedelta(seconds=delay)
        await self._store.mark_retry(
            row.row_id,
            attempts=attempts,
            next_attempt_at=retry_at,
            error=error,
            sender=self._d.sender,
        )
        self._d.stats.retried += 1
        if delay > self._d.limits.hold_after_seconds:
            # Why: a long wait is left to a later look; the lane's later rows wait behind it there.
            self._drop(row)
            return
        again = replace(row, attempts=attempts)
        self._planner.retry(
            row.chat_id, row.row_id, again, not_before=self._d._now() + delay, lane=_lane(row)
        )


def _no_chat_yet(exc: BadRequest) -> bool:
    """True for Telegram's 400 "Bad Request: chat not found": no private chat with that user
    exists yet (they never started the bot), or the bot is not in that group."""
    return "chat not found" in exc.message.lower()


def _lane(row: QueuedMessage) -> int:
    return FIRST_LANE if row.broadcast_id is None else BROADCAST_LANE


def _retry_after(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # Why: PTB 22 warns that the int form is deprecated; both forms are handled here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _describe(exc: TelegramError) -> str:
    kind = type(exc).__name__
    # Why: Telegram's own text often starts with the same word ("Forbidden: bot was blocked").
    return exc.message if exc.message.startswith(f"{kind}:") else f"{kind}: {exc.message}"
