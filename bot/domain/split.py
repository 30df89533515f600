"""How much of an order could ship now: on-hand units not needed by lines queued ahead."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.domain.eta import demand_queue
from bot.domain.model import PoStatus
from bot.domain.store import SkuBook


@dataclass(frozen=True, slots=True)
class ReadyPart:
    """One line's units that could ship now and the units that keep waiting."""

    line_no: int
    ready: int
    waiting: int


def ready_parts(book: SkuBook, order_id: str, line_nos: Collection[int]) -> list[ReadyPart]:
    """For these lines of one order on this SKU: units on hand for them after the queue ahead."""
    on_hand = book.on_hand
    incoming = sum(po.remaining for po in book.purchase_orders if po.status != PoStatus.CANCELLED)
    parts: list[ReadyPart] = []
    for line in demand_queue(book.demand):
        quantity = max(line.quantity, 1)
        if line.order_id == order_id and line.line_no in line_nos:
            ready = min(quantity, on_hand)
            on_hand -= ready
            # Why: after the split the waiting part queues here and may take incoming units.
            if quantity - ready <= incoming:
                incoming -= quantity - ready
            parts.append(ReadyPart(line.line_no, ready, quantity - ready))
            continue
        # Rule 3: a line ahead takes its whole quantity, on-hand first, or nothing at all.
        if quantity <= on_hand + incoming:
            from_hand = min(quantity, on_hand)
            on_hand -= from_hand
            incoming -= quantity - from_hand
    return parts
