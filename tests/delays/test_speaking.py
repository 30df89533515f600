"""Knowing when to speak: later → delay, earlier by a business day → good news, same → nothing."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.delays import ConsentState, NoticeKind, NoticeState, communicate, initial_state
from bot.domain.model import Jurisdiction
from tests.delays.rules import T, facts, later, run

TODAY = date(2027, 2, 15)


def test_an_estimate_earlier_by_a_business_day_brings_one_good_news_message() -> None:
    order = facts(date(2027, 2, 26), jurisdiction=None)

    first = run(order, None, TODAY)
    again = run(order, first.state, TODAY)

    (notice,) = first.notices
    assert notice.kind == NoticeKind.GOOD_NEWS
    assert (notice.previous_date, notice.revised_date) == (T, date(2027, 2, 26))
    assert again.notices == ()


def test_an_estimate_earlier_only_by_a_weekend_day_is_not_news() -> None:
    decision = run(facts(date(2027, 2, 28), jurisdiction=None), None, TODAY)

    assert decision.notices == ()


def test_a_later_estimate_without_a_jurisdiction_is_an_informative_notice() -> None:
    decision = run(facts(date(2027, 3, 8), jurisdiction=None), None, TODAY)

    (notice,) = decision.notices
    assert notice.kind == NoticeKind.DELAY_INFO
    assert notice.silence_means == "nothing"
    assert notice.auto_cancel_on is None


def test_a_blank_jurisdiction_never_cancels_on_its_own() -> None:
    order = facts(None, jurisdiction=None)
    state = run(order, None, TODAY).state

    assert run(order, state, date(2027, 6, 1)).cancel is None


def test_a_date_the_customer_has_already_seen_is_not_announced_again() -> None:
    order = facts(date(2027, 3, 8), jurisdiction=None)
    seen = communicate(run(facts(T, jurisdiction=None), None, TODAY).state, date(2027, 3, 8), None)

    assert run(order, seen, TODAY).notices == ()


def test_a_date_seen_in_the_chat_does_not_excuse_the_legal_us_notice() -> None:
    order = facts(date(2027, 3, 8))
    seen = communicate(run(facts(T), None, TODAY).state, date(2027, 3, 8), None)

    assert [notice.kind for notice in run(order, seen, TODAY).notices] == [NoticeKind.DELAY_FIRST]


def test_stock_arriving_brings_one_ready_to_ship_message() -> None:
    order = facts(date(2027, 3, 8), jurisdiction=None)
    waiting = run(order, None, TODAY).state

    ready = run(later(order, date(2027, 2, 16), ready=True), waiting, TODAY)
    again = run(later(order, date(2027, 2, 16), ready=True), ready.state, TODAY)

    assert [notice.kind for notice in ready.notices] == [NoticeKind.READY_TO_SHIP]
    assert again.notices == ()


def test_an_order_ready_when_first_seen_gets_no_ready_message() -> None:
    decision = run(facts(T, ready=True, jurisdiction=Jurisdiction.EU), None, TODAY)

    assert decision.notices == ()


a_day = st.one_of(st.none(), st.integers(-40, 80).map(lambda days: T + timedelta(days=days)))
a_state = st.builds(
    NoticeState,
    order_id=st.just("O-1"),
    deadline=a_day,
    communicated_date=a_day,
    consent=st.sampled_from(ConsentState),
    awaiting_answer=st.booleans(),
    offered_date=a_day,
    ready_notified=st.booleans(),
)


@given(
    estimate=a_day,
    ready=st.booleans(),
    jurisdiction=st.sampled_from([None, *Jurisdiction]),
    state=st.one_of(st.none(), a_state),
)
def test_good_news_is_only_ever_a_date_earlier_than_the_one_the_customer_holds(
    estimate: date | None,
    ready: bool,
    jurisdiction: Jurisdiction | None,
    state: NoticeState | None,
) -> None:
    order = facts(estimate, jurisdiction=jurisdiction, ready=ready)
    held = (state or initial_state(order, TODAY)).communicated_date

    decision = run(order, state, TODAY)

    for notice in decision.notices:
        if notice.kind is NoticeKind.GOOD_NEWS:
            assert notice.revised_date is not None and notice.previous_date == held
            # Why: "no date" told is later than any date (a date at all is sooner).
            assert held is None or notice.revised_date < held
