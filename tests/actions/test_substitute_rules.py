"""Substitutes: curated first, same category within ±20 %, only sooner, best three."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Confidence, LineEta, Product
from bot.domain.store import Demand, SkuBook
from bot.domain.substitutes import Substitute, candidates, rank, simulate_new_line

TODAY = date(2026, 12, 2)
RULES = EtaRules(BusinessCalendar(), default_handling_days=0)


def product(
    sku: str, price: int, *, category: str | None = "mugs", currency: str = "EUR"
) -> Product:
    return Product(sku, sku, price, currency, on_hand=0, category=category)


def offered(sku: str, ship: date | None, price: int = 1000) -> Substitute:
    confidence = Confidence.UNKNOWN if ship is None else Confidence.IN_STOCK
    return Substitute(product(sku, price), LineEta("O", 9, sku, ship, ship, confidence))


ORIGINAL = Product("MUG", "Mug", 1000, "EUR", on_hand=0, category="mugs", alternatives=("CUP",))


def test_curated_alternatives_come_first_even_from_another_category() -> None:
    curated = [product("CUP", 5000, category="cups")]
    same = [product("MUG-B", 1000)]
    assert [p.sku for p in candidates(ORIGINAL, curated, same, currency="EUR")] == ["CUP", "MUG-B"]


def test_same_category_products_count_only_within_twenty_percent_of_the_price() -> None:
    same = [
        product(sku, price) for sku, price in [("A", 799), ("B", 800), ("C", 1200), ("D", 1201)]
    ]
    assert [p.sku for p in candidates(ORIGINAL, [], same, currency="EUR")] == ["B", "C"]


def test_the_product_itself_other_currencies_and_other_categories_are_never_candidates() -> None:
    same = [
        product("MUG", 1000),
        product("USD", 1000, currency="USD"),
        product("X", 1000, category="x"),
    ]
    assert candidates(ORIGINAL, [], same, currency="EUR") == []


def test_only_substitutes_shipping_before_the_waiting_line_are_kept() -> None:
    waiting = date(2026, 12, 10)
    subs = [offered("SAME", waiting), offered("LATER", date(2026, 12, 11)), offered("NEVER", None)]
    assert rank(
        waiting, [*subs, offered("SOONER", date(2026, 12, 9))], reference_price_minor=1000
    ) == [offered("SOONER", date(2026, 12, 9))]


def test_any_dated_substitute_beats_a_line_that_has_no_date() -> None:
    ranked = rank(
        None, [offered("A", date(2027, 6, 1)), offered("B", None)], reference_price_minor=1000
    )
    assert [sub.product.sku for sub in ranked] == ["A"]


def test_offers_rank_by_earliest_date_then_closest_price_and_stop_at_three() -> None:
    subs = [
        offered("LATE", date(2026, 12, 8), 1000),
        offered("FAR", date(2026, 12, 3), 1190),
        offered("NEAR", date(2026, 12, 3), 990),
        offered("MID", date(2026, 12, 4), 1000),
    ]
    ranked = rank(date(2026, 12, 20), subs, reference_price_minor=1000)
    assert [sub.product.sku for sub in ranked] == ["NEAR", "FAR", "MID"]


def test_a_new_line_queues_behind_everyone_already_waiting_for_the_substitute() -> None:
    placed = datetime(2026, 11, 1, tzinfo=UTC)
    book = SkuBook(
        "CUP",
        on_hand=3,
        lead_time_days=20,
        handling_days=0,
        purchase_orders=(),
        demand=(Demand("OTHER", 1, 2, 0, placed),),
    )
    first = simulate_new_line(
        book, order_id="O", line_no=2, quantity=1, priority=0, today=TODAY, rules=RULES
    )
    second = simulate_new_line(
        book, order_id="O", line_no=2, quantity=2, priority=0, today=TODAY, rules=RULES
    )
    assert (first.ship_date, first.confidence) == (TODAY, Confidence.IN_STOCK)
    assert (second.ship_date, second.confidence) == (date(2026, 12, 22), Confidence.ESTIMATE)
