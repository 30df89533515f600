"""The purchase-orders CSV: one row per purchase order (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.domain.model import PoStatus, PurchaseOrder
from bot.services.importing.cells import Cells
from bot.services.importing.table import Problems, Record

REQUIRED = ("po_id", "sku", "quantity", "expected_date")
OPTIONAL = ("received_quantity", "status", "supplier")


def parse_purchase_orders(
    records: Sequence[Record], problems: Problems, *, stored_skus: Collection[str]
) -> list[PurchaseOrder]:
    """Purchase orders from valid rows; problems for everything else."""
    first_line: dict[str, int] = {}
    purchase_orders = []
    for record in records:
        cells = Cells(record, problems)
        po_id = cells.required("po_id")
        if po_id:
            first = first_line.setdefault(po_id, record.line)
            if first != record.line:
                cells.fail("po_id", f"duplicate po_id {po_id!r}, first on line {first}")
        sku = cells.required("sku")
        if sku and sku not in stored_skus:
            cells.fail("sku", f"unknown SKU {sku!r} (import it with the products first)")
        quantity = cells.required_whole("quantity", minimum=1)
        received = cells.whole("received_quantity", minimum=0) or 0
        if quantity and received > quantity:
            cells.fail(
                "received_quantity", f"{received} is more than the ordered quantity {quantity}"
            )
        purchase_order = PurchaseOrder(
            po_id=po_id,
            sku=sku,
            quantity=quantity,
            expected_date=cells.required_day("expected_date"),
            received_quantity=received,
            status=cells.choice("status", PoStatus, PoStatus.CONFIRMED) or PoStatus.CONFIRMED,
            supplier=cells.optional("supplier"),
        )
        if not cells.failed:
            purchase_orders.append(purchase_order)
    return purchase_orders
