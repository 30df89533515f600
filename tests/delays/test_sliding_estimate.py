"""A lead-time estimate slides a day a day: customers hear of it weekly, and all the law asks."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.delays import NoticeKind
from bot.domain.model import Jurisdiction
from tests.delays.rules import T, facts, later, run
from tests.delays.timeline import Timeline, on

INFO = NoticeKind.DELAY_INFO
FIRST, RENEWED, CANCELLED = (
    NoticeKind.DELAY_FIRST,
    NoticeKind.DELAY_RENEWED,
    NoticeKind.AUTO_CANCELLED,
)


async def kite_on_a_ten_day_lead_time(
    tl: Timeline, order_id: str, jurisdiction: Jurisdiction | None
) -> None:
    """An order of a product nobody stocks, promised for day 5, linked to chat 901."""
    await tl.product("kite", lead_time=10)
    await tl.order(order_id, "gus", "kite", promised=on(5), jurisdiction=jurisdiction)
    await tl.link(901, "gus")


async def test_a_thirty_day_slide_without_a_jurisdiction_is_told_once_a_week_not_daily(
    timeline: Timeline,
) -> None:
    tl = timeline
    await kite_on_a_ten_day_lead_time(tl, "BL-9", None)

    sent = await tl.run_until(30, start=0)

    assert {day for day, rows in sent.items() if rows} == {0, 7, 14, 21, 28}
    told = [record.notice for record in await tl.history("BL-9")]
    assert [notice.kind for notice in told] == [INFO] * 5
    assert all(
        notice.revised_date is not None
        and notice.previous_date is not None
        and notice.revised_date - notice.previous_date >= timedelta(days=7)
        for notice in told[1:]
    )


async def test_a_sliding_estimate_that_loses_its_date_is_told_at_once(timeline: Timeline) -> None:
    tl = timeline
    await kite_on_a_ten_day_lead_time(tl, "BL-9", None)
    await tl.run_until(2, start=0)

    await tl.product("kite", lead_time=None)
    sent = await tl.run_until(3)

    assert [s.kinds for s in sent[3]] == [[("delay_info", "BL-9")]]
    assert (await tl.history("BL-9"))[-1].notice.revised_date is None


async def test_a_thirty_day_us_slide_still_gets_every_notice_the_ftc_rule_requires(
    timeline: Timeline,
) -> None:
    tl = timeline
    await kite_on_a_ten_day_lead_time(tl, "US-9", Jurisdiction.US)

    sent = await tl.run_until(30, start=0)

    # Day 0 the deemed date (day 11) is set; day 1 it is missed (renewed, answer by day 11);
    # day 8 the offered date moved a week and is re-asked; day 12 the unanswered order is cancelled.
    assert {day for day, rows in sent.items() if rows} == {0, 1, 8, 12}
    assert await tl.kinds("US-9") == [FIRST, RENEWED, RENEWED, CANCELLED]


async def test_a_thirty_day_eu_slide_is_asked_again_only_when_the_date_moves_a_week(
    timeline: Timeline,
) -> None:
    tl = timeline
    await kite_on_a_ten_day_lead_time(tl, "EU-9", Jurisdiction.EU)

    sent = await tl.run_until(30, start=0)

    assert {day for day, rows in sent.items() if rows} == {0, 7, 14, 21, 28}
    assert set(await tl.kinds("EU-9")) == {NoticeKind.DELAY_CONSENT_REQUEST}


def test_a_slip_of_a_few_days_after_a_late_date_was_told_is_not_news() -> None:
    order = facts(T + timedelta(days=3), jurisdiction=None)
    told = run(order, None, T).state

    decision = run(later(order, T + timedelta(days=9)), told, T + timedelta(days=1))

    assert decision.notices == ()


def test_a_slip_of_a_week_after_a_late_date_was_told_is_news() -> None:
    order = facts(T + timedelta(days=3), jurisdiction=None)
    told = run(order, None, T).state

    decision = run(later(order, T + timedelta(days=10)), told, T + timedelta(days=1))

    (notice,) = decision.notices
    assert notice.kind == INFO
    assert (notice.previous_date, notice.revised_date) == (
        T + timedelta(days=3),
        T + timedelta(days=10),
    )


def test_the_first_slip_past_the_promised_date_is_news_however_small() -> None:
    order = facts(T - timedelta(days=5), jurisdiction=None)
    told = run(order, None, T - timedelta(days=10)).state
    assert told.communicated_date == T - timedelta(days=5)

    decision = run(later(order, T + timedelta(days=1)), told, T - timedelta(days=9))

    (notice,) = decision.notices
    assert notice.kind == INFO
