"""A re-import never undoes what already happened to a line: shipped and cancelled are final."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.domain.model import LineStatus, Order, OrderLine

FINAL_STATUSES = frozenset({LineStatus.SHIPPED, LineStatus.CANCELLED})


@dataclass(frozen=True, slots=True)
class KeptStatuses:
    """The orders to write, and how many of their lines kept a final status the file contradicts."""

    orders: list[Order]
    kept: int


def keep_final_statuses(imported: Sequence[Order], stored: Sequence[Order]) -> KeptStatuses:
    """The imported orders with every stored shipped or cancelled line keeping its status."""
    final = {
        (line.order_id, line.line_no): line.status
        for order in stored
        for line in order.lines
        if line.status in FINAL_STATUSES
    }
    kept = 0
    orders = []
    for order in imported:
        if not final:
            orders.append(order)
            continue
        lines: list[OrderLine] = []
        for line in order.lines:
            status = final.get((line.order_id, line.line_no), line.status)
            if status != line.status:
                kept += 1
                line = replace(line, status=status)
            lines.append(line)
        orders.append(replace(order, lines=tuple(lines)))
    return KeptStatuses(orders, kept)
