"""Shopify's order and product CSV exports, read as DESIGN §4 rows.

Columns follow Shopify's admin exports (Orders > Export, Products > Export): one row per line
item with the order's fields on its first row only; one row per variant (and image rows) with the
product's fields on its first row only. Columns we do not use are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from bot.domain.jurisdictions import jurisdiction_of
from bot.services.importing.platform_rows import GroupFields, customer_key, first_of, present
from bot.services.importing.table import Problems, Record

ORDER_REQUIRED = ("name", "lineitem quantity", "lineitem price", "lineitem sku")
ORDER_OPTIONAL = (
    "email",
    "financial status",
    "fulfillment status",
    "currency",
    "created at",
    "lineitem name",
    "lineitem fulfillment status",
    "billing name",
    "billing phone",
    "billing country",
    "shipping name",
    "shipping phone",
    "shipping country",
    "phone",
    "cancelled at",
)
ORDER_FIELDS = tuple(column for column in ORDER_OPTIONAL if not column.startswith("lineitem"))
# §4 column -> the export's column, so errors name what the shop sees in its file.
ORDER_NAMES = {
    "order_id": "Name",
    "customer_id": "Email",
    "customer_name": "Billing Name",
    "customer_email": "Email",
    "customer_phone": "Phone",
    "placed_at": "Created at",
    "jurisdiction": "Shipping Country",
    "sku": "Lineitem sku",
    "quantity": "Lineitem quantity",
    "unit_price": "Lineitem price",
    "currency": "Currency",
    "status": "Cancelled at",
    "line_no": "Name",
}
PRODUCT_REQUIRED = ("handle", "variant sku", "variant price", "variant inventory qty")
PRODUCT_OPTIONAL = (
    "title",
    "vendor",
    "type",
    "option1 value",
    "option2 value",
    "option3 value",
)
PRODUCT_FIELDS = ("title", "vendor", "type")
PRODUCT_NAMES = {
    "sku": "Variant SKU",
    "name": "Title",
    "price": "Variant Price",
    "currency": "currency",
    "on_hand": "Variant Inventory Qty",
    "category": "Type",
    "supplier": "Vendor",
}
# Shopify's export writes "2024-01-15 10:23:45 -0500".
EXPORT_MOMENT = "%Y-%m-%d %H:%M:%S %z"
DEFAULT_VARIANT = "Default Title"


def order_rows(records: Iterator[Record], problems: Problems) -> Iterator[Record]:
    """§4 order rows from an order export's rows (rows without a Lineitem sku are left out).

    Line numbers are the line item's position in its order, counting every line item, so they
    match the positions of the order's `line_items` in Shopify's webhooks.
    """
    groups = GroupFields("name", ORDER_FIELDS)
    for record in records:
        cells = groups.fill(record)
        if not cells.get("lineitem sku"):
            continue
        name = cells["name"]
        email = cells.get("email", "")
        phone = first_of(cells, "phone", "billing phone", "shipping phone")
        row = {
            "order_id": name,
            "line_no": str(groups.position),
            "customer_id": customer_key(email, phone, "", "shopify", name),
            "customer_name": first_of(cells, "billing name", "shipping name", "email") or name,
            "placed_at": export_moment(cells.get("created at", "")),
            "sku": cells["lineitem sku"],
            "quantity": cells["lineitem quantity"],
            "unit_price": cells["lineitem price"],
            "currency": cells.get("currency", ""),
            "status": _line_status(cells),
        }
        if present(cells, "email"):
            row["customer_email"] = email
        if present(cells, "phone", "billing phone", "shipping phone"):
            row["customer_phone"] = phone
        if present(cells, "shipping country", "billing country"):
            country = first_of(cells, "shipping country", "billing country")
            row["jurisdiction"] = jurisdiction_of(country) or ""
        yield Record(record.line, row)


def product_rows(
    records: Iterator[Record], problems: Problems, *, currency: str | None
) -> Iterator[Record]:
    """§4 product rows from a product export's variant rows (image-only rows and variants
    without a SKU are left out). The export has no currency: `currency` is the shop's.

    A negative Variant Inventory Qty (Shopify keeps selling past zero when the variant may be
    oversold) is 0 units on hand: the orders it was oversold to are the backorders.
    """
    groups = GroupFields("handle", PRODUCT_FIELDS)
    for record in records:
        cells = groups.fill(record)
        if not cells.get("variant sku"):
            continue
        if currency is None:
            problems.add(record.line, "currency", _NO_CURRENCY)
            return
        options = [
            value
            for column in ("option1 value", "option2 value", "option3 value")
            if (value := cells.get(column, "")) and value != DEFAULT_VARIANT
        ]
        title = cells.get("title", "")
        row = {
            "sku": cells["variant sku"],
            "name": f"{title} - {' / '.join(options)}" if options and title else title,
            "price": cells["variant price"],
            "currency": currency,
            "on_hand": _not_negative(cells["variant inventory qty"]),
        }
        if present(cells, "type"):
            row["category"] = cells["type"]
        if present(cells, "vendor"):
            row["supplier"] = cells["vendor"]
        yield Record(record.line, row)


_NO_CURRENCY = (
    "a Shopify product export has no currency column; give the shop's currency "
    "(backorder-bot import products FILE --format shopify --currency EUR)"
)


def export_moment(text: str) -> str:
    """Shopify's `2024-01-15 10:23:45 -0500` as ISO-8601 (other text unchanged: the import
    then reports it)."""
    try:
        return datetime.strptime(text, EXPORT_MOMENT).isoformat()
    except ValueError:
        return text


def _line_status(cells: dict[str, str]) -> str:
    if cells.get("cancelled at"):
        return "cancelled"
    line = cells.get("lineitem fulfillment status", "").lower()
    if line == "fulfilled" or (not line and cells.get("fulfillment status") == "fulfilled"):
        return "shipped"
    return "open"


def _not_negative(text: str) -> str:
    try:
        return "0" if int(text) < 0 else text
    except ValueError:
        return text
