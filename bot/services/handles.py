"""Use case: which of a customer's orders a button's handle stands for (DESIGN §7)."""

from __future__ import annotations

from bot.domain.handles import handle, resolve
from bot.domain.store import Store


def order_handle(order_id: str) -> str:
    """The short handle that stands for an order in callback data."""
    return handle("order", order_id)


def product_handle(sku: str) -> str:
    """The short handle that stands for a product in callback data."""
    return handle("product", sku)


async def customer_order(store: Store, customer_id: str, order_handle_: str) -> str | None:
    """The customer's own order (open or closed) with this handle; None for anything else."""
    return resolve("order", order_handle_, await store.customer_order_ids(customer_id))
