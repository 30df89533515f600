"""A small shop written through the real store: products, customers, orders, supply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import (
    Customer,
    Jurisdiction,
    LineStatus,
    Order,
    OrderLine,
    Product,
    PurchaseOrder,
)
from bot.services.eta import recompute_etas
from storage.store import SqlStore

# A Wednesday morning, clear of weekends unless a test wants one.
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
RULES = EtaRules(BusinessCalendar(), default_handling_days=0)
CUSTOMER = "C1"
OTHER_CUSTOMER = "C2"


def product(
    sku: str,
    *,
    price: int = 1000,
    on_hand: int = 0,
    category: str | None = "mugs",
    lead_time_days: int | None = 30,
    alternatives: Sequence[str] = (),
    currency: str = "EUR",
) -> Product:
    """A product with handling on the day its units are there."""
    return Product(
        sku=sku,
        name=f"Product {sku}",
        price_minor=price,
        currency=currency,
        on_hand=on_hand,
        category=category,
        lead_time_days=lead_time_days,
        handling_days=0,
        alternatives=tuple(alternatives),
    )


def order(
    order_id: str,
    *lines: tuple[str, int, int],
    customer_id: str = CUSTOMER,
    jurisdiction: Jurisdiction | None = None,
    placed_days_ago: int = 10,
    statuses: Sequence[LineStatus] = (),
) -> Order:
    """An order whose lines are (sku, quantity, unit price) in line-number order."""
    return Order(
        order_id=order_id,
        customer_id=customer_id,
        placed_at=NOW - timedelta(days=placed_days_ago, minutes=len(order_id)),
        currency="EUR",
        jurisdiction=jurisdiction,
        lines=tuple(
            OrderLine(
                order_id,
                number,
                sku,
                quantity,
                price,
                statuses[number - 1] if number <= len(statuses) else LineStatus.OPEN,
            )
            for number, (sku, quantity, price) in enumerate(lines, start=1)
        ),
    )


def po(po_id: str, sku: str, quantity: int, expected: date) -> PurchaseOrder:
    """A confirmed purchase order."""
    return PurchaseOrder(po_id, sku, quantity, expected)


async def stock(
    store: SqlStore,
    products: Sequence[Product],
    orders: Sequence[Order] = (),
    purchase_orders: Sequence[PurchaseOrder] = (),
) -> None:
    """Write the shop and compute its ETAs, as an import would."""
    await store.upsert_products(products, actor="test", at=NOW)
    customers = {
        o.customer_id: Customer(o.customer_id, f"Customer {o.customer_id}") for o in orders
    }
    if orders:
        await store.upsert_orders(list(customers.values()), orders, actor="test", at=NOW)
    if purchase_orders:
        await store.upsert_purchase_orders(purchase_orders, actor="test", at=NOW)
    await recompute_etas(store, rules=RULES, today=TODAY)


def in_days(days: int) -> date:
    """A date some days after TODAY."""
    return TODAY + timedelta(days=days)
