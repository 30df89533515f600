"""ETA allocation: which supply each open line gets and when it ships (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple, Protocol

from bot.domain.calendar import BusinessCalendar
from bot.domain.model import Confidence, LineEta, PoStatus
from bot.domain.store import Demand, SkuBook, Store


@dataclass(frozen=True)
class EtaRules:
    """Settings the allocation needs besides the data: business calendar and default handling."""

    calendar: BusinessCalendar
    default_handling_days: int


class EtaOutcome(NamedTuple):
    """What allocation gives a line; every line getting the same shares one value."""

    # Why: LineEta's fields after (order_id, line_no, sku), in its order: LineEta(o, n, s, *this).
    available_date: date | None
    ship_date: date | None
    confidence: Confidence
    waiting_for_po_date: date | None
    lead_time_days: int | None


# An open line as the store hands it over: order_id, line_no, quantity and the key of its stored
# ETA in EtaQueue.stored (None when it has none). Plain tuples, so a long queue stays cheap.
QueuedLine = tuple[str, int, int, Hashable | None]


@dataclass(frozen=True, slots=True)
class EtaQueue:
    """One SKU's supply (its book's demand unused), open lines in serving order, stored ETAs;
    `gone`: the (order_id, line_no) of the SKU's stored ETAs whose line is no longer open, when
    the read saw them (None: the save finds them itself)."""

    supply: SkuBook
    lines: Sequence[QueuedLine]
    stored: Mapping[Hashable, EtaOutcome]
    gone: Sequence[tuple[str, int]] | None = None


class EtaQueueStore(Store, Protocol):
    """Persistence for refreshing a few SKUs' ETAs by writing only the lines that moved."""

    async def eta_queues(self, skus: Collection[str]) -> list[EtaQueue]:
        """Each SKU's supply and open lines in serving order (DESIGN §5.2), with stored ETAs."""
        ...

    async def save_moved_etas(
        self,
        etas: Sequence[LineEta],
        *,
        skus: Collection[str],
        computed_on: date,
        seen: int | None = None,
        gone: Mapping[str, Sequence[tuple[str, int]]] | None = None,
    ) -> int:
        """Write these ETAs and drop those SKUs' rows of lines no longer open (for a SKU in
        `gone`, those lines: its queue's `gone`); return how many. With `seen`, as
        `Store.save_etas`: SKUs changed after it are left alone, others cleared."""
        ...


@dataclass(slots=True)
class _Lot:
    """One source of units, in supply order (rule 1)."""

    available: date
    units: int
    planned: bool
    # Why: None for on-hand stock; the supplier's own (possibly overdue) date for purchase orders.
    expected_date: date | None
    po_id: str | None = None


# What a fully covered line took: the date its last units come, whether any come from a planned
# purchase order, and the supplier date it waits for (None when all come from stock): the
# earliest overdue one if any purchase order it draws from is overdue, else the latest one.
_Draw = tuple[date, bool, date | None]


class _Supply:
    """The lots of one SKU, handed out front to back, whole lines only (rule 3)."""

    def __init__(self, lots: list[_Lot]) -> None:
        self._lots = lots
        # Why: a line drawn from one lot alone needs no new value; queues reuse these.
        self._alone = [(lot.available, lot.planned, lot.expected_date) for lot in lots]
        self._next = 0
        self.units_left = sum(lot.units for lot in lots)

    def take(self, quantity: int) -> _Draw | None:
        """Take `quantity` units from the earliest lots, or nothing if they do not suffice."""
        if quantity > self.units_left:
            return None
        self.units_left -= quantity
        lot = self._lots[self._next]
        if quantity < lot.units:
            lot.units -= quantity
            return self._alone[self._next]
        planned = False
        waiting_for: date | None = None
        late: date | None = None
        while True:
            lot = self._lots[self._next]
            taken = min(lot.units, quantity)
            lot.units -= taken
            quantity -= taken
            planned = planned or lot.planned
            expected = lot.expected_date
            if expected is not None:
                if expected < lot.available:
                    if late is None or expected < late:
                        late = expected
                elif waiting_for is None or expected > waiting_for:
                    waiting_for = expected
            if lot.units == 0:
                self._next += 1
            if quantity == 0:
                return lot.available, planned, late if late is not None else waiting_for


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
        _Lot(effective, po.remaining, po.status == PoStatus.PLANNED, po.expected_date, po.po_id)
        for effective, _, po in incoming
    )
    return lots


def lines_by_purchase_order(book: SkuBook, *, today: date) -> dict[str, list[Demand]]:
    """The open lines that draw units from each purchase order, by po_id, in serving order."""
    # Why: the same walk as allocate_in_order (rules 1-3), kept apart so it stays fast.
    lots = supply_lots(book, today)
    units_left = sum(lot.units for lot in lots)
    waiting: dict[str, list[Demand]] = {}
    front = 0
    for line in demand_queue(book.demand):
        quantity = max(line.quantity, 1)
        if quantity > units_left:
            continue
        units_left -= quantity
        while quantity:
            lot = lots[front]
            taken = min(lot.units, quantity)
            lot.units -= taken
            quantity -= taken
            if lot.po_id is not None:
                waiting.setdefault(lot.po_id, []).append(line)
            if lot.units == 0:
                front += 1
    return waiting


def demand_queue(demand: Iterable[Demand]) -> list[Demand]:
    """Open lines in serving order: released first, priority (higher first), placed_at, ids."""
    return sorted(
        demand, key=lambda d: (not d.released, -d.priority, d.placed_at, d.order_id, d.line_no)
    )


def allocate(book: SkuBook, *, today: date, rules: EtaRules) -> list[LineEta]:
    """Give each open line of one SKU its whole quantity from the earliest supply, or a fallback."""
    queue = demand_queue(book.demand)
    outcomes = allocate_in_order(book, [line.quantity for line in queue], today=today, rules=rules)
    sku = book.sku
    return [
        LineEta(line.order_id, line.line_no, sku, *outcome)
        for line, outcome in zip(queue, outcomes, strict=True)
    ]


def moved_etas(queue: EtaQueue, *, today: date, rules: EtaRules) -> list[LineEta]:
    """The ETAs of one SKU's lines whose allocation now differs from the stored one."""
    lines = queue.lines
    outcomes = allocate_in_order(
        queue.supply, [line[2] for line in lines], today=today, rules=rules
    )
    sku = queue.supply.sku
    stored = queue.stored.get
    return [
        LineEta(order_id, line_no, sku, *outcome)
        for (order_id, line_no, _, key), outcome in zip(lines, outcomes, strict=True)
        if outcome != stored(key)
    ]


def allocate_in_order(
    supply: SkuBook, quantities: Iterable[int], *, today: date, rules: EtaRules
) -> list[EtaOutcome]:
    """What each line, given by quantity in serving order, gets from the book's supply."""
    lots = _Supply(supply_lots(supply, today))
    take = lots.take
    handling = (
        supply.handling_days if supply.handling_days is not None else rules.default_handling_days
    )
    ship_date = rules.calendar.ship_date
    lead_time = supply.lead_time_days
    # Rule 3: an uncovered line waits for the supplier's lead time, or has no date without one.
    estimated = None if lead_time is None else today + timedelta(days=lead_time)
    # Why: long queues draw the same few outcomes over and over; build each one once.
    covered: dict[_Draw, EtaOutcome] = {}
    uncovered: dict[date, EtaOutcome] = {}
    outcomes: list[EtaOutcome] = []
    # Why: rule 3 — an uncovered line is not served before the lines ahead of it. Covered lines
    # take lots front to back, so the latest date ahead is the last covered line's draw.
    ahead: _Draw | None = None
    dated_after: object = _NOTHING
    waiting = _UNKNOWN
    for quantity in quantities:
        # Why: the schema forbids empty lines; never let bad data hand out a free slot.
        draw = take(max(quantity, 1))
        if draw is None:
            if ahead is not dated_after:
                dated_after = ahead
                waiting = _uncovered_outcome(
                    estimated, ahead, lead_time, uncovered, lambda day: ship_date(day, handling)
                )
            outcomes.append(waiting)
            continue
        ahead = draw
        outcome = covered.get(draw)
        if outcome is None:
            outcome = covered[draw] = _covered_outcome(draw, ship_date(draw[0], handling))
        outcomes.append(outcome)
    return outcomes


_NOTHING = object()
_UNKNOWN = EtaOutcome(None, None, Confidence.UNKNOWN, None, None)


def _uncovered_outcome(
    estimated: date | None,
    ahead: _Draw | None,
    lead_time: int | None,
    known: dict[date, EtaOutcome],
    ship_date: Callable[[date], date],
) -> EtaOutcome:
    """Rule 3: the later of the lead-time date and the last covered line's, or no date."""
    if estimated is None:
        return _UNKNOWN
    available = estimated if ahead is None or ahead[0] <= estimated else ahead[0]
    outcome = known.get(available)
    if outcome is None:
        outcome = known[available] = EtaOutcome(
            available, ship_date(available), Confidence.ESTIMATE, None, lead_time
        )
    return outcome


def _covered_outcome(draw: _Draw, ship: date) -> EtaOutcome:
    available, planned, waiting_for = draw
    if waiting_for is None:
        return EtaOutcome(available, ship, Confidence.IN_STOCK, None, None)
    confidence = Confidence.PLANNED if planned else Confidence.CONFIRMED
    return EtaOutcome(available, ship, confidence, waiting_for, None)


def order_estimate(etas: Iterable[LineEta | None]) -> date | None:
    """Latest ship date of an order's open lines; None if any line has no date (or none exist)."""
    latest: date | None = None
    for eta in etas:
        if eta is None or eta.ship_date is None:
            return None
        if latest is None or eta.ship_date > latest:
            latest = eta.ship_date
    return latest


def split_order_estimate(open_lines: Iterable[tuple[LineEta | None, bool]]) -> date | None:
    """An order's estimate from (eta, released) per open line: once split, its waiting part's."""
    lines = list(open_lines)
    # Why: DESIGN §5.6 — after "ship what is ready" the order ships in parts; date the rest.
    waiting = [eta for eta, released in lines if not released]
    return order_estimate(waiting if waiting else [eta for eta, _ in lines])
