"""Ship what is ready: on-hand units left after the lines queued ahead."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.model import PurchaseOrder
from bot.domain.split import ReadyPart, ready_parts
from bot.domain.store import Demand, SkuBook

PLACED = datetime(2026, 11, 1, tzinfo=UTC)


def line(order_id: str, quantity: int, *, line_no: int = 1, hours: int = 0) -> Demand:
    return Demand(order_id, line_no, quantity, 0, PLACED + timedelta(hours=hours))


def book(on_hand: int, *demand: Demand, incoming: int = 0) -> SkuBook:
    pos = [PurchaseOrder("PO", "S", incoming, date(2026, 12, 20))] if incoming else []
    return SkuBook("S", on_hand, 30, 0, pos, demand)


def test_a_line_fully_covered_by_stock_is_entirely_ready() -> None:
    assert ready_parts(book(5, line("MINE", 3)), "MINE", {1}) == [ReadyPart(1, 3, 0)]


def test_a_partly_covered_line_splits_into_ready_and_waiting_units() -> None:
    assert ready_parts(book(2, line("MINE", 5)), "MINE", {1}) == [ReadyPart(1, 2, 3)]


def test_units_needed_by_lines_queued_ahead_are_not_ready_for_us() -> None:
    ahead = line("AHEAD", 4, hours=-1)
    assert ready_parts(book(5, ahead, line("MINE", 3)), "MINE", {1}) == [ReadyPart(1, 1, 2)]


def test_a_line_ahead_that_cannot_be_covered_holds_back_nothing() -> None:
    ahead = line("AHEAD", 9, hours=-1)
    assert ready_parts(book(5, ahead, line("MINE", 3)), "MINE", {1}) == [ReadyPart(1, 3, 0)]


def test_a_line_ahead_covered_partly_from_incoming_still_takes_the_stock_first() -> None:
    ahead = line("AHEAD", 4, hours=-1)
    assert ready_parts(book(3, ahead, line("MINE", 2), incoming=10), "MINE", {1}) == [
        ReadyPart(1, 0, 2)
    ]


def test_lines_behind_us_do_not_reduce_what_is_ready() -> None:
    behind = line("BEHIND", 4, hours=1)
    assert ready_parts(book(3, line("MINE", 3), behind), "MINE", {1}) == [ReadyPart(1, 3, 0)]


def test_two_lines_of_one_order_share_the_stock_in_queue_order() -> None:
    mine = [line("MINE", 2, line_no=1), line("MINE", 2, line_no=2)]
    assert ready_parts(book(3, *mine), "MINE", {1, 2}) == [ReadyPart(1, 2, 0), ReadyPart(2, 1, 1)]
