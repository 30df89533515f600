"""WooCommerce's order export, read as DESIGN §4 order rows.

WooCommerce itself exports products but not orders; the order export shops use is WooCommerce's
own "Customer / Order / Coupon Export" extension (woocommerce.com), whose "Default CSV format -
One row per line item" we follow: snake_case column keys (order_id, order_number, order_date,
status, order_currency, billing_email, item_sku, item_quantity, item_subtotal, ...) that the
extension guarantees never to change. Columns we do not use are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.jurisdictions import jurisdiction_of
from bot.money import MoneyError, precision
from bot.services.importing.platform_rows import GroupFields, customer_key, first_of, present
from bot.services.importing.table import Problems, Record

REQUIRED = ("order_id", "order_date", "order_currency", "item_sku", "item_quantity")
OPTIONAL = (
    "order_number",
    "status",
    "customer_id",
    "billing_first_name",
    "billing_last_name",
    "billing_email",
    "billing_phone",
    "billing_country",
    "shipping_country",
    "item_name",
    "item_subtotal",
    "item_total",
)
ORDER_FIELDS = tuple(column for column in (*REQUIRED, *OPTIONAL) if not column.startswith("item"))
NAMES = {
    "order_id": "order_number",
    "customer_id": "billing_email",
    "customer_name": "billing_first_name",
    "customer_email": "billing_email",
    "customer_phone": "billing_phone",
    "placed_at": "order_date",
    "jurisdiction": "shipping_country",
    "sku": "item_sku",
    "quantity": "item_quantity",
    "unit_price": "item_subtotal",
    "currency": "order_currency",
    "status": "status",
}
# WooCommerce's order statuses (wc-… in the database) as a line's status.
SHIPPED = frozenset({"completed"})
CANCELLED = frozenset({"cancelled", "refunded", "failed"})


def order_rows(records: Iterator[Record], problems: Problems) -> Iterator[Record]:
    """§4 order rows from the export's line-item rows (rows without an item_sku left out).

    The order number customers see is `order_number` (else `order_id`); a line's unit price is
    its `item_subtotal` (before order discounts) divided by its quantity.
    """
    groups = GroupFields("order_id", ORDER_FIELDS)
    for record in records:
        cells = groups.fill(record)
        if not cells.get("item_sku"):
            continue
        order_id = first_of(cells, "order_number", "order_id")
        email = cells.get("billing_email", "")
        phone = cells.get("billing_phone", "")
        name = " ".join(
            part
            for part in (cells.get("billing_first_name"), cells.get("billing_last_name"))
            if part
        )
        currency = cells["order_currency"]
        row = {
            "order_id": order_id,
            "line_no": str(groups.position),
            "customer_id": customer_key(
                email, phone, cells.get("customer_id", ""), "woocommerce", order_id
            ),
            "customer_name": name or email or order_id,
            "placed_at": cells["order_date"],
            "sku": cells["item_sku"],
            "quantity": cells["item_quantity"],
            "unit_price": unit_price(
                first_of(cells, "item_subtotal", "item_total"), cells["item_quantity"], currency
            ),
            "currency": currency,
            "status": line_status(cells.get("status", "")),
        }
        if present(cells, "billing_email"):
            row["customer_email"] = email
        if present(cells, "billing_phone"):
            row["customer_phone"] = phone
        if present(cells, "shipping_country", "billing_country"):
            country = first_of(cells, "shipping_country", "billing_country")
            row["jurisdiction"] = jurisdiction_of(country) or ""
        yield Record(record.line, row)


def unit_price(line_total: str, quantity: str, currency: str) -> str:
    """A line total over its quantity, to the currency's minor unit (half up); text that is not a
    number is passed on unchanged so the import reports it."""
    try:
        places = precision(currency.upper())
        unit = Decimal(line_total) / int(quantity)
        return str(unit.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    except (ArithmeticError, ValueError, MoneyError):
        return line_total


def line_status(status: str) -> str:
    """WooCommerce's order status as the §4 line status: completed → shipped; cancelled,
    refunded, failed → cancelled; every other (pending, processing, on-hold) → open."""
    plain = status.strip().lower().removeprefix("wc-")
    if plain in SHIPPED:
        return "shipped"
    if plain in CANCELLED:
        return "cancelled"
    return "open"
