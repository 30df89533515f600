"""Conversions between stored column values and domain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, FromClause, RowMapping, case, func, literal, literal_column

from bot.domain.actions import RefundReason, RefundRecord
from bot.domain.model import (
    Customer,
    Jurisdiction,
    LineStatus,
    OrderLine,
    PoStatus,
    Product,
    PurchaseOrder,
)

IN_CHUNK = 900

# A stored row read by name (SQLAlchemy's `RowMapping`, or any mapping of column to value).
Row = RowMapping | Mapping[str, Any]


# Why: a literal, not a bound parameter: SQLite plans `status = 'open'` (the partial index
# order_lines_open_sku) better, and "my orders" ran twice as fast with it.
OPEN: ColumnElement[str] = literal_column("'open'")


def utc_text(moment: datetime) -> str:
    """A fixed-width UTC form that sorts as text in time order."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def date_or_none(text: str | None) -> date | None:
    """A stored ISO date, or None."""
    return date.fromisoformat(text) if text else None


def iso_or_none(value: date | None) -> str | None:
    """An ISO date for storage, or None."""
    return value.isoformat() if value else None


def digits_of(phone: str | None) -> str | None:
    """A phone number reduced to its digits."""
    digits = "".join(char for char in phone or "" if char.isdigit())
    return digits or None


def product_params(product: Product) -> dict[str, object]:
    """Column values of a product (also its audit JSON)."""
    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "price_minor": product.price_minor,
        "currency": product.currency,
        "on_hand": product.on_hand,
        "lead_time_days": product.lead_time_days,
        "handling_days": product.handling_days,
        "supplier": product.supplier,
        "alternatives": "|".join(product.alternatives),
    }


def product_from(row: Row) -> Product:
    """A product from a `products` row."""
    alternatives = str(row["alternatives"] or "")
    return Product(
        sku=str(row["sku"]),
        name=str(row["name"]),
        price_minor=_int(row["price_minor"]),
        currency=str(row["currency"]),
        on_hand=_int(row["on_hand"]),
        category=_str_or_none(row["category"]),
        lead_time_days=_int_or_none(row["lead_time_days"]),
        handling_days=_int_or_none(row["handling_days"]),
        supplier=_str_or_none(row["supplier"]),
        alternatives=tuple(alternatives.split("|")) if alternatives else (),
    )


def customer_params(customer: Customer) -> dict[str, object]:
    """Column values of a customer as imported (also its audit JSON)."""
    return {
        "customer_id": customer.customer_id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "phone_digits": digits_of(customer.phone),
        "language": customer.language,
        "timezone": customer.timezone,
    }


def customer_tag(chosen: str | None, imported: str | None) -> str | None:
    """A customer's language tag: the one they chose, else the orders' (imported) one; a choice
    of the orders' language keeps the orders' region ("en" chosen, "en-GB" imported -> "en-GB").

    DESIGN §7: dates, numbers and money follow the customer's own locale even when they pick
    their language from the shipped ones ("English" is "en"). Same rule as `customer_tag_of`.
    """
    if not chosen:
        return imported or None
    if imported and imported.replace("_", "-").lower().startswith(chosen.lower() + "-"):
        return imported
    return chosen


def customer_tag_of(customers: FromClause) -> ColumnElement[str]:
    """`customer_tag` as a SQL expression over a `customers` table or alias ('' for none)."""
    chosen = func.coalesce(customers.c.chosen_language, "")
    imported = func.coalesce(customers.c.language, "")
    regional = func.lower(func.replace(imported, "_", "-")).like(
        func.lower(customers.c.chosen_language).concat(literal("-%"))
    )
    return case(
        (chosen == "", imported),
        (regional, customers.c.language),
        else_=customers.c.chosen_language,
    )


def customer_from(row: Row) -> Customer:
    """A customer from a `customers` row; language as `customer_tag` (the chosen one made
    regional by the imported one, else the imported one)."""
    imported = imported_customer_from(row)
    return replace(
        imported,
        language=customer_tag(_str_or_none(row["chosen_language"]), imported.language),
    )


def imported_customer_from(row: Row) -> Customer:
    """A customer from a `customers` row as the orders CSV set it (the imported language)."""
    return Customer(
        customer_id=str(row["customer_id"]),
        name=str(row["name"]),
        email=_str_or_none(row["email"]),
        phone=_str_or_none(row["phone"]),
        language=_str_or_none(row["language"]),
        timezone=_str_or_none(row["timezone"]),
    )


def line_params(line: OrderLine) -> dict[str, object]:
    """Column values of an order line (also its audit JSON)."""
    return {
        "order_id": line.order_id,
        "line_no": line.line_no,
        "sku": line.sku,
        "quantity": line.quantity,
        "unit_price_minor": line.unit_price_minor,
        "status": line.status.value,
    }


def line_from(row: Row) -> OrderLine:
    """An order line from an `order_lines` row."""
    return OrderLine(
        order_id=str(row["order_id"]),
        line_no=_int(row["line_no"]),
        sku=str(row["sku"]),
        quantity=_int(row["quantity"]),
        unit_price_minor=_int(row["unit_price_minor"]),
        status=LineStatus(str(row["status"])),
        ship_now=bool(row["ship_now"]),
    )


def jurisdiction_or_none(text: object) -> Jurisdiction | None:
    """A stored jurisdiction, or None."""
    return Jurisdiction(str(text)) if text else None


def purchase_order_params(po: PurchaseOrder) -> dict[str, object]:
    """Column values of a purchase order (also its audit JSON)."""
    return {
        "po_id": po.po_id,
        "sku": po.sku,
        "quantity": po.quantity,
        "received_quantity": po.received_quantity,
        "expected_date": po.expected_date.isoformat(),
        "status": po.status.value,
        "supplier": po.supplier,
    }


def purchase_order_from(row: Row) -> PurchaseOrder:
    """A purchase order from a `purchase_orders` row."""
    return PurchaseOrder(
        po_id=str(row["po_id"]),
        sku=str(row["sku"]),
        quantity=_int(row["quantity"]),
        expected_date=date.fromisoformat(str(row["expected_date"])),
        received_quantity=_int(row["received_quantity"]),
        status=PoStatus(str(row["status"])),
        supplier=_str_or_none(row["supplier"]),
    )


def row_dict(row: Row) -> dict[str, Any]:
    """A row as a plain dict of column to value (for audit JSON)."""
    return dict(row)


def _int(value: object) -> int:
    if isinstance(value, int):
        return value
    raise TypeError(f"expected an integer column, got {value!r}")


def _int_or_none(value: object) -> int | None:
    return None if value is None else _int(value)


def _str_or_none(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def refund_from(row: Row) -> RefundRecord:
    """A refund from a `refunds` row."""
    return RefundRecord(
        order_id=str(row["order_id"]),
        line_no=int(row["line_no"]),
        amount_minor=int(row["amount_minor"]),
        currency=str(row["currency"]),
        due_date=date.fromisoformat(row["due_date"]),
        status=cast(Literal["due", "paid"], row["status"]),
        reason=cast(RefundReason, row["reason"]),
    )
