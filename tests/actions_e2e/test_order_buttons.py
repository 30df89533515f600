"""The order view offers the actions that apply, each within Telegram's 64-byte callback data."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.model import Confidence, LineEta, Order
from bot.i18n import Catalogs
from bot.services.handles import order_handle
from bot.services.status import LineView, OrderView
from handlers.orders import order_keyboard

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def view(order_id: str, *lines: LineView) -> OrderView:
    """An order view with these lines."""
    waiting = any(line.status == "backordered" for line in lines)
    return OrderView(
        Order(order_id, "C-1", NOW, "EUR"), "backordered" if waiting else "ready", None, lines
    )


def line(line_no: int, status: str, quantity: int = 1) -> LineView:
    """A line of product P<line_no>."""
    confidence = Confidence.IN_STOCK if status == "ready" else Confidence.ESTIMATE
    eta = LineEta("X", line_no, f"P{line_no}", date(2026, 12, 3), date(2026, 12, 4), confidence)
    return LineView(line_no, f"P{line_no}", f"Product {line_no}", quantity, 1000, status, eta)  # type: ignore[arg-type]


def data(
    order: OrderView, *, ship_ready: bool = False, swappable: frozenset[int] = frozenset({1, 2})
) -> list[str]:
    """The callback data of every button under the order (lines 1 and 2 have alternatives)."""
    keyboard = order_keyboard(
        Catalogs.load().translator("en"), order, ship_ready=ship_ready, swappable=swappable
    )
    return [str(button.callback_data) for row in keyboard.inline_keyboard for button in row]


def test_a_waiting_order_offers_cancel_split_and_per_line_cancel_and_alternatives() -> None:
    shown = data(view("1042", line(1, "ready"), line(2, "backordered")), ship_ready=True)
    assert shown == [
        f"ca:{order_handle('1042')}",
        f"sa:{order_handle('1042')}",
        f"ca:{order_handle('1042')}:2",
        f"aa:{order_handle('1042')}:2",
        "orders",
    ]


def test_a_waiting_order_with_nothing_to_ship_ahead_offers_no_split() -> None:
    shown = data(view("1042", line(1, "ready"), line(2, "backordered")), ship_ready=False)
    assert shown == [
        f"ca:{order_handle('1042')}",
        f"ca:{order_handle('1042')}:2",
        f"aa:{order_handle('1042')}:2",
        "orders",
    ]


def test_an_order_ready_to_ship_offers_only_cancel() -> None:
    assert data(view("1042", line(1, "ready"))) == [f"ca:{order_handle('1042')}", "orders"]


def test_a_shop_order_id_of_50_characters_gets_every_button_with_short_data_not_the_id() -> None:
    long_id = "X" * 50
    shown = data(view(long_id, line(1, "backordered", quantity=2)), ship_ready=True)
    handle = order_handle(long_id)
    assert shown == [f"ca:{handle}", f"sa:{handle}", f"ca:{handle}:1", f"aa:{handle}:1", "orders"]
    assert all(len(item.encode()) <= 20 and long_id not in item for item in shown)


def test_a_waiting_line_without_alternatives_offers_cancel_but_no_alternatives() -> None:
    shown = data(
        view("1042", line(1, "backordered"), line(2, "backordered")), swappable=frozenset({2})
    )
    assert shown == [
        f"ca:{order_handle('1042')}",
        f"ca:{order_handle('1042')}:1",
        f"ca:{order_handle('1042')}:2",
        f"aa:{order_handle('1042')}:2",
        "orders",
    ]
