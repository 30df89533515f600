"""The delay sweep dates a split order by its waiting part, as the order view does."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import Confidence, LineEta, Order, OrderLine
from bot.domain.notice_store import VersionedOrder
from bot.services.notices import order_facts
from tests.eta.shop import NOW, TODAY


def test_a_split_orders_delay_facts_carry_the_waiting_parts_date() -> None:
    released = OrderLine("O-1", 1, "LAMP", 1, 1000, ship_now=True)
    waiting = OrderLine("O-1", 2, "MUG", 1, 1000)
    order = Order("O-1", "C-1", NOW - timedelta(days=3), "EUR", lines=(released, waiting))
    # The released lamp needs a long handling time; the waiting mug ships sooner.
    lamp_ships, mug_ships = TODAY + timedelta(days=8), TODAY + timedelta(days=2)
    etas = {
        ("O-1", 1): LineEta("O-1", 1, "LAMP", TODAY, lamp_ships, Confidence.IN_STOCK),
        ("O-1", 2): LineEta("O-1", 2, "MUG", TODAY, mug_ships, Confidence.CONFIRMED),
    }

    facts = order_facts(VersionedOrder(order, 1), etas)

    assert facts.estimate == mug_ships
