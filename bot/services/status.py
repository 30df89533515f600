"""Use case: what an order looks like now — each line's status and estimated dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, cast

from bot.domain.eta import order_estimate
from bot.domain.model import Confidence, LineEta, LineStatus, Order, OrderLine
from bot.domain.notice_store import VersionedOrder
from bot.domain.open_orders import OpenOrders, OpenOrdersStore, reads_open_orders
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


@dataclass(frozen=True)
class OrderView:
    """An order with its overall status and estimated ship date."""

    order: Order
    status: Status
    estimated_ship_date: date | None
    lines: tuple[LineView, ...]


async def order_view(store: Store, order_id: str) -> OrderView | None:
    """The view of one order, or None when there is no such order."""
    order = await store.get_order(order_id)
    if order is None:
        return None
    return (await _views(store, [order]))[0]


async def customer_orders(store: Store, customer_id: str) -> list[OrderView]:
    """A customer's open orders, newest first."""
    return open_order_views(await read_open_orders(store, customer_id))


async def read_open_orders(store: Store, customer_id: str) -> OpenOrders:
    """A customer's open orders with their ETAs and product names, in one read when possible."""
    if reads_open_orders(type(store)):
        return await cast(OpenOrdersStore, store).customer_open_orders(customer_id)
    orders = await store.open_orders(customer_id)
    etas = await store.line_etas([order.order_id for order in orders]) if orders else {}
    products = await store.get_products({line.sku for order in orders for line in order.lines})
    # Why: a store without versions serves tests of the views, which never quote a version.
    return OpenOrders(
        tuple(VersionedOrder(order, 0) for order in orders),
        etas,
        {sku: product.name for sku, product in products.items()},
    )


def open_order_views(open_orders: OpenOrders) -> list[OrderView]:
    """The views of orders read with `read_open_orders`, in the same order."""
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
    open_etas = [line.eta for line in lines if line.status in ("ready", "backordered")]
    return OrderView(order, _order_status(lines), order_estimate(open_etas), lines)


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
    is_open = line.status in ("ready", "backordered")
    confidence = line.eta.confidence.value if line.eta else Confidence.UNKNOWN.value
    return {
        "line_no": line.line_no,
        "sku": line.sku,
        "quantity": line.quantity,
        "status": line.status,
        "available_date": _iso(line.eta.available_date if line.eta else None),
        "estimated_ship_date": _iso(line.eta.ship_date if line.eta else None),
        "confidence": confidence if is_open else None,
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
                str(data["confidence"] or "-"),
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
