"""Use case: recompute and store the ETAs of open order lines."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from uuid import uuid4

from bot.domain.eta import EtaRules, allocate
from bot.domain.model import LineEta
from bot.domain.store import Store

# Why: a fresh value after every recompute lets the running bot notice one made elsewhere (the CLI).
RECOMPUTE_MARK = "recompute_mark"


async def recompute_etas(
    store: Store, *, rules: EtaRules, today: date, skus: Collection[str] | None = None
) -> int:
    """Recompute the ETAs of these SKUs (all when None), save them, and return how many lines."""
    books = await store.sku_books(skus)
    etas: list[LineEta] = []
    for book in books:
        etas.extend(allocate(book, today=today, rules=rules))
    await store.save_etas(etas, skus=skus, computed_on=today)
    await store.set_setting(RECOMPUTE_MARK, uuid4().hex)
    return len(etas)
