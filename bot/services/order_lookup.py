"""Finding orders by the number a customer typed, through the one normalised key (DESIGN §6)."""

from __future__ import annotations

from bot.domain.order_number import order_key
from bot.domain.store import Store


async def orders_named(store: Store, typed: str) -> list[str]:
    """Ids of the orders a typed number ("order #1001", "１００１.") may mean; [] without digits."""
    key = order_key(typed)
    return [] if key is None else await store.order_ids_by_key(key)


async def customer_order_id(store: Store, customer_id: str, typed: str) -> str | None:
    """The id of the customer's own order the typed number means, else None (theirs only, §6)."""
    for order_id in await orders_named(store, typed):
        order = await store.get_order(order_id)
        if order is not None and order.customer_id == customer_id:
            return order_id
    return None


async def staff_order_id(store: Store, typed: str) -> str | None:
    """The order a staff member means: the exact id, else the only order with the typed key.

    Why: staff may type "1001" for the shop's "#1001"; with several candidates none is guessed.
    """
    if await store.get_order(typed) is not None:
        return typed
    candidates = await orders_named(store, typed)
    return candidates[0] if len(candidates) == 1 else None
