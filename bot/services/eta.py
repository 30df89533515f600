"""Use case: recompute and store the ETAs of open order lines."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from bot.domain.eta import EtaRules, allocate
from bot.domain.model import LineEta
from bot.domain.store import Store


async def recompute_etas(
    store: Store, *, rules: EtaRules, today: date, skus: Collection[str] | None = None
) -> int:
    """Recompute the ETAs of these SKUs (all when None), save them, and return how many lines."""
    books = await store.sku_books(skus)
    etas: list[LineEta] = []
    for book in books:
        etas.extend(allocate(book, today=today, rules=rules))
    await store.save_etas(etas, skus=skus, computed_on=today)
    return len(etas)
