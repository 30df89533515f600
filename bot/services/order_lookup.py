"""Finding orders by the number a customer typed, through the one normalised key (DESIGN §6)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from bot.domain.order_number import order_key
from bot.domain.store import Store


class OrderKeys(Protocol):
    """The order look-ups that reading typed order numbers needs."""

    async def known_order_ids(self, order_ids: Collection[str]) -> set[str]:
        """Which of these order ids are stored."""
        ...

    async def order_ids_by_key(self, key: str) -> list[str]:
        """Ids of the orders whose lookup key is `key`, in id order."""
        ...


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


async def staff_order_ids(store: OrderKeys, typed: Sequence[str]) -> dict[str, str | None]:
    """Each typed order number mapped to the order it means, as `staff_order_id` reads one
    ("#10498", "10498" or the exact id); None for one naming no order or several (DESIGN §6)."""
    known = await store.known_order_ids(typed)
    found: dict[str, str | None] = {}
    for value in typed:
        if value in known:
            found[value] = value
            continue
        key = order_key(value)
        candidates = await store.order_ids_by_key(key) if key is not None else []
        found[value] = candidates[0] if len(candidates) == 1 else None
    return found
