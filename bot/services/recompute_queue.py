"""ETA recomputes after imports, in the background, one at a time, later imports merged in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain.actions import ActionStore
from bot.domain.eta import EtaRules
from bot.services.order_changes import refresh_etas

log = logging.getLogger(__name__)
# Why: a pass costs about the same for one import's SKUs as for ten (it reads every open line of
# its SKUs) and runs on the event loop the imports are answered on. While imports keep coming, the
# next pass waits up to twice as long as the last one took, so recomputes take at most a third of
# the time and each merges more imports (bench `ingest` on PostgreSQL: back to back, 37 passes of
# the same SKUs and 24 s of CPU; resting 2x: 12 passes, 13 s). It starts sooner once no import
# has come for QUIET_GAPS times the gap between the last two: the push is over, and its last
# lines should not wait.
REST_PER_PASS = 2.0
QUIET_GAPS = 1.5


class RecomputeQueue:
    """Recompute the ETAs of the SKUs imports hand in, after their commits, in the background.

    Why: a recompute reads every open line of its SKUs, so one per API request of 1,000 orders
    (which touches most SKUs) would grow with the shop and dominate a bulk push. Here one runs at
    a time and the SKUs of every import that lands meanwhile go into the next one, which starts
    after a rest while imports keep coming (REST_PER_PASS). Nothing is
    lost if the process dies first: each import marked its SKUs in its own transaction, and the
    running bot recomputes marks whose writer is gone (bot/recompute_job.py), a new one at start.
    The recompute moves the recompute mark, so the bot sweeps and queues notices as after a CSV
    import.
    """

    def __init__(self, store: ActionStore, *, rules: EtaRules, timezone: ZoneInfo, clock: Clock):
        self._store = store
        self._rules = rules
        self._timezone = timezone
        self._clock = clock
        self._pending: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        # Event-loop times: of the last `add`, and the gap before it (0: one import alone).
        self._added = 0.0
        self._gap = 0.0

    def add(self, skus: Collection[str]) -> None:
        """Recompute these SKUs soon (with whatever else is waiting)."""
        now = asyncio.get_running_loop().time()
        self._gap, self._added = (now - self._added if self._added else 0.0), now
        self._pending.update(skus)
        if self._pending and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._run(), name="import-recompute")

    async def idle(self) -> None:
        """Return once every SKU handed in so far is recomputed (or its recompute failed)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        rest_until = 0.0
        while self._pending:
            await self._rest(loop, rest_until)
            started = loop.time()
            skus, self._pending = self._pending, set()
            today = self._clock.now().astimezone(self._timezone).date()
            try:
                # Why: the customer actions' recompute: the same dates as recompute_etas, but
                # only the lines whose date moved are written (new orders mostly join the end of
                # their queues), half the time of rewriting every line of the SKUs.
                await refresh_etas(self._store, rules=self._rules, today=today, skus=skus)
            except Exception:
                # Why: the marks stay; the bot's recompute job retries them.
                log.exception("recompute of %d imported SKUs failed; left to the bot", len(skus))
            ended = loop.time()
            rest_until = ended + REST_PER_PASS * (ended - started)

    async def _rest(self, loop: asyncio.AbstractEventLoop, until: float) -> None:
        """Wait until `until` (event-loop time), or less once imports have stopped coming."""
        while (now := loop.time()) < until:
            quiet_from = self._added + QUIET_GAPS * self._gap
            if now >= quiet_from:
                return
            await asyncio.sleep(min(until, quiet_from) - now)
