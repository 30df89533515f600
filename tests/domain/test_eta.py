"""ETA allocation, one test per behaviour of DESIGN §5."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import holidays

from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules, allocate, order_estimate, split_order_estimate
from bot.domain.model import Confidence, LineEta, PoStatus, PurchaseOrder
from bot.domain.store import Demand
from tests.domain.builders import SKU, TODAY, book, line, po

RULES = EtaRules(calendar=BusinessCalendar(), default_handling_days=1)


def etas_by_order(
    *,
    on_hand: int = 0,
    purchase_orders: Sequence[PurchaseOrder] = (),
    demand: Sequence[Demand] = (),
    lead_time_days: int | None = None,
    handling_days: int | None = 0,
) -> dict[str, LineEta]:
    """Allocate one SKU's book today and key the ETAs by order id."""
    sku_book = book(
        on_hand=on_hand,
        purchase_orders=purchase_orders,
        demand=demand,
        lead_time_days=lead_time_days,
        handling_days=handling_days,
    )
    return {eta.order_id: eta for eta in allocate(sku_book, today=TODAY, rules=RULES)}


# --- rule 1: supply ---


def test_on_hand_stock_is_available_today_and_in_stock() -> None:
    eta = etas_by_order(on_hand=5, demand=[line("A", 5)])["A"]
    assert eta.available_date == TODAY
    assert eta.confidence is Confidence.IN_STOCK
    assert eta.waiting_for_po_date is None


def test_purchase_orders_are_used_in_order_of_expected_date_then_po_id() -> None:
    etas = etas_by_order(
        purchase_orders=[
            po("PO-9", 1, TODAY + timedelta(days=20)),
            po("PO-2", 1, TODAY + timedelta(days=10)),
            po("PO-1", 1, TODAY + timedelta(days=10)),
        ],
        demand=[line("A", 1, placed_days_ago=3), line("B", 2, placed_days_ago=2)],
    )
    assert etas["A"].available_date == TODAY + timedelta(days=10)
    assert etas["B"].available_date == TODAY + timedelta(days=20)
    assert etas["B"].waiting_for_po_date == TODAY + timedelta(days=20)


def test_an_overdue_purchase_order_is_dated_today() -> None:
    overdue = TODAY - timedelta(days=7)
    eta = etas_by_order(purchase_orders=[po("PO-1", 3, overdue)], demand=[line("A", 3)])["A"]
    assert eta.available_date == TODAY
    assert eta.confidence is Confidence.CONFIRMED
    assert eta.waiting_for_po_date == overdue


def test_a_line_waiting_on_an_overdue_purchase_order_is_flagged_supply_overdue() -> None:
    overdue = TODAY - timedelta(days=19)
    eta = etas_by_order(purchase_orders=[po("PO-1", 1, overdue)], demand=[line("A", 1)])["A"]
    assert eta.supply_overdue
    assert eta.waiting_for_po_date == overdue


def test_a_line_waiting_on_a_purchase_order_due_today_or_later_is_not_overdue() -> None:
    etas = etas_by_order(
        on_hand=1,
        purchase_orders=[po("PO-1", 1, TODAY), po("PO-2", 1, TODAY + timedelta(days=4))],
        demand=[
            line("STOCK", 1, placed_days_ago=9),
            line("TODAY", 1, placed_days_ago=8),
            line("LATER", 1, placed_days_ago=7),
            line("NONE", 1, placed_days_ago=6),
        ],
        lead_time_days=10,
    )
    assert not any(eta.supply_overdue for eta in etas.values())


def test_a_line_drawing_on_an_overdue_and_a_later_delivery_is_overdue_since_the_first() -> None:
    overdue, later = TODAY - timedelta(days=3), TODAY + timedelta(days=6)
    eta = etas_by_order(
        purchase_orders=[po("PO-9", 1, overdue), po("PO-1", 1, TODAY), po("PO-2", 1, later)],
        demand=[line("A", 3)],
    )["A"]
    assert eta.available_date == later
    assert eta.supply_overdue
    assert eta.waiting_for_po_date == overdue


def test_stock_topped_up_by_an_overdue_delivery_is_overdue() -> None:
    overdue = TODAY - timedelta(days=1)
    etas = etas_by_order(on_hand=1, purchase_orders=[po("PO-1", 1, overdue)], demand=[line("A", 2)])
    eta = etas["A"]
    assert eta.supply_overdue
    assert eta.confidence is Confidence.CONFIRMED


def test_received_quantities_reduce_what_a_purchase_order_still_brings() -> None:
    due = TODAY + timedelta(days=5)
    etas = etas_by_order(
        purchase_orders=[po("PO-1", 10, due, received=8)],
        demand=[line("A", 2, placed_days_ago=2), line("B", 1, placed_days_ago=1)],
        lead_time_days=30,
    )
    assert etas["A"].available_date == due
    assert etas["B"].confidence is Confidence.ESTIMATE


def test_a_fully_received_purchase_order_brings_nothing() -> None:
    eta = etas_by_order(
        purchase_orders=[po("PO-1", 4, TODAY + timedelta(days=5), received=4)],
        demand=[line("A", 1)],
    )["A"]
    assert eta.confidence is Confidence.UNKNOWN


def test_a_cancelled_purchase_order_gives_nothing() -> None:
    eta = etas_by_order(
        purchase_orders=[po("PO-1", 50, TODAY + timedelta(days=3), status=PoStatus.CANCELLED)],
        demand=[line("A", 1)],
        lead_time_days=14,
    )["A"]
    assert eta.confidence is Confidence.ESTIMATE
    assert eta.available_date == TODAY + timedelta(days=14)


# --- rule 2: demand order ---


def test_a_priority_order_is_served_before_an_older_one() -> None:
    etas = etas_by_order(
        on_hand=1,
        purchase_orders=[po("PO-1", 1, TODAY + timedelta(days=9))],
        demand=[line("OLD", 1, placed_days_ago=30), line("VIP", 1, priority=5, placed_days_ago=1)],
    )
    assert etas["VIP"].confidence is Confidence.IN_STOCK
    assert etas["OLD"].available_date == TODAY + timedelta(days=9)


def test_the_older_order_is_served_first_whatever_order_the_lines_arrive_in() -> None:
    etas = etas_by_order(
        on_hand=1,
        demand=[line("NEW", 1, placed_days_ago=1), line("OLD", 1, placed_days_ago=5)],
        lead_time_days=10,
    )
    assert etas["OLD"].confidence is Confidence.IN_STOCK
    assert etas["NEW"].confidence is Confidence.ESTIMATE


def test_equal_placement_times_fall_back_to_order_id_then_line_number() -> None:
    result = allocate(
        book(
            on_hand=2,
            demand=[
                line("B", 1, line_no=1, placed_days_ago=1),
                line("A", 1, line_no=2, placed_days_ago=1),
                line("A", 1, line_no=1, placed_days_ago=1),
            ],
            lead_time_days=7,
        ),
        today=TODAY,
        rules=RULES,
    )
    in_stock = {(eta.order_id, eta.line_no) for eta in result if eta.confidence == "in_stock"}
    assert in_stock == {("A", 1), ("A", 2)}


def test_a_line_released_to_ship_now_keeps_its_stock_when_a_higher_priority_order_arrives() -> None:
    etas = etas_by_order(
        on_hand=2,
        demand=[
            line("SHIPPING", 2, placed_days_ago=3, released=True),
            line("VIP", 2, priority=9, placed_days_ago=20),
        ],
        lead_time_days=14,
    )
    assert etas["SHIPPING"].confidence is Confidence.IN_STOCK
    assert etas["VIP"].confidence is Confidence.ESTIMATE


def test_released_lines_share_the_front_of_the_queue_by_the_usual_keys() -> None:
    etas = etas_by_order(
        on_hand=1,
        demand=[
            line("RELEASED-NEW", 1, placed_days_ago=1, released=True),
            line("RELEASED-VIP", 1, priority=3, placed_days_ago=1, released=True),
            line("WAITING-VIP", 1, priority=9, placed_days_ago=30),
        ],
        lead_time_days=14,
    )
    assert etas["RELEASED-VIP"].confidence is Confidence.IN_STOCK
    assert etas["RELEASED-NEW"].confidence is Confidence.ESTIMATE
    assert etas["WAITING-VIP"].confidence is Confidence.ESTIMATE


# --- rule 3: whole-quantity allocation ---


def test_a_line_spanning_two_deliveries_is_available_on_the_later_one() -> None:
    late = TODAY + timedelta(days=12)
    eta = etas_by_order(
        on_hand=2,
        purchase_orders=[po("PO-1", 2, TODAY + timedelta(days=4)), po("PO-2", 5, late)],
        demand=[line("A", 6)],
    )["A"]
    assert eta.available_date == late
    assert eta.confidence is Confidence.CONFIRMED
    assert eta.waiting_for_po_date == late


def test_an_uncovered_big_line_does_not_block_smaller_lines_behind_it() -> None:
    etas = etas_by_order(
        on_hand=3,
        demand=[
            line("BIG", 10, placed_days_ago=9),
            line("SMALL", 2, placed_days_ago=5),
            line("NEXT", 1, placed_days_ago=1),
        ],
        lead_time_days=21,
    )
    assert etas["BIG"].confidence is Confidence.ESTIMATE
    assert etas["BIG"].available_date == TODAY + timedelta(days=21)
    assert etas["BIG"].lead_time_days == 21
    assert etas["SMALL"].confidence is Confidence.IN_STOCK
    assert etas["NEXT"].confidence is Confidence.IN_STOCK


def test_a_line_that_does_not_fit_takes_nothing_from_the_lines_behind_it() -> None:
    etas = etas_by_order(
        on_hand=4,
        demand=[line("FIRST", 3, placed_days_ago=9), line("SECOND", 2, placed_days_ago=5)],
        lead_time_days=5,
    )
    assert etas["FIRST"].confidence is Confidence.IN_STOCK
    assert etas["SECOND"].confidence is Confidence.ESTIMATE


def test_a_later_order_that_does_not_fit_is_not_dated_before_the_order_ahead_of_it() -> None:
    # Issue 7 item 8: one unit due in eight weeks, a 14-day lead time, two one-unit orders.
    due = TODAY + timedelta(days=58)
    etas = etas_by_order(
        purchase_orders=[po("PO-1", 1, due)],
        demand=[line("A", 1, placed_days_ago=31), line("B", 1, placed_days_ago=12)],
        lead_time_days=14,
    )
    assert etas["A"].confidence is Confidence.CONFIRMED
    assert etas["A"].available_date == due
    assert etas["B"].confidence is Confidence.ESTIMATE
    assert etas["B"].available_date == due
    assert etas["B"].ship_date is not None and etas["A"].ship_date is not None
    assert etas["B"].ship_date >= etas["A"].ship_date


def test_an_uncovered_line_is_dated_by_the_lead_time_when_that_is_later_than_the_lines_ahead() -> (
    None
):
    etas = etas_by_order(
        purchase_orders=[po("PO-1", 1, TODAY + timedelta(days=3))],
        demand=[line("A", 1, placed_days_ago=9), line("B", 1, placed_days_ago=5)],
        lead_time_days=14,
    )
    assert etas["B"].available_date == TODAY + timedelta(days=14)


def test_a_line_that_fits_behind_an_uncovered_one_keeps_its_earlier_supply() -> None:
    etas = etas_by_order(
        on_hand=1,
        purchase_orders=[po("PO-1", 2, TODAY + timedelta(days=30))],
        demand=[
            line("FIRST", 1, placed_days_ago=9),
            line("LATER", 2, placed_days_ago=7),
            line("BIG", 5, placed_days_ago=5),
            line("SMALL", 1, placed_days_ago=1),
        ],
        lead_time_days=7,
    )
    assert etas["LATER"].available_date == TODAY + timedelta(days=30)
    assert etas["BIG"].available_date == TODAY + timedelta(days=30)
    assert etas["BIG"].confidence is Confidence.ESTIMATE
    # Uncovered lines take no supply: nothing is left after LATER, so SMALL waits too.
    assert etas["SMALL"].available_date == TODAY + timedelta(days=30)


def test_unknown_lead_time_gives_no_date() -> None:
    eta = etas_by_order(on_hand=1, demand=[line("A", 2)], lead_time_days=None)["A"]
    assert eta.available_date is None
    assert eta.ship_date is None
    assert eta.confidence is Confidence.UNKNOWN


def test_lead_time_is_counted_in_calendar_days() -> None:
    eta = etas_by_order(demand=[line("A", 1)], lead_time_days=3, handling_days=0)["A"]
    # Wed + 3 calendar days is a Saturday; it ships on the Monday after.
    assert eta.available_date == date(2026, 12, 5)
    assert eta.ship_date == date(2026, 12, 7)


def test_shipped_and_cancelled_lines_are_not_in_the_book_so_only_open_lines_get_etas() -> None:
    result = allocate(book(on_hand=1), today=TODAY, rules=RULES)
    assert result == []


# --- rule 4: ship date ---


def test_handling_days_of_the_product_override_the_default() -> None:
    eta = etas_by_order(on_hand=1, demand=[line("A", 1)], handling_days=2)["A"]
    assert eta.ship_date == date(2026, 12, 4)


def test_the_default_handling_days_apply_when_the_product_has_none() -> None:
    eta = etas_by_order(on_hand=1, demand=[line("A", 1)], handling_days=None)["A"]
    assert eta.ship_date == date(2026, 12, 3)


def test_handling_days_skip_a_weekend_and_a_public_holiday() -> None:
    rules = EtaRules(
        calendar=BusinessCalendar(holidays=holidays.country_holidays("US")),
        default_handling_days=1,
    )
    # Stock arrives Thu 24 Dec 2026; Fri 25th is Christmas, then the weekend.
    delivery = po("PO-1", 1, date(2026, 12, 24))
    result = allocate(
        book(purchase_orders=[delivery], demand=[line("A", 1)], handling_days=1),
        today=TODAY,
        rules=rules,
    )
    assert result[0].ship_date == date(2026, 12, 28)


def test_zero_handling_days_when_stock_arrives_on_a_saturday_ships_on_monday() -> None:
    eta = etas_by_order(
        purchase_orders=[po("PO-1", 1, date(2026, 12, 5))], demand=[line("A", 1)], handling_days=0
    )["A"]
    assert eta.available_date == date(2026, 12, 5)
    assert eta.ship_date == date(2026, 12, 7)


# --- rule 5: confidence ---


def test_one_planned_unit_makes_the_line_planned() -> None:
    eta = etas_by_order(
        on_hand=4,
        purchase_orders=[
            po("PO-1", 5, TODAY + timedelta(days=3)),
            po("PO-2", 5, TODAY + timedelta(days=8), status=PoStatus.PLANNED),
        ],
        demand=[line("A", 10)],
    )["A"]
    assert eta.confidence is Confidence.PLANNED


def test_stock_and_confirmed_deliveries_give_a_confirmed_date() -> None:
    eta = etas_by_order(
        on_hand=1, purchase_orders=[po("PO-1", 1, TODAY + timedelta(days=3))], demand=[line("A", 2)]
    )["A"]
    assert eta.confidence is Confidence.CONFIRMED
    assert eta.available_date == TODAY + timedelta(days=3)


def test_every_line_carries_its_sku() -> None:
    eta = etas_by_order(on_hand=1, demand=[line("A", 1), line("B", 1)], lead_time_days=2)
    assert {e.sku for e in eta.values()} == {SKU}


# --- rule 6: the order's estimate ---


def _eta(ship: date | None) -> LineEta:
    confidence = Confidence.UNKNOWN if ship is None else Confidence.CONFIRMED
    return LineEta("A", 1, SKU, ship, ship, confidence)


def test_an_orders_estimate_is_the_latest_line_date() -> None:
    dates = [date(2026, 12, 9), date(2026, 12, 20), date(2026, 12, 3)]
    assert order_estimate(_eta(d) for d in dates) == date(2026, 12, 20)


def test_an_orders_estimate_is_unknown_if_any_line_is_unknown() -> None:
    assert order_estimate([_eta(date(2026, 12, 9)), _eta(None)]) is None


def test_an_orders_estimate_is_unknown_if_a_line_has_no_eta_yet() -> None:
    assert order_estimate([_eta(date(2026, 12, 9)), None]) is None


def test_an_order_without_open_lines_has_no_estimate() -> None:
    assert order_estimate([]) is None


def test_a_split_orders_estimate_is_the_waiting_parts_date_not_the_released_parts() -> None:
    released, waiting = _eta(date(2026, 12, 20)), _eta(date(2026, 12, 9))
    assert split_order_estimate([(released, True), (waiting, False)]) == date(2026, 12, 9)


def test_an_order_whose_open_lines_are_all_released_is_dated_by_them() -> None:
    assert split_order_estimate([(_eta(date(2026, 12, 4)), True)]) == date(2026, 12, 4)
