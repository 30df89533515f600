"""Sample domain records for storage tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.model import Customer, LineStatus, Order, OrderLine, Product, PurchaseOrder

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def product(sku: str = "MUG-1", **changes: object) -> Product:
    """A product with sensible defaults."""
    values: dict[str, object] = {
        "sku": sku,
        "name": f"Product {sku}",
        "price_minor": 1999,
        "currency": "EUR",
        "on_hand": 3,
    }
    values.update(changes)
    return Product(**values)  # type: ignore[arg-type]


def customer(customer_id: str = "C1", **changes: object) -> Customer:
    """A customer with sensible defaults."""
    values: dict[str, object] = {
        "customer_id": customer_id,
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+44 20 7946 0018",
        "language": "en",
    }
    values.update(changes)
    return Customer(**values)  # type: ignore[arg-type]


def order(
    order_id: str = "1001",
    customer_id: str = "C1",
    *,
    placed_at: datetime = datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    lines: tuple[tuple[str, int], ...] = (("MUG-1", 2),),
    status: LineStatus = LineStatus.OPEN,
) -> Order:
    """An order whose lines are (sku, quantity) pairs numbered from 1, all in one status."""
    return Order(
        order_id=order_id,
        customer_id=customer_id,
        placed_at=placed_at,
        currency="EUR",
        lines=tuple(
            OrderLine(
                order_id,
                number,
                sku,
                quantity,
                1999,
                status,
            )
            for number, (sku, quantity) in enumerate(lines, start=1)
        ),
    )


def purchase_order(po_id: str = "PO-1", sku: str = "MUG-1", **changes: object) -> PurchaseOrder:
    """A purchase order with sensible defaults."""
    values: dict[str, object] = {
        "po_id": po_id,
        "sku": sku,
        "quantity": 10,
        "expected_date": date(2026, 3, 20),
    }
    values.update(changes)
    return PurchaseOrder(**values)  # type: ignore[arg-type]
