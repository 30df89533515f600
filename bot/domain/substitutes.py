"""Which other products could replace a waiting line, and which of them ship sooner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from bot.domain.eta import EtaRules, allocate
from bot.domain.model import LineEta, Product
from bot.domain.store import Demand, SkuBook

MAX_OFFERS = 3
PRICE_BAND_PERCENT = 20
# Why: a new line queues behind every line already waiting for that SKU.
BACK_OF_QUEUE = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Substitute:
    """A candidate product with the date a new line for it would ship."""

    product: Product
    eta: LineEta


def candidates(
    original: Product,
    curated: Sequence[Product],
    same_category: Sequence[Product],
    *,
    currency: str,
) -> list[Product]:
    """Curated alternatives first, then same-category products within ±20 % of the price."""
    chosen: dict[str, Product] = {}
    for product in curated:
        if product.currency == currency and product.sku != original.sku:
            chosen.setdefault(product.sku, product)
    for product in same_category:
        if (
            product.currency == currency
            and product.sku != original.sku
            and original.category is not None
            and product.category == original.category
            and _within_band(product.price_minor, original.price_minor)
        ):
            chosen.setdefault(product.sku, product)
    return list(chosen.values())


def simulate_new_line(
    book: SkuBook,
    *,
    order_id: str,
    line_no: int,
    quantity: int,
    priority: int,
    today: date,
    rules: EtaRules,
) -> LineEta:
    """The ETA a new line would get at the back of the SKU's queue."""
    demand = Demand(order_id, line_no, quantity, priority, BACK_OF_QUEUE)
    with_line = replace(book, demand=[*book.demand, demand])
    etas = allocate(with_line, today=today, rules=rules)
    return next(eta for eta in etas if (eta.order_id, eta.line_no) == (order_id, line_no))


def rank(
    waiting_ship_date: date | None,
    substitutes: Sequence[Substitute],
    *,
    reference_price_minor: int,
) -> list[Substitute]:
    """Only those shipping sooner, earliest first, then closest price; at most three."""
    sooner = [sub for sub in substitutes if ships_sooner(sub.eta.ship_date, waiting_ship_date)]
    sooner.sort(
        key=lambda sub: (
            sub.eta.ship_date or date.max,
            abs(sub.product.price_minor - reference_price_minor),
        )
    )
    return sooner[:MAX_OFFERS]


def ships_sooner(candidate: date | None, waiting: date | None) -> bool:
    """True when `candidate` is a date before `waiting` (an unknown date counts as the latest)."""
    return candidate is not None and (waiting is None or candidate < waiting)


def _within_band(price: int, reference: int) -> bool:
    return abs(price - reference) * 100 <= reference * PRICE_BAND_PERCENT
