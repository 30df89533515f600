"""Leader election between the instances of `run` on one database (DESIGN §13).

Every instance runs and answers chats; what must happen once per shop (the outbox dispatcher,
the notice sweeps, alerts, ratings, recomputes, event delivery; with polling, getUpdates too)
runs on the leader only. A follower tries for the leader lock every `interval` seconds; the
leader checks its lock as often and, the moment a check fails, stops its duties and becomes a
follower again. Changes of role are logged at INFO.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Literal, Protocol, TypeVar

logger = logging.getLogger(__name__)

Role = Literal["leader", "follower"]
# bot_data key of the running Application's Leadership (/healthz reads `role`).
LEADERSHIP_KEY = "leadership"
CHECK_INTERVAL = 1.0


class LeaderLock(Protocol):
    """The lock that makes one instance the leader (storage/leader_lock.py)."""

    async def try_acquire(self) -> bool:
        """Take the lock if it is free; True when held. May raise when the database is down."""
        ...

    async def still_held(self) -> bool:
        """False when the lock can no longer be relied on (then it is given up)."""
        ...

    async def release(self) -> None:
        """Give the lock up."""
        ...


class Duties(Protocol):
    """What the leader runs."""

    async def begin(self) -> None:
        """Start the duties: catch up first, then start the background work."""
        ...

    async def end(self, *, at_once: bool) -> None:
        """Stop every duty; `at_once`: cut work in progress short (leadership was lost)."""
        ...


class Leadership:
    """This instance's role and the loop that keeps it: `role` is "leader" or "follower"."""

    def __init__(self, lock: LeaderLock, duties: Duties, *, interval: float = CHECK_INTERVAL):
        self._lock = lock
        self._duties = duties
        self._interval = interval
        self._role: Role = "follower"
        self._watch: asyncio.Task[None] | None = None
        self._beginning: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._failing = False
        self._leading = False

    @property
    def role(self) -> Role:
        """'leader' while this instance holds the leader lock, else 'follower'."""
        return self._role

    @property
    def leading(self) -> bool:
        """True while the leader's duties run (from the end of its catch-up until it steps down);
        the leader-only jobs act only then."""
        return self._leading

    async def start(self) -> None:
        """Try for the lock once; as leader, run the duties' catch-up before returning. Then
        keep trying (a follower) or checking (the leader) every `interval` seconds."""
        if await self._try():
            await self._become_leader(wait=True)
        else:
            logger.info("this instance is a follower: another instance is the leader")
        self._watch = asyncio.create_task(self._loop(), name="leadership")

    async def stop(self) -> None:
        """Stop the duties (letting work in progress finish briefly) and give the lock up."""
        self._stopping.set()
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        if self._role == "leader":
            await self._step_down(at_once=False)
            logger.info("this instance stopped leading: it is shutting down")
        await self._lock.release()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)
            if self._stopping.is_set():
                return
            if self._role == "leader":
                if not await self._lock.still_held():
                    await self._step_down(at_once=True)
                    logger.info(
                        "this instance lost the leader lock (its database session failed): "
                        "dispatcher and sweeps stopped; it is a follower now"
                    )
            elif await self._try():
                await self._become_leader(wait=False)

    async def _try(self) -> bool:
        try:
            taken = await self._lock.try_acquire()
        except Exception as exc:
            if not self._failing:
                logger.warning(
                    "could not try for the leader lock (%s); trying again every %.0f s",
                    type(exc).__name__,
                    self._interval,
                )
            self._failing = True
            return False
        self._failing = False
        return taken

    async def _become_leader(self, *, wait: bool) -> None:
        self._role = "leader"
        logger.info("this instance is the leader now: catching up, then dispatching and sweeping")
        self._beginning = asyncio.create_task(self._begin(), name="leader-duties")
        if wait:
            await self._beginning

    async def _begin(self) -> None:
        try:
            await self._duties.begin()
            self._leading = True
        except asyncio.CancelledError:
            raise
        except Exception:
            # Why: a leader that cannot do its duties must let another instance try.
            logger.exception("the leader's duties failed to start; stepping down")
            await self._duties.end(at_once=True)
            self._role = "follower"
            await self._lock.release()

    async def _step_down(self, *, at_once: bool) -> None:
        self._role = "follower"
        self._leading = False
        beginning, self._beginning = self._beginning, None
        if beginning is not None and not beginning.done():
            beginning.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beginning
        await self._duties.end(at_once=at_once)


def leading(bot_data: Mapping[Any, Any]) -> bool:
    """True unless the application runs under a Leadership whose duties are not running (a
    follower, or a leader still catching up)."""
    leadership = bot_data.get(LEADERSHIP_KEY)
    return not isinstance(leadership, Leadership) or leadership.leading


class _HasBotData(Protocol):
    @property
    def bot_data(self) -> Any: ...


ContextT = TypeVar("ContextT", bound=_HasBotData)


def leader_only(
    callback: Callable[[ContextT], Coroutine[Any, Any, None]],
) -> Callable[[ContextT], Coroutine[Any, Any, None]]:
    """A JobQueue callback that does nothing on an instance that is not leading."""

    @functools.wraps(callback)
    async def gated(context: ContextT) -> None:
        if leading(context.bot_data):
            await callback(context)

    return gated
