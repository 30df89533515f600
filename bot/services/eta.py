"""Use case: recompute and store the ETAs of open order lines."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from datetime import date
from uuid import uuid4

from bot import metrics
from bot.domain.eta import EtaRules, allocate
from bot.domain.model import LineEta
from bot.domain.store import EVERY_SKU, EtaMark, Store
from bot.services.processes import process_gone

# Why: a fresh value after every recompute lets the running bot notice one made elsewhere (the CLI).
RECOMPUTE_MARK = "recompute_mark"
# Why: a live writer recomputes its own change at once; past this, it failed without dying.
MARK_GRACE_SECONDS = 30.0


async def recompute_etas(
    store: Store, *, rules: EtaRules, today: date, skus: Collection[str] | None = None
) -> int:
    """Recompute the ETAs of these SKUs (all when None), save them, and return how many lines.

    The save clears the SKUs' "needs recompute" marks in its transaction, except for SKUs changed
    again after the data was read (DESIGN §5: recomputed after every change).
    """
    return await published(store, _recompute(store, rules=rules, today=today, skus=skus))


async def _recompute(
    store: Store, *, rules: EtaRules, today: date, skus: Collection[str] | None
) -> int:
    marks = await store.eta_marks()
    books = await store.sku_books(skus)
    etas: list[LineEta] = []
    for book in books:
        etas.extend(allocate(book, today=today, rules=rules))
    await store.save_etas(etas, skus=skus, computed_on=today, seen=marks.seen)
    return len(etas)


async def published(store: Store, recompute: Awaitable[int]) -> int:
    """Run one recompute of ETAs (a coroutine saving them and returning a count), timed in the
    `eta_recompute_seconds` histogram (bot/metrics.py), then store a fresh RECOMPUTE_MARK so a
    running bot notices the dates moved; its count.

    Every recompute goes through here: recompute_etas (imports, the daily and left-behind
    recomputes) and order_changes.refresh_etas (customer and staff changes, the ingest API's
    background queue).
    """
    with metrics.eta_recompute_timer():
        count = await recompute
        await store.set_setting(RECOMPUTE_MARK, uuid4().hex)
    return count


async def recompute_marked(
    store: Store,
    *,
    rules: EtaRules,
    today: date,
    due: Callable[[EtaMark], bool] | None = None,
) -> int | None:
    """Recompute the SKUs of the marks no one recomputed (all of them, or those `due` picks);
    the lines recomputed, or None when no mark was due."""
    marks = await store.eta_marks()
    picked = [mark for mark in marks.pending if due is None or due(mark)]
    if not picked:
        return None
    skus = None if any(mark.sku == EVERY_SKU for mark in picked) else {m.sku for m in picked}
    return await recompute_etas(store, rules=rules, today=today, skus=skus)


def abandoned(mark: EtaMark, *, now: float) -> bool:
    """Whether a mark's writer will not recompute it: its process is gone (it died between its
    data and its recompute), or MARK_GRACE_SECONDS passed (`now`: wall-clock epoch seconds)."""
    return now - mark.at >= MARK_GRACE_SECONDS or process_gone(mark.writer)
