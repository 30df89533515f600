"""The running bot's side of the durable "needs recompute" marks (issue 8: crashes lose nothing)."""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import Any

from bot.clock import business_today
from bot.context import Services
from bot.services.eta import abandoned, recompute_marked
from handlers.notices import sweep_lock

logger = logging.getLogger(__name__)


async def recompute_left_behind(
    bot_data: dict[Any, Any], services: Services, *, at_start: bool = False
) -> None:
    """Recompute the SKUs a change marked and its process left behind (every mark at start-up);
    the notice sweep that follows sees the new dates as after any recompute."""
    lock = sweep_lock(bot_data)
    if lock.locked():
        return
    today = business_today(services.clock, services.settings.timezone)
    # Why: a mark ages in real time across processes, even while BACKORDER_NOW freezes the
    # business clock (tests, demos); so its age is read from the machine's clock.
    due = None if at_start else partial(abandoned, now=time.time())
    async with lock:
        lines = await recompute_marked(services.store, rules=services.rules, today=today, due=due)
    if lines is not None:
        logger.info("recomputed %d lines whose change was left without a recompute", lines)
