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
    """One source of units in supply order (rule 1)."""

    available: date
    units: int
    planned: bool
    # Why: None for on-hand stock; the supplier's own date for purchase orders.
    expected_date: date | None


def supply_lots(book: SkuBook, today: date) -> list[_Lot]:
    """On-hand units dated today, then open purchase orders by effective date and po_id."""
    lots = [_Lot(today, book.on_hand, planned=False, expected_date=None)] if book.on_hand else []
    incoming = [
        (max(po.expected_date, today), po.po_id, po)
        for po in book.purchase_orders
        if po.status != PoStatus.CANCELLED and po.remaining > 0
    ]
    incoming.sort(key=lambda item: (item[0], item[1]))
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
    lots = supply_lots(book, today)
    units_left = sum(lot.units for lot in lots)
    handling = book.handling_days if book.handling_days is not None else rules.default_handling_days
    ship_date = rules.calendar.ship_date
    lead_time = book.lead_time_days
    if lead_time is None:
        fallback = LineEta("", 0, book.sku, None, None, Confidence.UNKNOWN)
    else:
        estimated = today + timedelta(days=lead_time)
        fallback = LineEta(
            "",
            0,
            book.sku,
            estimated,
            ship_date(estimated, handling),
            Confidence.ESTIMATE,
            lead_time_days=lead_time,
        )
    etas: list[LineEta] = []
    lot_index = 0
    for line in demand_queue(book.demand):
        # Why: the schema forbids empty lines; never let bad data stall the walk through supply.
        needed = max(line.quantity, 1)
        if needed > units_left:
            # Rule 3: an uncovered line takes nothing, so smaller lines behind it may still fit.
            etas.append(
                LineEta(
                    line.order_id,
                    line.line_no,
                    book.sku,
                    fallback.available_date,
                    fallback.ship_date,
                    fallback.confidence,
                    lead_time_days=fallback.lead_time_days,
                )
            )
            continue
        units_left -= needed
        planned = False
        from_supplier: date | None = None
        while True:
            lot = lots[lot_index]
            taken = min(lot.units, needed)
            lot.units -= taken
            needed -= taken
            planned = planned or lot.planned
            if lot.expected_date is not None and (
                from_supplier is None or lot.expected_date > from_supplier
            ):
                from_supplier = lot.expected_date
            if needed == 0:
                break
            lot_index += 1
        if from_supplier is None:
            confidence = Confidence.IN_STOCK
        elif planned:
            confidence = Confidence.PLANNED
        else:
            confidence = Confidence.CONFIRMED
        etas.append(
            LineEta(
                line.order_id,
                line.line_no,
                book.sku,
                lot.available,
                ship_date(lot.available, handling),
                confidence,
                waiting_for_po_date=from_supplier,
            )
        )
        if lot.units == 0:
            lot_index += 1
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
