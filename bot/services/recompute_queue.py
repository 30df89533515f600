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
# its SKUs) and runs on the event loop the imports are answered on. Resting twice as long as the
# last pass took keeps recomputes to a third of the time while a bulk push goes on, and merges
# more imports into each pass (bench `ingest` on PostgreSQL: 37 back-to-back passes of the same
# SKUs, 24 s of CPU; resting 1x: 18 passes, 15.5 s; 2x: 12 passes, 13.4 s). The last import's
# lines are dated at most two passes' time later than without the rest.
REST_PER_PASS = 2.0


class RecomputeQueue:
    """Recompute the ETAs of the SKUs imports hand in, after their commits, in the background.

    Why: a recompute reads every open line of its SKUs, so one per API request of 1,000 orders
    (which touches most SKUs) would grow with the shop and dominate a bulk push. Here one runs at
    a time and the SKUs of every import that lands meanwhile go into the next one, which starts
    after a rest of REST_PER_PASS times the last pass's duration. Nothing is
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

    def add(self, skus: Collection[str]) -> None:
        """Recompute these SKUs soon (with whatever else is waiting)."""
        self._pending.update(skus)
        if self._pending and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._run(), name="import-recompute")

    async def idle(self) -> None:
        """Return once every SKU handed in so far is recomputed (or its recompute failed)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        rest = 0.0
        while self._pending:
            if rest:
                await asyncio.sleep(rest)
            loop = asyncio.get_running_loop()
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
            rest = REST_PER_PASS * (loop.time() - started)
