"""Use case: what an order looks like now — each line's status and estimated dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.domain.eta import split_order_estimate
from bot.domain.model import Confidence, LineEta, LineStatus, Order, OrderLine
from bot.domain.open_orders import OpenOrders, OpenOrdersStore
from bot.domain.store import Store

Status = Literal["ready", "backordered", "shipped", "cancelled"]


@dataclass(frozen=True)
class LineView:
    """One order line as the customer and staff see it."""

    line_no: int
    sku: str
    product_name: str
    quantity: int
    unit_price_minor: int
    status: Status
    eta: LineEta | None
    # Why: released by the customer's split to ship ahead of the rest of the order.
    ship_now: bool = False

    @property
    def is_open(self) -> bool:
        """Neither shipped nor cancelled."""
        return self.status in ("ready", "backordered")


@dataclass(frozen=True)
class OrderView:
    """An order with its overall status and estimated ship date."""

    order: Order
    status: Status
    estimated_ship_date: date | None
    lines: tuple[LineView, ...]

    @property
    def ships_in_parts(self) -> bool:
        """The customer split it: some items ship now while others still wait."""
        open_lines = [line for line in self.lines if line.is_open]
        return any(line.ship_now for line in open_lines) and not all(
            line.ship_now for line in open_lines
        )


async def order_view(store: Store, order_id: str) -> OrderView | None:
    """The view of one order, or None when there is no such order."""
    order = await store.get_order(order_id)
    if order is None:
        return None
    return (await _views(store, [order]))[0]


async def customer_orders(store: OpenOrdersStore, customer_id: str) -> list[OrderView]:
    """A customer's open orders, newest first."""
    return open_order_views(await store.customer_open_orders(customer_id))


def open_order_views(open_orders: OpenOrders) -> list[OrderView]:
    """The views of orders read with `customer_open_orders`, in the same order."""
    return [
        _order_view(entry.order, open_orders.etas, open_orders.product_names)
        for entry in open_orders.orders
    ]


async def _views(store: Store, orders: Sequence[Order]) -> list[OrderView]:
    if not orders:
        return []
    etas = await store.line_etas([order.order_id for order in orders])
    products = await store.get_products({line.sku for order in orders for line in order.lines})
    names = {sku: product.name for sku, product in products.items()}
    return [_order_view(order, etas, names) for order in orders]


def _order_view(
    order: Order, etas: dict[tuple[str, int], LineEta], product_names: dict[str, str]
) -> OrderView:
    lines = tuple(_line_view(line, etas, product_names) for line in order.lines)
    return OrderView(order, _order_status(lines), _estimated_ship_date(lines), lines)


def _estimated_ship_date(lines: Sequence[LineView]) -> date | None:
    return split_order_estimate((line.eta, line.ship_now) for line in lines if line.is_open)


def _line_view(
    line: OrderLine, etas: dict[tuple[str, int], LineEta], product_names: dict[str, str]
) -> LineView:
    eta = etas.get((line.order_id, line.line_no)) if line.status == LineStatus.OPEN else None
    status: Status
    if line.status == LineStatus.SHIPPED:
        status = "shipped"
    elif line.status == LineStatus.CANCELLED:
        status = "cancelled"
    elif eta is not None and eta.confidence == Confidence.IN_STOCK:
        status = "ready"
    else:
        status = "backordered"
    return LineView(
        line_no=line.line_no,
        sku=line.sku,
        product_name=product_names.get(line.sku, line.sku),
        quantity=line.quantity,
        unit_price_minor=line.unit_price_minor,
        status=status,
        eta=eta,
        ship_now=line.ship_now,
    )


def _order_status(lines: Sequence[LineView]) -> Status:
    statuses = {line.status for line in lines}
    if statuses <= {"cancelled"}:
        return "cancelled"
    if statuses <= {"cancelled", "shipped"}:
        return "shipped"
    return "backordered" if "backordered" in statuses else "ready"


def order_json(view: OrderView) -> dict[str, object]:
    """The `order --json` object of DESIGN §3."""
    return {
        "order_id": view.order.order_id,
        "customer_id": view.order.customer_id,
        "status": view.status,
        "estimated_ship_date": _iso(view.estimated_ship_date),
        "lines": [_line_json(line) for line in view.lines],
    }


def _line_json(line: LineView) -> dict[str, object]:
    confidence = line.eta.confidence.value if line.eta else Confidence.UNKNOWN.value
    return {
        "line_no": line.line_no,
        "sku": line.sku,
        "quantity": line.quantity,
        "status": line.status,
        "available_date": _iso(line.eta.available_date if line.eta else None),
        "estimated_ship_date": _iso(line.eta.ship_date if line.eta else None),
        "confidence": confidence if line.is_open else None,
        "ship_now": line.ship_now,
        "supply_overdue": bool(line.is_open and line.eta and line.eta.supply_overdue),
    }


def order_text(view: OrderView) -> str:
    """A plain-English table of the order for staff at the command line."""
    order = view.order
    heading = [
        f"Order {order.order_id} for customer {order.customer_id}, "
        f"placed {order.placed_at.isoformat(sep=' ', timespec='minutes')}",
        f"Status: {view.status}; "
        f"estimated ship date: {_iso(view.estimated_ship_date) or 'unknown'}",
        "",
    ]
    rows = [("line", "sku", "product", "qty", "status", "available", "ships", "confidence")]
    for line in view.lines:
        data = _line_json(line)
        rows.append(
            (
                str(line.line_no),
                line.sku,
                line.product_name,
                str(line.quantity),
                line.status,
                str(data["available_date"] or "-"),
                str(data["estimated_ship_date"] or "-"),
                str(data["confidence"] or "-")
                + (", supply overdue" if data["supply_overdue"] else ""),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    table = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(heading + table)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
