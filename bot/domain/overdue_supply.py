"""Purchase orders past their expected date and the customers waiting on them (DESIGN §5, §12)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.domain.eta import lines_by_purchase_order
from bot.domain.model import PoStatus
from bot.domain.store import SkuBook, Store


@dataclass(frozen=True, slots=True)
class OverduePurchaseOrder:
    """An open purchase order past its expected date, with the open lines that wait on it."""

    po_id: str
    sku: str
    supplier: str | None
    expected_date: date
    days_overdue: int
    # Why: (order_id, line_no) of each open line drawing units from it, in serving order.
    lines: tuple[tuple[str, int], ...]
    customers: frozenset[str]


class OverdueSupplyStore(Store, Protocol):
    """Persistence for finding overdue supply."""

    async def overdue_purchase_order_skus(self, today: date) -> list[str]:
        """SKUs with a non-cancelled purchase order expected before `today` and units to come."""
        ...

    async def order_customers(self, order_ids: Collection[str]) -> dict[str, str]:
        """The customer_id of each of these orders, by order_id."""
        ...


def overdue_purchase_orders(
    book: SkuBook,
    *,
    today: date,
    suppliers: Mapping[str, str | None],
    customers: Mapping[str, str],
) -> list[OverduePurchaseOrder]:
    """One SKU's open purchase orders expected before `today`, with who waits on each (§5)."""
    late = [
        po
        for po in book.purchase_orders
        if po.status != PoStatus.CANCELLED and po.remaining > 0 and po.expected_date < today
    ]
    if not late:
        return []
    waiting = lines_by_purchase_order(book, today=today)
    found = []
    for po in sorted(late, key=lambda po: (po.expected_date, po.po_id)):
        lines = waiting.get(po.po_id, [])
        found.append(
            OverduePurchaseOrder(
                po_id=po.po_id,
                sku=book.sku,
                supplier=po.supplier or suppliers.get(book.sku),
                expected_date=po.expected_date,
                days_overdue=(today - po.expected_date).days,
                lines=tuple((line.order_id, line.line_no) for line in lines),
                customers=frozenset(
                    customers[line.order_id] for line in lines if line.order_id in customers
                ),
            )
        )
    return found
