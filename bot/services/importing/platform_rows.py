"""What the platforms' order and product exports have in common: rows carrying their group's
first-row fields, and a customer key from the contact details."""

from __future__ import annotations

from collections.abc import Collection

from bot.services.importing.table import Record

CUSTOMER_PREFIX = {"shopify": "shopify:", "woocommerce": "woocommerce:"}


class GroupFields:
    """Fill a row's blank group fields from the first row of its group (an order, a product).

    Shopify writes an order's fields (Email, Currency, Created at, ...) and a product's (Title,
    Vendor, ...) on the group's first row only; the rows of one group are next to each other, so
    only the group being read is kept.
    """

    def __init__(self, key: str, fields: Collection[str]) -> None:
        self._key = key
        self._fields = tuple(fields)
        self._group: str | None = None
        self._first: dict[str, str] = {}
        self.position = 0

    def fill(self, record: Record) -> dict[str, str]:
        """The row's cells with its group's first-row fields where the row leaves them blank."""
        cells = dict(record.cells)
        group = cells.get(self._key, "")
        if group != self._group:
            self._group = group
            self._first = {name: cells[name] for name in self._fields if cells.get(name)}
            self.position = 0
        self.position += 1
        for name, value in self._first.items():
            if not cells.get(name):
                cells[name] = value
        return cells


def customer_key(email: str, phone: str, platform_id: str, platform: str, order_id: str) -> str:
    """The customer_id of a platform's customer: the e-mail address (lower case), else the
    platform's customer id, else the phone number, else one customer per order.

    Why the e-mail first: it is the one key an order export, a webhook and a re-import all carry,
    so the same customer's orders meet under one id whichever door they came in by.
    """
    if email:
        return email.lower()
    prefix = CUSTOMER_PREFIX[platform]
    if platform_id and platform_id != "0":
        return f"{prefix}{platform_id}"
    if phone:
        return phone
    return f"{prefix}order:{order_id}"


def present(cells: dict[str, str], *columns: str) -> bool:
    """Whether the file has any of these columns (else the §4 column is left out: kept)."""
    return any(column in cells for column in columns)


def first_of(cells: dict[str, str], *columns: str) -> str:
    """The first non-blank of these cells, or ''."""
    return next((cells[column] for column in columns if cells.get(column)), "")
