"""The purchase-orders CSV: one row per purchase order (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from bot.domain.model import PoStatus, PurchaseOrder
from bot.services.importing.bounds import QUANTITY, STOCK
from bot.services.importing.cells import Cells
from bot.services.importing.partial import keep_stored
from bot.services.importing.table import Problems, Record

REQUIRED = ("po_id", "sku", "quantity", "expected_date")
OPTIONAL = ("received_quantity", "status", "supplier")
# Optional column -> PurchaseOrder field (the same names).
FIELDS = {column: column for column in OPTIONAL}


def parse_purchase_orders(
    records: Sequence[Record],
    problems: Problems,
    *,
    stored_skus: Collection[str],
    stored: Mapping[str, PurchaseOrder],
    first_line: dict[str, int],
) -> list[PurchaseOrder]:
    """Purchase orders from valid rows (omitted columns kept from `stored`); problems else.

    `first_line` is the line each po_id was first seen on, shared by the chunks of one file.
    """
    purchase_orders = []
    for record in records:
        cells = Cells(record, problems)
        po_id = cells.required("po_id")
        if po_id:
            first = first_line.setdefault(po_id, record.line)
            if first != record.line:
                cells.fail("po_id", f"duplicate po_id {po_id!r}, first on {problems.at(first)}")
        sku = cells.required("sku")
        if sku and sku not in stored_skus:
            cells.fail("sku", f"unknown SKU {sku!r} (import it with the products first)")
        purchase_order = keep_stored(
            PurchaseOrder(
                po_id=po_id,
                sku=sku,
                quantity=cells.required_whole("quantity", QUANTITY),
                expected_date=cells.required_day("expected_date"),
                received_quantity=cells.whole("received_quantity", STOCK) or 0,
                status=cells.choice("status", PoStatus, PoStatus.CONFIRMED) or PoStatus.CONFIRMED,
                supplier=cells.optional("supplier"),
            ),
            stored.get(po_id),
            cells.absent(FIELDS),
        )
        received, quantity = purchase_order.received_quantity, purchase_order.quantity
        if quantity and received > quantity:
            cells.fail(
                "received_quantity", f"{received} is more than the ordered quantity {quantity}"
            )
        if not cells.failed:
            purchase_orders.append(purchase_order)
    return purchase_orders
