"""How an order reads in the chat: each line's status, date, confidence and why."""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date

from bot.domain.model import Confidence, LineEta, Order
from bot.i18n import SHIPPED_LANGUAGES, Catalogs
from bot.services.status import LineView, OrderView, Status
from handlers.orders import line_text, order_summary
from tests.handlers.conftest import NOW

SHIPS = date(2026, 12, 15)
PO_DUE = date(2026, 12, 14)


def eta(
    confidence: Confidence,
    *,
    waiting_for_po_date: date | None = None,
    lead_time_days: int | None = None,
) -> LineEta:
    """An ETA for line 1 of order 1 shipping on SHIPS (no date when unknown)."""
    ship_date = None if confidence is Confidence.UNKNOWN else SHIPS
    # Why: as the engine dates it, a line is available when the delivery it waits for is due.
    available = waiting_for_po_date or ship_date
    return LineEta(
        "1", 1, "LAMP", available, ship_date, confidence, waiting_for_po_date, lead_time_days
    )


def line(status: Status, line_eta: LineEta | None, product: str = "Lamp") -> LineView:
    """Line 1: two of a product."""
    return LineView(1, "LAMP", product, 2, 1000, status, line_eta)


@pytest.mark.parametrize(
    ("days", "reason"),
    [
        (1, "our supplier needs about 1 day"),
        (10, "our supplier needs about 10 days"),
        (14, "our supplier needs about 2 weeks"),
        (21, "our supplier needs about 3 weeks"),
    ],
)
def test_an_estimate_explains_the_suppliers_lead_time(
    catalogs: Catalogs, days: int, reason: str
) -> None:
    text = line_text(
        catalogs.translator("en"),
        line("backordered", eta(Confidence.ESTIMATE, lead_time_days=days)),
    )
    assert f"Rough estimate: {reason}." in text


def test_a_confirmed_date_names_the_supplier_delivery_it_waits_for(catalogs: Catalogs) -> None:
    t = catalogs.translator("en")
    text = line_text(t, line("backordered", eta(Confidence.CONFIRMED, waiting_for_po_date=PO_DUE)))
    assert text == (
        "<b>Lamp</b> × 2\n"
        "Backordered · estimated to ship Dec 15, 2026\n"
        "Confirmed by the supplier: waiting for a supplier delivery due Dec 14."
    )


def test_a_planned_date_says_it_may_change(catalogs: Catalogs) -> None:
    t = catalogs.translator("en")
    text = line_text(t, line("backordered", eta(Confidence.PLANNED, waiting_for_po_date=PO_DUE)))
    assert "Planned, may still change: waiting for a supplier delivery due Dec 14." in text


def test_a_line_without_a_date_says_the_supplier_has_not_given_one(catalogs: Catalogs) -> None:
    text = line_text(catalogs.translator("en"), line("backordered", eta(Confidence.UNKNOWN)))
    assert "no estimated ship date yet" in text
    assert "No date from the supplier yet." in text


def test_an_in_stock_line_is_ready(catalogs: Catalogs) -> None:
    text = line_text(catalogs.translator("en"), line("ready", eta(Confidence.IN_STOCK)))
    assert "Ready · ships Dec 15, 2026" in text and "In stock." in text


@pytest.mark.parametrize(("status", "shown"), [("shipped", "Shipped"), ("cancelled", "Cancelled")])
def test_shipped_and_cancelled_lines_show_no_date(
    catalogs: Catalogs, status: Status, shown: str
) -> None:
    assert line_text(catalogs.translator("en"), line(status, None)) == f"<b>Lamp</b> × 2\n{shown}"


def test_product_names_are_escaped(catalogs: Catalogs) -> None:
    text = line_text(
        catalogs.translator("en"), line("ready", eta(Confidence.IN_STOCK), "Salt & <Pepper>")
    )
    assert "<b>Salt &amp; &lt;Pepper&gt;</b>" in text


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_every_language_shows_the_date_the_babel_way_without_doubled_dots(
    catalogs: Catalogs, language: str
) -> None:
    t = catalogs.translator(language)
    text = line_text(t, line("backordered", eta(Confidence.CONFIRMED, waiting_for_po_date=PO_DUE)))
    assert format_date(SHIPS, "medium", locale=language) in text
    assert ".." not in text


def test_the_order_button_is_plain_text(catalogs: Catalogs) -> None:
    view = OrderView(Order("A&B", "C-1", NOW, "EUR"), "backordered", SHIPS, ())
    assert order_summary(catalogs.translator("en"), view) == "Order A&B · ships about Dec 15"


def overdue_eta(confidence: Confidence) -> LineEta:
    """A line dated today-based because the delivery it waits for, due PAST_DUE, is late."""
    return LineEta("1", 1, "LAMP", date(2026, 12, 9), SHIPS, confidence, PAST_DUE)


PAST_DUE = date(2026, 11, 20)


@pytest.mark.parametrize("confidence", [Confidence.CONFIRMED, Confidence.PLANNED])
def test_a_line_waiting_on_a_late_delivery_says_it_is_late_not_confirmed(
    catalogs: Catalogs, confidence: Confidence
) -> None:
    text = line_text(catalogs.translator("en"), line("backordered", overdue_eta(confidence)))
    assert text == (
        "<b>Lamp</b> × 2\n"
        "Backordered · estimated to ship Dec 15, 2026\n"
        "Delayed: the supplier's delivery was due Nov 20 and is late; "
        "we'll ship as soon as it arrives."
    )


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_every_language_says_a_late_delivery_is_late_with_its_due_date_and_the_estimate(
    catalogs: Catalogs, language: str
) -> None:
    t = catalogs.translator(language)
    late = line_text(t, line("backordered", overdue_eta(Confidence.CONFIRMED)))
    confirmed = line_text(
        t, line("backordered", eta(Confidence.CONFIRMED, waiting_for_po_date=PO_DUE))
    )
    confirmed_words = confirmed.split("\n")[2].split(":")[0].split("\u00a0")[0].strip()
    assert t.short_date(PAST_DUE) in late
    assert format_date(SHIPS, "medium", locale=language) in late
    assert confirmed_words not in late
    assert ".." not in late
