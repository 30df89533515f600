"""A customer's open orders with their lines, ETAs and product names, in one query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.delays import NoticeState
from bot.domain.model import Confidence, LineEta, LineStatus, Order, OrderLine
from bot.domain.notice_store import VersionedOrder
from bot.domain.open_orders import OpenOrders
from storage.bulk import fetch_rows
from storage.codec import OPEN, date_or_none, jurisdiction_or_none
from storage.notices import UNSHOWN
from storage.notices import _state_from as state_from
from storage.schema import line_etas, notice_log, notice_state, order_lines, orders, products
from storage.sql_functions import bytewise

_open = order_lines.alias("open")
_o, _l, _e, _p, _s = orders, order_lines, line_etas, products, notice_state

# Why: the state's columns keep their table's names (`state_from` reads them by name, and its
# `order_id` is the order's); the columns before them are read by position.
_OPEN_ORDER_LINES = (
    select(
        _o.c.order_id,
        _o.c.customer_id,
        _o.c.placed_at,
        _o.c.currency,
        _o.c.promised_ship_date,
        _o.c.jurisdiction,
        _o.c.priority,
        _o.c.version,
        _l.c.line_no,
        _l.c.sku,
        _l.c.quantity,
        _l.c.unit_price_minor,
        _l.c.status,
        _e.c.sku.label("eta_sku"),
        _e.c.available_date,
        _e.c.ship_date,
        _e.c.confidence,
        _e.c.waiting_for_po_date,
        _e.c.lead_time_days,
        _p.c.name,
        _s.c.order_id.label("state_order_id"),
        _s.c.deadline,
        _s.c.communicated_date,
        _s.c.communicated_at,
        _s.c.consent,
        _s.c.awaiting_answer,
        _s.c.silence_means,
        _s.c.decision_deadline,
        _s.c.auto_cancel_on,
        _s.c.offered_date,
        _s.c.ready_notified,
        _s.c.auto_cancelled_on,
        _l.c.ship_now,
        _s.c.undelivered,
        # Why: folded in here, so a look at orders with no notice waiting writes nothing more.
        exists().where(notice_log.c.order_id == _o.c.order_id, UNSHOWN).label("unshown"),
    )
    .select_from(
        _o.join(_l, _l.c.order_id == _o.c.order_id)
        .outerjoin(_e, (_e.c.order_id == _l.c.order_id) & (_e.c.line_no == _l.c.line_no))
        .outerjoin(_p, _p.c.sku == _l.c.sku)
        .outerjoin(_s, _s.c.order_id == _o.c.order_id)
    )
    .where(
        _o.c.customer_id == bindparam("customer_id"),
        exists().where(_open.c.order_id == _o.c.order_id, _open.c.status == OPEN),
    )
    .order_by(_o.c.placed_at_utc.desc(), bytewise(_o.c.order_id).desc(), _l.c.line_no)
)

_KEYS = tuple(_OPEN_ORDER_LINES.selected_columns.keys())


async def read_open_orders(conn: AsyncConnection, customer_id: str) -> OpenOrders:
    """The customer's orders with an open line, newest first, each with all its lines."""
    rows = await fetch_rows(conn, _OPEN_ORDER_LINES, {"customer_id": customer_id})
    headers: dict[str, tuple[Any, ...]] = {}
    lines: dict[str, list[OrderLine]] = {}
    etas: dict[tuple[str, int], LineEta] = {}
    names: dict[str, str] = {}
    states: dict[str, NoticeState] = {}
    unshown: set[str] = set()
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
            columns = dict(zip(_KEYS, row, strict=True))
            states[order_id] = state_from(columns)
        if row[34]:
            unshown.add(order_id)
    orders_read = tuple(
        VersionedOrder(_order(header, lines[order_id]), int(header[7]))
        for order_id, header in headers.items()
    )
    return OpenOrders(orders_read, etas, names, states, frozenset(unshown))


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
