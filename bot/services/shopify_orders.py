"""Shopify's order (REST Admin `Order` resource, as its order webhooks send it) as §4 order rows.

Fields used, as Shopify documents them: `name` (the order number customers see, "#1001"),
`email`, `phone`, `created_at`, `updated_at`, `currency`, `customer_locale`, `cancelled_at`,
`fulfillment_status`, `customer` {`id`, `email`, `phone`, `first_name`, `last_name`, `locale`},
`billing_address`/`shipping_address` {`name`, `phone`, `country_code`}, and `line_items`
[{`sku`, `quantity`, `current_quantity`, `price`, `fulfillment_status`}].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel import Locale, UnknownLocaleError

from bot.domain.jurisdictions import jurisdiction_of
from bot.services.importing.cells import EMAIL, PHONE
from bot.services.importing.platform_rows import customer_key

CANCELLED_TOPIC = "orders/cancelled"
# Shopify's `financial_status` values meaning the money went back (or was never taken).
REFUNDED = frozenset({"refunded", "voided"})
FULFILLED_TOPIC = "orders/fulfilled"
# §4 column -> the Shopify field, so a 422 names what the shop's payload has.
NAMES = {
    "order_id": "name",
    "customer_id": "customer",
    "customer_name": "customer",
    "customer_email": "email",
    "customer_phone": "phone",
    "customer_language": "customer_locale",
    "placed_at": "created_at",
    "jurisdiction": "shipping_address.country_code",
    "sku": "line_items.sku",
    "quantity": "line_items.quantity",
    "unit_price": "line_items.price",
    "currency": "currency",
    "line_no": "line_items",
    "status": "line_items.fulfillment_status",
}


@dataclass(frozen=True, slots=True)
class MappedOrder:
    """An order webhook as §4 rows (each with its line item's index) and what else it says."""

    name: str
    rows: list[tuple[int, dict[str, str]]]
    cancelled: bool
    # Shopify refunded (or voided) the whole payment: the refunds owed here are settled.
    refunded: bool = False
    # The order's `updated_at` (None when missing or not a timestamp with an offset).
    updated_at: datetime | None = None


def map_order(order: Mapping[str, Any], *, topic: str) -> MappedOrder:
    """The §4 rows of a Shopify order; line items without a SKU (gift cards, custom items) are
    left out, and line numbers are positions in `line_items` (stable as Shopify keeps them).

    The customer is keyed by e-mail like the CSV exports (platform_rows.customer_key); the
    language is `customer.locale`, else `customer_locale`; the jurisdiction comes from the
    shipping address's country, else the billing address's (bot/domain/jurisdictions.py).
    A cancelled order (`cancelled_at`, or the orders/cancelled topic) keeps its lines open here:
    the caller cancels it through the cancel path, refunds and all.
    """
    name = _text(order.get("name")) or f"#{_text(order.get('order_number'))}"
    customer = _mapping(order.get("customer"))
    shipping = _mapping(order.get("shipping_address"))
    billing = _mapping(order.get("billing_address"))
    email = _first(order.get("email"), order.get("contact_email"), customer.get("email"))
    phone = _first(order.get("phone"), customer.get("phone"), billing.get("phone"))
    phone = phone if PHONE.match(phone) else ""
    full_name = " ".join(
        part
        for part in (_text(customer.get("first_name")), _text(customer.get("last_name")))
        if part
    )
    header = {
        "order_id": name,
        "customer_id": customer_key(email, phone, _text(customer.get("id")), "shopify", name),
        "customer_name": full_name
        or _first(billing.get("name"), shipping.get("name"))
        or email
        or name,
        "customer_email": email if EMAIL.match(email) else "",
        "customer_phone": phone,
        "placed_at": _text(order.get("created_at")),
        "currency": _text(order.get("currency")),
    }
    language = language_tag(_first(customer.get("locale"), order.get("customer_locale")))
    if language:
        header["customer_language"] = language
    if shipping or billing:
        country = _first(shipping.get("country_code"), billing.get("country_code"))
        header["jurisdiction"] = jurisdiction_of(country) or ""
    all_shipped = topic == FULFILLED_TOPIC or order.get("fulfillment_status") == "fulfilled"
    rows = []
    for index, item in enumerate(_list(order.get("line_items"))):
        line = _mapping(item)
        sku = _text(line.get("sku"))
        if not sku:
            continue
        shipped = all_shipped or line.get("fulfillment_status") == "fulfilled"
        # Why: an order edit that removes an item leaves it in line_items with a
        # current_quantity of 0 (fewer units: the smaller number); the line is cancelled then.
        current = line.get("current_quantity")
        removed = current == 0
        quantity = line.get("quantity") if removed or current is None else current
        status = "cancelled" if removed else "shipped" if shipped else "open"
        row = {
            **header,
            "line_no": str(index + 1),
            "sku": sku,
            "quantity": _text(quantity),
            "unit_price": _text(line.get("price")),
            "status": status,
        }
        rows.append((index, row))
    cancelled = topic == CANCELLED_TOPIC or bool(order.get("cancelled_at"))
    return MappedOrder(
        name,
        rows,
        cancelled,
        refunded=order.get("financial_status") in REFUNDED,
        updated_at=_moment(order.get("updated_at")),
    )


def language_tag(locale: str) -> str | None:
    """Shopify's locale (`de`, `pt-BR`, `en-AE`) as a tag babel knows: the whole tag, else its
    language; None when neither is known (the stored language is kept then)."""
    for candidate in (locale, locale.split("-")[0]):
        if not candidate:
            continue
        try:
            Locale.parse(candidate.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            continue
        return candidate
    return None


def _moment(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(_text(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _text(value: object) -> str:
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return str(value).strip()


def _first(*values: object) -> str:
    return next((text for value in values if (text := _text(value))), "")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
