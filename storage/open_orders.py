"""A customer's open orders with their lines, ETAs and product names, in one query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.delays import NoticeState
from bot.domain.model import Confidence, LineEta, LineStatus, Order, OrderLine
from bot.domain.notice_store import VersionedOrder
from bot.domain.open_orders import OpenOrders
from storage.codec import date_or_none, jurisdiction_or_none
from storage.notices import _state_from as state_from

_OPEN_ORDER_LINES = """
    SELECT o.order_id, o.customer_id, o.placed_at, o.currency, o.promised_ship_date,
           o.jurisdiction, o.priority, o.version,
           l.line_no, l.sku, l.quantity, l.unit_price_minor, l.status,
           e.sku, e.available_date, e.ship_date, e.confidence, e.waiting_for_po_date,
           e.lead_time_days, p.name, s.order_id, s.deadline, s.communicated_date,
           s.communicated_at, s.consent, s.awaiting_answer, s.silence_means,
           s.decision_deadline, s.auto_cancel_on, s.offered_date, s.ready_notified,
           s.auto_cancelled_on, l.ship_now, s.undelivered
      FROM orders AS o
      JOIN order_lines AS l ON l.order_id = o.order_id
      LEFT JOIN line_etas AS e ON e.order_id = l.order_id AND e.line_no = l.line_no
      LEFT JOIN products AS p ON p.sku = l.sku
      LEFT JOIN notice_state AS s ON s.order_id = o.order_id
     WHERE o.customer_id = ? AND EXISTS (SELECT 1 FROM order_lines AS open
                                          WHERE open.order_id = o.order_id
                                            AND open.status = 'open')
     ORDER BY o.placed_at_utc DESC, o.order_id DESC, l.line_no"""


async def read_open_orders(conn: aiosqlite.Connection, customer_id: str) -> OpenOrders:
    """The customer's orders with an open line, newest first, each with all its lines."""
    # Why: one hop to the database thread; execute, fetch and close would be three.
    rows = await conn.execute_fetchall(_OPEN_ORDER_LINES, (customer_id,))
    headers: dict[str, tuple[Any, ...]] = {}
    lines: dict[str, list[OrderLine]] = {}
    etas: dict[tuple[str, int], LineEta] = {}
    names: dict[str, str] = {}
    states: dict[str, NoticeState] = {}
    for row in rows:
        order_id, line_no, sku = str(row[0]), int(row[8]), str(row[9])
        if order_id not in headers:
            headers[order_id] = tuple(row[:8])
            lines[order_id] = []
        lines[order_id].append(
            OrderLine(
                order_id,
                line_no,
                sku,
                int(row[10]),
                int(row[11]),
                LineStatus(row[12]),
                ship_now=bool(row[32]),
            )
        )
        if row[13] is not None:
            etas[order_id, line_no] = LineEta(
                order_id,
                line_no,
                str(row[13]),
                date_or_none(row[14]),
                date_or_none(row[15]),
                Confidence(row[16]),
                date_or_none(row[17]),
                row[18],
            )
        if row[19] is not None:
            names[sku] = str(row[19])
        if row[20] is not None and order_id not in states:
            # Why: the state's columns carry their table's names, which `state_from` reads.
            states[order_id] = state_from(row)
    orders = tuple(
        VersionedOrder(_order(header, lines[order_id]), int(header[7]))
        for order_id, header in headers.items()
    )
    return OpenOrders(orders, etas, names, states)


def _order(header: tuple[Any, ...], lines: list[OrderLine]) -> Order:
    order_id, customer_id, placed_at, currency, promised, jurisdiction, priority, _ = header
    return Order(
        order_id=str(order_id),
        customer_id=str(customer_id),
        placed_at=datetime.fromisoformat(placed_at),
        currency=str(currency),
        promised_ship_date=date_or_none(promised),
        jurisdiction=jurisdiction_or_none(jurisdiction),
        priority=priority,
        lines=tuple(lines),
    )
