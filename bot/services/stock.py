"""Use case: staff set a product's on-hand units (DESIGN §10), chat and command line alike."""

from __future__ import annotations

from datetime import datetime

from bot.domain.model import Product
from bot.domain.supply_changes import RefusalReason, Refused, set_on_hand
from bot.domain.supply_store import SupplyStore
from bot.services.supply_impact import NoticeSettings, SupplyChange, apply_and_follow


async def set_on_hand_units(
    store: SupplyStore,
    sku: str,
    units: int,
    *,
    actor: str,
    now: datetime,
    settings: NoticeSettings,
) -> SupplyChange[Product] | Refused:
    """Set the product's on-hand units (0 to 10^9), then recompute and queue the notices. `sku`
    as typed: an exact match first, else the one matching it in another case."""
    found = await store.find_sku(sku)
    if found is None:
        return Refused(RefusalReason.UNKNOWN)
    sku = found
    return await apply_and_follow(
        store,
        sku,
        lambda: store.change_product(
            sku,
            lambda product: set_on_hand(product, units),
            action="product.on_hand",
            actor=actor,
            at=now,
        ),
        now=now,
        settings=settings,
    )
