"""Builders for the pure delay-policy tests: one order's facts and a day to decide on."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.domain.calendar import BusinessCalendar
from bot.domain.delays import Decision, NoticeState, OrderFacts, decide
from bot.domain.model import Jurisdiction

CALENDAR = BusinessCalendar()
# A Monday; T + 30 days is Wednesday 31 March.
T = date(2027, 3, 1)


def facts(
    estimate: date | None,
    *,
    jurisdiction: Jurisdiction | None = Jurisdiction.US,
    ready: bool = False,
    promised: date = T,
) -> OrderFacts:
    """An open order promised for `promised` whose estimate is now `estimate`."""
    return OrderFacts(
        order_id="O-1",
        customer_id="C-1",
        jurisdiction=jurisdiction,
        promised_date=promised,
        estimate=estimate,
        ready=ready,
        refund_minor=2500,
        currency="USD",
        version=3,
    )


def run(
    order: OrderFacts, state: NoticeState | None, today: date, *, refund_days: int = 14
) -> Decision:
    """The policy's decision for one order on one day."""
    return decide(order, state, today=today, calendar=CALENDAR, refund_days=refund_days)


def later(order: OrderFacts, estimate: date | None, *, ready: bool = False) -> OrderFacts:
    """The same order with a new estimate."""
    return replace(order, estimate=estimate, ready=ready)
