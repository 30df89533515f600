"""ETA allocation: which supply each open line gets and when it ships (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.calendar import BusinessCalendar
from bot.domain.model import Confidence, LineEta, PoStatus
from bot.domain.store import Demand, SkuBook


@dataclass(frozen=True)
class EtaRules:
    """Settings the allocation needs besides the data: business calendar and default handling."""

    calendar: BusinessCalendar
    default_handling_days: int


@dataclass(slots=True)
class _Lot:
    """One source of units, in supply order (rule 1)."""

    available: date
    units: int
    planned: bool
    # Why: None for on-hand stock; the supplier's own (possibly overdue) date for purchase orders.
    expected_date: date | None


@dataclass(frozen=True, slots=True)
class _Draw:
    """What a fully covered line took: when its last units come, and from what kind of supply."""

    available: date
    confidence: Confidence
    waiting_for_po_date: date | None


class _Supply:
    """The lots of one SKU, handed out front to back, whole lines only (rule 3)."""

    def __init__(self, lots: list[_Lot]) -> None:
        self._lots = lots
        self._next = 0
        self.units_left = sum(lot.units for lot in lots)

    def take(self, quantity: int) -> _Draw | None:
        """Take `quantity` units from the earliest lots, or nothing if they do not suffice."""
        if quantity > self.units_left:
            return None
        self.units_left -= quantity
        planned = False
        waiting_for: date | None = None
        while True:
            lot = self._lots[self._next]
            taken = min(lot.units, quantity)
            lot.units -= taken
            quantity -= taken
            planned = planned or lot.planned
            if lot.expected_date is not None and (
                waiting_for is None or lot.expected_date > waiting_for
            ):
                waiting_for = lot.expected_date
            if lot.units == 0:
                self._next += 1
            if quantity == 0:
                break
        if waiting_for is None:
            return _Draw(lot.available, Confidence.IN_STOCK, None)
        confidence = Confidence.PLANNED if planned else Confidence.CONFIRMED
        return _Draw(lot.available, confidence, waiting_for)


def supply_lots(book: SkuBook, today: date) -> list[_Lot]:
    """On-hand units dated today, then open purchase orders by effective date and po_id."""
    lots = [_Lot(today, book.on_hand, planned=False, expected_date=None)] if book.on_hand else []
    incoming = sorted(
        (
            (max(po.expected_date, today), po.po_id, po)
            for po in book.purchase_orders
            if po.status != PoStatus.CANCELLED and po.remaining > 0
        ),
        key=lambda item: (item[0], item[1]),
    )
    lots.extend(
        _Lot(effective, po.remaining, po.status == PoStatus.PLANNED, po.expected_date)
        for effective, _, po in incoming
    )
    return lots


def demand_queue(demand: Iterable[Demand]) -> list[Demand]:
    """Open lines in serving order: priority (higher first), placed_at, order_id, line_no."""
    return sorted(demand, key=lambda d: (-d.priority, d.placed_at, d.order_id, d.line_no))


def allocate(book: SkuBook, *, today: date, rules: EtaRules) -> list[LineEta]:
    """Give each open line of one SKU its whole quantity from the earliest supply, or a fallback."""
    supply = _Supply(supply_lots(book, today))
    handling = book.handling_days if book.handling_days is not None else rules.default_handling_days
    ship_date = rules.calendar.ship_date
    lead_time = book.lead_time_days
    # Rule 3: an uncovered line waits for the supplier's lead time, or has no date without one.
    estimated = None if lead_time is None else today + timedelta(days=lead_time)
    estimated_ship = None if estimated is None else ship_date(estimated, handling)
    fallback = Confidence.UNKNOWN if estimated is None else Confidence.ESTIMATE
    etas: list[LineEta] = []
    for line in demand_queue(book.demand):
        # Why: the schema forbids empty lines; never let bad data hand out a free slot.
        draw = supply.take(max(line.quantity, 1))
        if draw is None:
            eta = LineEta(
                line.order_id,
                line.line_no,
                book.sku,
                estimated,
                estimated_ship,
                fallback,
                lead_time_days=lead_time,
            )
        else:
            eta = LineEta(
                line.order_id,
                line.line_no,
                book.sku,
                draw.available,
                ship_date(draw.available, handling),
                draw.confidence,
                waiting_for_po_date=draw.waiting_for_po_date,
            )
        etas.append(eta)
    return etas


def order_estimate(etas: Iterable[LineEta | None]) -> date | None:
    """Latest ship date of an order's open lines; None if any line has no date (or none exist)."""
    latest: date | None = None
    for eta in etas:
        if eta is None or eta.ship_date is None:
            return None
        if latest is None or eta.ship_date > latest:
            latest = eta.ship_date
    return latest
