"""An order's status and estimated ship date follow its lines' stored state and ETAs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.model import Confidence, LineEta, LineStatus, Order, OrderLine
from bot.services.status import customer_orders, order_json, order_text, order_view
from tests.fakes import FakeStore

PLACED = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def put_order(
    store: FakeStore,
    order_id: str,
    *lines: tuple[str, LineStatus],
    customer_id: str = "C1",
    placed_at: datetime = PLACED,
) -> None:
    """Store an order whose lines are (sku, status), numbered from 1."""
    store.orders[order_id] = Order(
        order_id,
        customer_id,
        placed_at,
        "EUR",
        lines=tuple(
            OrderLine(order_id, number, sku, 2, 1250, status)
            for number, (sku, status) in enumerate(lines, start=1)
        ),
    )


def put_eta(
    store: FakeStore, order_id: str, line_no: int, confidence: Confidence, ships: date | None
) -> None:
    """Store a computed ETA for one line."""
    available = ships - timedelta(days=1) if ships else None
    store.etas[order_id, line_no] = LineEta(
        order_id, line_no, "MUG-1", available, ships, confidence
    )


OPEN, SHIPPED, CANCELLED = LineStatus.OPEN, LineStatus.SHIPPED, LineStatus.CANCELLED


async def test_an_order_whose_lines_are_all_in_stock_is_ready(store: FakeStore) -> None:
    put_order(store, "1", ("MUG-1", OPEN))
    put_eta(store, "1", 1, Confidence.IN_STOCK, date(2026, 3, 3))

    view = await order_view(store, "1")

    assert view is not None
    assert (view.status, view.estimated_ship_date) == ("ready", date(2026, 3, 3))
    assert view.lines[0].status == "ready"
    assert view.lines[0].product_name == "Blue mug"


async def test_one_backordered_line_makes_the_order_backordered_and_sets_the_latest_date(
    store: FakeStore,
) -> None:
    put_order(store, "1", ("MUG-1", OPEN), ("CUP-1", OPEN))
    put_eta(store, "1", 1, Confidence.IN_STOCK, date(2026, 3, 3))
    put_eta(store, "1", 2, Confidence.CONFIRMED, date(2026, 3, 17))

    view = await order_view(store, "1")

    assert view is not None
    assert view.status == "backordered"
    assert [line.status for line in view.lines] == ["ready", "backordered"]
    assert view.estimated_ship_date == date(2026, 3, 17)


async def test_an_open_line_without_a_date_leaves_the_order_without_a_date(
    store: FakeStore,
) -> None:
    put_order(store, "1", ("MUG-1", OPEN), ("CUP-1", OPEN))
    put_eta(store, "1", 1, Confidence.CONFIRMED, date(2026, 3, 17))
    put_eta(store, "1", 2, Confidence.UNKNOWN, None)

    view = await order_view(store, "1")

    assert view is not None
    assert (view.status, view.estimated_ship_date) == ("backordered", None)


async def test_shipped_and_cancelled_lines_do_not_count_towards_the_date(
    store: FakeStore,
) -> None:
    put_order(store, "1", ("MUG-1", SHIPPED), ("CUP-1", CANCELLED), ("MUG-1", OPEN))
    put_eta(store, "1", 3, Confidence.IN_STOCK, date(2026, 3, 3))

    view = await order_view(store, "1")

    assert view is not None
    assert [line.status for line in view.lines] == ["shipped", "cancelled", "ready"]
    assert (view.status, view.estimated_ship_date) == ("ready", date(2026, 3, 3))


async def test_an_order_is_shipped_when_every_line_not_cancelled_has_shipped(
    store: FakeStore,
) -> None:
    put_order(store, "shipped", ("MUG-1", SHIPPED), ("CUP-1", CANCELLED))
    put_order(store, "cancelled", ("MUG-1", CANCELLED), ("CUP-1", CANCELLED))

    shipped = await order_view(store, "shipped")
    cancelled = await order_view(store, "cancelled")

    assert shipped is not None and cancelled is not None
    assert (shipped.status, shipped.estimated_ship_date) == ("shipped", None)
    assert cancelled.status == "cancelled"


async def test_an_unknown_order_has_no_view(store: FakeStore) -> None:
    assert await order_view(store, "404") is None


async def test_a_customer_sees_only_their_open_orders_newest_first(store: FakeStore) -> None:
    put_order(store, "old", ("MUG-1", OPEN), placed_at=PLACED)
    put_order(store, "new", ("MUG-1", OPEN), placed_at=PLACED.replace(day=2))
    put_order(store, "done", ("MUG-1", SHIPPED), placed_at=PLACED.replace(day=3))
    put_order(store, "theirs", ("MUG-1", OPEN), customer_id="C2")

    views = await customer_orders(store, "C1")

    assert [view.order.order_id for view in views] == ["new", "old"]
    assert await customer_orders(store, "nobody") == []


async def test_the_json_has_the_contract_keys_and_values_and_the_added_flags(
    store: FakeStore,
) -> None:
    put_order(store, "1", ("MUG-1", OPEN), ("CUP-1", CANCELLED))
    store.etas["1", 1] = LineEta(
        "1", 1, "MUG-1", date(2026, 3, 16), date(2026, 3, 17), Confidence.PLANNED
    )
    view = await order_view(store, "1")
    assert view is not None

    assert order_json(view) == {
        "order_id": "1",
        "customer_id": "C1",
        "status": "backordered",
        "estimated_ship_date": "2026-03-17",
        "lines": [
            {
                "line_no": 1,
                "sku": "MUG-1",
                "quantity": 2,
                "status": "backordered",
                "available_date": "2026-03-16",
                "estimated_ship_date": "2026-03-17",
                "confidence": "planned",
                "ship_now": False,
                "supply_overdue": False,
            },
            {
                "line_no": 2,
                "sku": "CUP-1",
                "quantity": 2,
                "status": "cancelled",
                "available_date": None,
                "estimated_ship_date": None,
                "confidence": None,
                "ship_now": False,
                "supply_overdue": False,
            },
        ],
    }


async def test_the_staff_text_shows_one_row_per_line(store: FakeStore) -> None:
    put_order(store, "1", ("MUG-1", OPEN), ("CUP-1", SHIPPED))
    put_eta(store, "1", 1, Confidence.CONFIRMED, date(2026, 3, 17))
    view = await order_view(store, "1")
    assert view is not None

    lines = order_text(view).splitlines()

    assert lines[0].startswith("Order 1 for customer C1")
    assert lines[1] == "Status: backordered; estimated ship date: 2026-03-17"
    assert lines[3].split() == [
        "line",
        "sku",
        "product",
        "qty",
        "status",
        "available",
        "ships",
        "confidence",
    ]
    assert lines[4].split() == [
        "1",
        "MUG-1",
        "Blue",
        "mug",
        "2",
        "backordered",
        "2026-03-16",
        "2026-03-17",
        "confirmed",
    ]
    assert lines[5].split() == ["2", "CUP-1", "Tea", "cup", "2", "shipped", "-", "-", "-"]
