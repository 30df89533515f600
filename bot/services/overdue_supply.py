"""Use cases: purchase orders past their expected date, for staff (DESIGN §5, §12)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from bot.domain.overdue_supply import (
    OverduePurchaseOrder,
    OverdueSupplyStore,
    overdue_purchase_orders,
)

# Why: the po_ids already reported on one business day, so a restart does not report them again.
REPORTED_KEY = "overdue_supply_reported"


async def overdue_supply(store: OverdueSupplyStore, *, today: date) -> list[OverduePurchaseOrder]:
    """Every open purchase order expected before `today`, with the lines and customers waiting."""
    skus = await store.overdue_purchase_order_skus(today)
    if not skus:
        return []
    books = await store.sku_books(skus)
    products = await store.get_products(skus)
    suppliers = {sku: product.supplier for sku, product in products.items()}
    customers = await store.order_customers({line.order_id for b in books for line in b.demand})
    found = [
        po
        for book in books
        for po in overdue_purchase_orders(
            book, today=today, suppliers=suppliers, customers=customers
        )
    ]
    return sorted(found, key=lambda po: (po.expected_date, po.po_id))


async def overdue_to_report(
    store: OverdueSupplyStore,
    *,
    today: date,
    found: Sequence[OverduePurchaseOrder] | None = None,
) -> list[OverduePurchaseOrder]:
    """Overdue purchase orders with customers waiting, not yet reported today; marks them.
    `found`: what `overdue_supply` found today, when the caller has it already."""
    if found is None:
        found = await overdue_supply(store, today=today)
    waited_on = [po for po in found if po.customers]
    stored = await store.get_setting(REPORTED_KEY)
    reported: dict[str, list[str]] = json.loads(stored) if stored else {}
    already = set(reported.get(today.isoformat(), []))
    new = [po for po in waited_on if po.po_id not in already]
    if new:
        day = sorted(already | {po.po_id for po in new})
        await store.set_setting(REPORTED_KEY, json.dumps({today.isoformat(): day}))
    return new


def overdue_json(found: Sequence[OverduePurchaseOrder]) -> list[dict[str, object]]:
    """The `overdue_purchase_orders` rows of `outbox --json`."""
    return [
        {
            "po_id": po.po_id,
            "sku": po.sku,
            "supplier": po.supplier,
            "expected_date": po.expected_date.isoformat(),
            "days_overdue": po.days_overdue,
            "lines_waiting": len(po.lines),
            "customers_waiting": len(po.customers),
        }
        for po in found
    ]


def overdue_text(found: Sequence[OverduePurchaseOrder]) -> str:
    """The overdue purchase orders as lines for a terminal."""
    lines = [f"overdue purchase orders: {len(found)}"]
    lines += [
        f"  {po.po_id}  sku {po.sku}  supplier {po.supplier or '-'}"
        f"  due {po.expected_date.isoformat()} ({po.days_overdue} "
        f"{'day' if po.days_overdue == 1 else 'days'} overdue)"
        f"  lines waiting {len(po.lines)}  customers waiting {len(po.customers)}"
        for po in found
    ]
    return "\n".join(lines)
