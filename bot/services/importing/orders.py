"""The orders CSV: one row per order line, header fields repeated on every row (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.model import Customer, Jurisdiction, LineStatus, Order, OrderLine
from bot.services.importing.cells import Cells
from bot.services.importing.table import Problems, Record

REQUIRED = (
    "order_id",
    "customer_id",
    "customer_name",
    "placed_at",
    "sku",
    "quantity",
    "unit_price",
    "currency",
)
OPTIONAL = (
    "line_no",
    "customer_email",
    "customer_phone",
    "customer_language",
    "customer_timezone",
    "promised_ship_date",
    "jurisdiction",
    "priority",
    "status",
)
CUSTOMER_COLUMNS = {
    "name": "customer_name",
    "email": "customer_email",
    "phone": "customer_phone",
    "language": "customer_language",
    "timezone": "customer_timezone",
}


@dataclass(frozen=True, slots=True)
class OrderHeader:
    """The fields every row of one order must repeat identically."""

    customer_id: str
    placed_at: datetime
    promised_ship_date: date | None
    jurisdiction: Jurisdiction | None
    priority: int
    currency: str


@dataclass(frozen=True, slots=True)
class LineRow:
    """One valid row of the file."""

    line: int
    order_id: str
    line_no: int | None
    header: OrderHeader
    customer: Customer
    sku: str
    quantity: int
    unit_price_minor: int
    status: LineStatus


@dataclass(frozen=True, slots=True)
class ParsedOrders:
    """What an orders file holds once every row is valid."""

    customers: list[Customer]
    orders: list[Order]


def parse_orders(
    records: Sequence[Record],
    problems: Problems,
    *,
    stored_skus: Collection[str],
    stored_currencies: Mapping[str, str],
    timezone: ZoneInfo,
) -> ParsedOrders:
    """Customers and orders from valid rows; problems for everything else."""
    rows = [
        row
        for record in records
        if (row := _parse_row(Cells(record, problems), stored_skus, timezone)) is not None
    ]
    by_order: dict[str, list[LineRow]] = {}
    for row in rows:
        by_order.setdefault(row.order_id, []).append(row)
    orders = [
        _order(order_id, order_rows, problems, stored_currencies.get(order_id))
        for order_id, order_rows in by_order.items()
    ]
    return ParsedOrders(_customers(rows, problems), orders)


def _parse_row(cells: Cells, stored_skus: Collection[str], timezone: ZoneInfo) -> LineRow | None:
    sku = cells.required("sku")
    if sku and sku not in stored_skus:
        cells.fail("sku", f"unknown SKU {sku!r} (import it with the products first)")
    currency = cells.currency("currency")
    customer_id = cells.required("customer_id")
    row = LineRow(
        line=cells.line,
        order_id=cells.required("order_id"),
        line_no=cells.whole("line_no", minimum=1),
        header=OrderHeader(
            customer_id=customer_id,
            placed_at=cells.required_moment("placed_at", timezone),
            promised_ship_date=cells.day("promised_ship_date"),
            jurisdiction=cells.choice("jurisdiction", Jurisdiction, None),
            priority=cells.whole("priority") or 0,
            currency=currency or "",
        ),
        customer=Customer(
            customer_id=customer_id,
            name=cells.required("customer_name"),
            email=cells.email("customer_email"),
            phone=cells.phone("customer_phone"),
            language=cells.language("customer_language"),
            timezone=cells.time_zone("customer_timezone"),
        ),
        sku=sku,
        quantity=cells.required_whole("quantity", minimum=1),
        unit_price_minor=cells.money("unit_price", currency),
        status=cells.choice("status", LineStatus, LineStatus.OPEN) or LineStatus.OPEN,
    )
    return None if cells.failed else row


def _order(
    order_id: str, rows: list[LineRow], problems: Problems, stored_currency: str | None
) -> Order:
    first = rows[0]
    line_of: dict[int, int] = {}
    lines = []
    for position, row in enumerate(rows, start=1):
        for field in fields(OrderHeader):
            value = getattr(row.header, field.name)
            expected = getattr(first.header, field.name)
            if value != expected:
                problems.add(
                    row.line,
                    field.name,
                    _differs(field.name, value, expected, first.line, order_id),
                )
        line_no = position if row.line_no is None else row.line_no
        if line_no in line_of:
            problems.add(
                row.line,
                "line_no",
                f"order {order_id!r} already has line {line_no} (line {line_of[line_no]})",
            )
        line_of.setdefault(line_no, row.line)
        lines.append(
            OrderLine(order_id, line_no, row.sku, row.quantity, row.unit_price_minor, row.status)
        )
    if stored_currency is not None and stored_currency != first.header.currency:
        problems.add(
            first.line,
            "currency",
            f"order {order_id!r} is stored in {stored_currency}; one order has one currency",
        )
    header = first.header
    return Order(
        order_id=order_id,
        customer_id=header.customer_id,
        placed_at=header.placed_at,
        currency=header.currency,
        promised_ship_date=header.promised_ship_date,
        jurisdiction=header.jurisdiction,
        priority=header.priority,
        lines=tuple(sorted(lines, key=lambda line: line.line_no)),
    )


def _customers(rows: list[LineRow], problems: Problems) -> list[Customer]:
    first_row: dict[str, LineRow] = {}
    for row in rows:
        first = first_row.setdefault(row.customer.customer_id, row)
        for attribute, column in CUSTOMER_COLUMNS.items():
            value = getattr(row.customer, attribute)
            if value != getattr(first.customer, attribute):
                problems.add(
                    row.line,
                    column,
                    f"{value!r} differs from {getattr(first.customer, attribute)!r} "
                    f"on line {first.line} for customer {row.customer.customer_id!r}",
                )
    return [row.customer for row in first_row.values()]


def _differs(column: str, value: object, expected: object, first_line: int, order_id: str) -> str:
    def shown(item: object) -> object:
        return item.isoformat() if isinstance(item, date | datetime) else item

    prefix = "mixed currencies in one order: " if column == "currency" else ""
    return (
        f"{prefix}{shown(value)!r} differs from {shown(expected)!r} on line {first_line} "
        f"of the same order {order_id!r}"
    )
