"""Properties of ETA allocation that hold for any supply and demand (DESIGN §5)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules, allocate, demand_queue, lines_by_purchase_order
from bot.domain.model import Confidence, PoStatus, PurchaseOrder
from bot.domain.store import Demand, SkuBook
from tests.domain.builders import SKU, TODAY

RULES = EtaRules(calendar=BusinessCalendar(), default_handling_days=1)
COVERED = {Confidence.IN_STOCK, Confidence.CONFIRMED, Confidence.PLANNED}

purchase_orders = st.lists(
    st.builds(
        PurchaseOrder,
        po_id=st.text("PQ0123", min_size=1, max_size=3),
        sku=st.just(SKU),
        quantity=st.integers(1, 20),
        expected_date=st.integers(-10, 40).map(lambda days: TODAY + timedelta(days=days)),
        received_quantity=st.integers(0, 25),
        status=st.sampled_from(PoStatus),
    ),
    max_size=6,
    unique_by=lambda po: po.po_id,
)
demand_lines = st.lists(
    st.builds(
        Demand,
        order_id=st.text("ABC", min_size=1, max_size=2),
        line_no=st.integers(1, 3),
        quantity=st.integers(1, 15),
        priority=st.integers(0, 2),
        placed_at=st.integers(0, 5).map(
            lambda hours: datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=hours)
        ),
        released=st.booleans(),
    ),
    max_size=12,
    unique_by=lambda d: (d.order_id, d.line_no),
)
books = st.builds(
    SkuBook,
    sku=st.just(SKU),
    on_hand=st.integers(0, 20),
    lead_time_days=st.none() | st.integers(0, 60),
    handling_days=st.none() | st.integers(0, 3),
    purchase_orders=purchase_orders,
    demand=demand_lines,
)


def total_supply(book: SkuBook) -> int:
    """Units on hand plus what non-cancelled purchase orders still bring."""
    incoming = sum(po.remaining for po in book.purchase_orders if po.status != PoStatus.CANCELLED)
    return book.on_hand + incoming


@settings(max_examples=300, deadline=None)
@given(books)
def test_allocated_units_never_exceed_supply_and_stock_never_exceeds_on_hand(book: SkuBook) -> None:
    quantities = {(d.order_id, d.line_no): d.quantity for d in book.demand}
    etas = allocate(book, today=TODAY, rules=RULES)
    covered = sum(quantities[e.order_id, e.line_no] for e in etas if e.confidence in COVERED)
    in_stock = sum(
        quantities[e.order_id, e.line_no] for e in etas if e.confidence is Confidence.IN_STOCK
    )
    assert covered <= total_supply(book)
    assert in_stock <= book.on_hand


@settings(max_examples=300, deadline=None)
@given(books)
def test_every_open_line_gets_one_eta_and_dates_are_never_before_today(book: SkuBook) -> None:
    etas = allocate(book, today=TODAY, rules=RULES)
    assert sorted((e.order_id, e.line_no) for e in etas) == sorted(
        (d.order_id, d.line_no) for d in book.demand
    )
    for eta in etas:
        if eta.confidence is Confidence.UNKNOWN:
            assert eta.available_date is None and eta.ship_date is None
        else:
            assert eta.available_date is not None and eta.ship_date is not None
            assert TODAY <= eta.available_date <= eta.ship_date


@settings(max_examples=300, deadline=None)
@given(books)
def test_a_line_later_in_the_queue_never_gets_earlier_supply_than_a_covered_line_ahead(
    book: SkuBook,
) -> None:
    by_key = {(e.order_id, e.line_no): e for e in allocate(book, today=TODAY, rules=RULES)}
    covered_dates = [
        by_key[d.order_id, d.line_no].available_date
        for d in demand_queue(book.demand)
        if by_key[d.order_id, d.line_no].confidence in COVERED
    ]
    assert covered_dates == sorted(covered_dates)  # type: ignore[type-var]


@settings(max_examples=300, deadline=None)
@given(books)
def test_no_uncovered_line_is_available_before_a_line_ahead_of_it_in_the_queue(
    book: SkuBook,
) -> None:
    by_key = {(e.order_id, e.line_no): e for e in allocate(book, today=TODAY, rules=RULES)}
    ahead: list[date] = []
    for line in demand_queue(book.demand):
        eta = by_key[line.order_id, line.line_no]
        if eta.confidence is Confidence.ESTIMATE:
            assert eta.available_date is not None
            assert all(eta.available_date >= day for day in ahead)
        if eta.available_date is not None:
            ahead.append(eta.available_date)


@settings(max_examples=300, deadline=None)
@given(books)
def test_only_covered_lines_waiting_for_a_date_before_today_are_supply_overdue(
    book: SkuBook,
) -> None:
    etas = allocate(book, today=TODAY, rules=RULES)
    open_pos = [
        po for po in book.purchase_orders if po.status != PoStatus.CANCELLED and po.remaining
    ]
    overdue_units = sum(po.remaining for po in open_pos if po.expected_date < TODAY)
    for eta in etas:
        if eta.supply_overdue:
            assert eta.confidence in (Confidence.CONFIRMED, Confidence.PLANNED)
            assert eta.waiting_for_po_date is not None and eta.waiting_for_po_date < TODAY
        if eta.confidence not in COVERED:
            assert not eta.supply_overdue
    if overdue_units == 0:
        assert not any(eta.supply_overdue for eta in etas)


@settings(max_examples=300, deadline=None)
@given(books)
def test_a_line_is_supply_overdue_exactly_when_it_draws_on_an_overdue_purchase_order(
    book: SkuBook,
) -> None:
    overdue = {po.po_id for po in book.purchase_orders if po.expected_date < TODAY and po.remaining}
    drawing = {
        (line.order_id, line.line_no)
        for po_id, lines in lines_by_purchase_order(book, today=TODAY).items()
        if po_id in overdue
        for line in lines
    }
    flagged = {
        (e.order_id, e.line_no)
        for e in allocate(book, today=TODAY, rules=RULES)
        if e.supply_overdue
    }
    assert flagged == drawing


@settings(max_examples=300, deadline=None)
@given(books)
def test_a_line_is_left_uncovered_only_when_it_does_not_fit_in_what_is_left(book: SkuBook) -> None:
    by_key = {(e.order_id, e.line_no): e for e in allocate(book, today=TODAY, rules=RULES)}
    left = total_supply(book)
    for line in demand_queue(book.demand):
        if by_key[line.order_id, line.line_no].confidence in COVERED:
            left -= line.quantity
        else:
            assert line.quantity > left


@settings(max_examples=200, deadline=None)
@given(books, st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_lines_are_given_in(
    book: SkuBook, rnd: random.Random
) -> None:
    shuffled = list(book.demand)
    rnd.shuffle(shuffled)
    reordered = SkuBook(
        book.sku,
        book.on_hand,
        book.lead_time_days,
        book.handling_days,
        list(reversed(book.purchase_orders)),
        shuffled,
    )
    key = lambda e: (e.order_id, e.line_no)  # noqa: E731
    assert sorted(allocate(book, today=TODAY, rules=RULES), key=key) == sorted(
        allocate(reordered, today=TODAY, rules=RULES), key=key
    )
