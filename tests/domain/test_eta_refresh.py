"""Refreshing a SKU's ETAs by the lines that moved gives exactly what a full allocation gives."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.eta import (
    EtaOutcome,
    EtaQueue,
    QueuedLine,
    allocate,
    demand_queue,
    moved_etas,
)
from bot.domain.model import LineEta
from bot.domain.store import SkuBook
from tests.domain.builders import TODAY, book, line, po
from tests.domain.test_eta_properties import RULES, books

Key = tuple[str, int]


def outcome_of(eta: LineEta) -> EtaOutcome:
    """The part of an ETA that allocation decides."""
    return EtaOutcome(
        eta.available_date,
        eta.ship_date,
        eta.confidence,
        eta.waiting_for_po_date,
        eta.lead_time_days,
    )


def queue_of(current: SkuBook, stored: dict[Key, LineEta]) -> EtaQueue:
    """The SKU as the store hands it over: supply, open lines in serving order, stored ETAs."""
    lines: list[QueuedLine] = [
        (
            d.order_id,
            d.line_no,
            d.quantity,
            (d.order_id, d.line_no) if (d.order_id, d.line_no) in stored else None,
        )
        for d in demand_queue(current.demand)
    ]
    supply = SkuBook(
        current.sku,
        current.on_hand,
        current.lead_time_days,
        current.handling_days,
        current.purchase_orders,
        (),
    )
    return EtaQueue(supply, lines, {key: outcome_of(eta) for key, eta in stored.items()})


def etas_by_key(etas: list[LineEta]) -> dict[Key, LineEta]:
    """ETAs keyed the way the store keys them."""
    return {(eta.order_id, eta.line_no): eta for eta in etas}


@settings(max_examples=300, deadline=None)
@given(books, books, st.integers(0, 10))
def test_stored_etas_updated_with_the_moved_lines_equal_a_full_allocation_of_the_new_book(
    before: SkuBook, after: SkuBook, days_later: int
) -> None:
    # Stored ETAs may come from any earlier state: other lines, other supply, another day.
    stored = etas_by_key(allocate(before, today=TODAY, rules=RULES))
    today = TODAY + timedelta(days=days_later)
    moved = moved_etas(queue_of(after, stored), today=today, rules=RULES)

    expected = etas_by_key(allocate(after, today=today, rules=RULES))
    refreshed = {key: stored[key] for key in expected if key in stored}
    refreshed.update(etas_by_key(moved))
    assert refreshed == expected


@settings(max_examples=300, deadline=None)
@given(books, st.data())
def test_only_lines_whose_eta_changed_are_handed_back_after_a_line_leaves_the_queue(
    current: SkuBook, data: st.DataObject
) -> None:
    stored = etas_by_key(allocate(current, today=TODAY, rules=RULES))
    remaining = list(current.demand)
    if remaining:
        remaining.pop(data.draw(st.integers(0, len(remaining) - 1)))
    after = SkuBook(
        current.sku,
        current.on_hand,
        current.lead_time_days,
        current.handling_days,
        current.purchase_orders,
        remaining,
    )
    moved = moved_etas(queue_of(after, stored), today=TODAY, rules=RULES)

    for eta in moved:
        assert stored[eta.order_id, eta.line_no] != eta


def test_cancelling_a_covered_line_moves_up_only_the_first_waiting_line_that_now_fits() -> None:
    before = book(
        on_hand=2,
        lead_time_days=21,
        purchase_orders=[po("PO-1", 2, TODAY + timedelta(days=10))],
        demand=[
            line("A", 2, placed_days_ago=5),
            line("B", 2, placed_days_ago=4),
            line("C", 3, placed_days_ago=3),
            line("D", 1, placed_days_ago=2),
        ],
    )
    stored = etas_by_key(allocate(before, today=TODAY, rules=RULES))
    without_a = SkuBook(
        before.sku,
        before.on_hand,
        before.lead_time_days,
        before.handling_days,
        before.purchase_orders,
        [d for d in before.demand if d.order_id != "A"],
    )

    moved = moved_etas(queue_of(without_a, stored), today=TODAY, rules=RULES)

    # B takes A's stock; D, waiting behind C, now fits in the purchase order; C still does not.
    assert sorted((eta.order_id, str(eta.confidence)) for eta in moved) == [
        ("B", "in_stock"),
        ("D", "confirmed"),
    ]


def test_a_line_with_no_stored_eta_is_always_handed_back() -> None:
    current = book(on_hand=1, demand=[line("A", 1)])
    moved = moved_etas(queue_of(current, {}), today=TODAY, rules=RULES)
    assert [(eta.order_id, eta.ship_date) for eta in moved] == [("A", TODAY)]
