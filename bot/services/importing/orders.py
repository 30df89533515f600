"""The orders CSV: one row per order line, header fields repeated on every row (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.model import Customer, Jurisdiction, LineStatus, Order, OrderLine
from bot.services.importing.bounds import LINE_NUMBER, PRIORITY, QUANTITY
from bot.services.importing.cells import Cells
from bot.services.importing.partial import keep_stored
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
# Optional column -> field it sets on the Customer, the order header, or the OrderLine.
CUSTOMER_FIELDS = {
    "customer_email": "email",
    "customer_phone": "phone",
    "customer_language": "language",
    "customer_timezone": "timezone",
}
HEADER_FIELDS = {
    "promised_ship_date": "promised_ship_date",
    "jurisdiction": "jurisdiction",
    "priority": "priority",
}
LINE_FIELDS = {"status": "status"}
FLAT_LINES = 16


@dataclass(frozen=True, slots=True)
class OrderHeader:
    """The fields every row of one order must repeat identically."""

    customer_id: str
    placed_at: datetime
    promised_ship_date: date | None
    jurisdiction: Jurisdiction | None
    priority: int
    currency: str


HEADER_NAMES = tuple(field_.name for field_ in fields(OrderHeader))


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
    # OrderLine fields whose column the file leaves out (kept from the stored line).
    kept_line_fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedOrders:
    """What an orders file holds once every row is valid."""

    customers: list[Customer]
    orders: list[Order]


@dataclass(slots=True)
class _OrderSeen:
    """What later rows of one order are checked against: its first row and its line numbers."""

    first_line: int
    header: OrderHeader
    rows: int = 0
    # Why: most orders have a few lines, and a flat tuple (line_no, file line, ...) is a fraction
    # of a dict's size; a dict only for the orders with many lines.
    lines: tuple[int, ...] | dict[int, int] = ()

    def line_of(self, line_no: int) -> int | None:
        """The file line that already has `line_no` of this order, or None."""
        if isinstance(self.lines, dict):
            return self.lines.get(line_no)
        pairs = self.lines
        for index in range(0, len(pairs), 2):
            if pairs[index] == line_no:
                return pairs[index + 1]
        return None

    def add_line(self, line_no: int, file_line: int) -> None:
        """Note that `file_line` has `line_no` (unless an earlier line has it)."""
        if isinstance(self.lines, dict):
            self.lines.setdefault(line_no, file_line)
        elif len(self.lines) < FLAT_LINES * 2:
            self.lines += (line_no, file_line)
        else:
            pairs = self.lines
            self.lines = {pairs[index]: pairs[index + 1] for index in range(0, len(pairs), 2)}
            self.lines[line_no] = file_line


@dataclass(frozen=True, slots=True)
class _CustomerSeen:
    first_line: int
    customer: Customer


class OrdersFile:
    """An orders file read a chunk of rows at a time, checked across all of them (DESIGN §4).

    Why a class: the file is streamed, so what one order's or customer's later rows are checked
    against is kept here, per key, and nothing else of the rows already read.
    """

    def __init__(self, problems: Problems, *, stored_skus: Collection[str], timezone: ZoneInfo):
        self._problems = problems
        self._skus = stored_skus
        self._timezone = timezone
        self._orders: dict[str, _OrderSeen] = {}
        self._customers: dict[str, _CustomerSeen] = {}
        self._currencies: dict[str, str] = {}

    def parse(
        self,
        records: Sequence[Record],
        *,
        stored_orders: Mapping[str, Order],
        stored_customers: Mapping[str, Customer],
    ) -> ParsedOrders:
        """The chunk's customers and orders (omitted columns kept from the stored ones)."""
        stored = _Stored(self._skus, stored_orders, stored_customers)
        rows = [
            row
            for record in records
            if (row := _parse_row(Cells(record, self._problems), stored, self._timezone))
            is not None
        ]
        by_order: dict[str, list[LineRow]] = {}
        for row in rows:
            by_order.setdefault(row.order_id, []).append(row)
        customers = self._customers_of(rows)
        orders = [
            self._order(order_id, order_rows, stored_orders.get(order_id))
            for order_id, order_rows in by_order.items()
        ]
        return ParsedOrders(customers, orders)

    def _shared(self, header: OrderHeader) -> OrderHeader:
        """`header` with its texts shared with the other orders' (memory per order, not row)."""
        customer = self._customers.get(header.customer_id)
        customer_id = customer.customer.customer_id if customer else header.customer_id
        currency = self._currencies.setdefault(header.currency, header.currency)
        if customer_id is header.customer_id and currency is header.currency:
            return header
        return replace(header, customer_id=customer_id, currency=currency)

    def _order(self, order_id: str, rows: list[LineRow], stored: Order | None) -> Order:
        problems = self._problems
        seen = self._orders.get(order_id)
        if seen is None:
            seen = self._orders[order_id] = _OrderSeen(rows[0].line, self._shared(rows[0].header))
            if stored is not None and stored.currency != seen.header.currency:
                problems.add(
                    seen.first_line,
                    "currency",
                    f"order {order_id!r} is stored in {stored.currency}; "
                    "one order has one currency",
                )
        stored_lines = {line.line_no: line for line in stored.lines} if stored else {}
        lines = []
        for row in rows:
            for name in HEADER_NAMES if row.header != seen.header else ():
                value = getattr(row.header, name)
                expected = getattr(seen.header, name)
                if value != expected:
                    first = problems.at(seen.first_line)
                    problems.add(
                        row.line,
                        name,
                        _differs(name, value, expected, first, order_id),
                    )
            seen.rows += 1
            line_no = seen.rows if row.line_no is None else row.line_no
            if (earlier := seen.line_of(line_no)) is not None:
                problems.add(
                    row.line,
                    "line_no",
                    f"order {order_id!r} already has line {line_no} ({problems.at(earlier)})",
                )
            else:
                seen.add_line(line_no, row.line)
            line = OrderLine(
                order_id, line_no, row.sku, row.quantity, row.unit_price_minor, row.status
            )
            lines.append(keep_stored(line, stored_lines.get(line_no), row.kept_line_fields))
        header = seen.header
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

    def _customers_of(self, rows: list[LineRow]) -> list[Customer]:
        customers: dict[str, Customer] = {}
        for row in rows:
            customer_id = row.customer.customer_id
            first = self._customers.setdefault(customer_id, _CustomerSeen(row.line, row.customer))
            customers.setdefault(customer_id, first.customer)
            for attribute, column in CUSTOMER_COLUMNS.items():
                value = getattr(row.customer, attribute)
                expected = getattr(first.customer, attribute)
                if value != expected:
                    self._problems.add(
                        row.line,
                        column,
                        f"{value!r} differs from {expected!r} "
                        f"on {self._problems.at(first.first_line)} for customer {customer_id!r}",
                    )
        return list(customers.values())


@dataclass(frozen=True, slots=True)
class _Stored:
    skus: Collection[str]
    orders: Mapping[str, Order]
    customers: Mapping[str, Customer]


def _parse_row(cells: Cells, stored: _Stored, timezone: ZoneInfo) -> LineRow | None:
    sku = cells.required("sku")
    if sku and sku not in stored.skus:
        cells.fail("sku", f"unknown SKU {sku!r} (import it with the products first)")
    currency = cells.currency("currency")
    customer_id = cells.required("customer_id")
    order_id = cells.required("order_id")
    header = OrderHeader(
        customer_id=customer_id,
        placed_at=cells.required_moment("placed_at", timezone),
        promised_ship_date=cells.day("promised_ship_date"),
        jurisdiction=cells.choice("jurisdiction", Jurisdiction, None),
        priority=cells.whole("priority", PRIORITY) or 0,
        currency=currency or "",
    )
    customer = Customer(
        customer_id=customer_id,
        name=cells.required("customer_name"),
        email=cells.email("customer_email"),
        phone=cells.phone("customer_phone"),
        language=cells.language("customer_language"),
        timezone=cells.time_zone("customer_timezone"),
    )
    row = LineRow(
        line=cells.line,
        order_id=order_id,
        line_no=cells.whole("line_no", LINE_NUMBER),
        header=keep_stored(header, stored.orders.get(order_id), cells.absent(HEADER_FIELDS)),
        customer=keep_stored(
            customer, stored.customers.get(customer_id), cells.absent(CUSTOMER_FIELDS)
        ),
        sku=sku,
        quantity=cells.required_whole("quantity", QUANTITY),
        unit_price_minor=cells.money("unit_price", currency),
        status=cells.choice("status", LineStatus, LineStatus.OPEN) or LineStatus.OPEN,
        kept_line_fields=tuple(cells.absent(LINE_FIELDS)),
    )
    return None if cells.failed else row


def _differs(column: str, value: object, expected: object, first: str, order_id: str) -> str:
    def shown(item: object) -> object:
        return item.isoformat() if isinstance(item, date | datetime) else item

    prefix = "mixed currencies in one order: " if column == "currency" else ""
    return (
        f"{prefix}{shown(value)!r} differs from {shown(expected)!r} on {first} "
        f"of the same order {order_id!r}"
    )
