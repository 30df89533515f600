"""A supplier delivery that never comes slides the date a day a day: told weekly, not daily."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.delays import NoticeKind
from tests.delays.timeline import Timeline, on


async def test_a_delivery_overdue_for_four_weeks_is_told_once_a_week_not_daily(
    timeline: Timeline,
) -> None:
    tl = timeline
    await tl.product("kite")
    await tl.po("PO-1", "kite", on(3))
    await tl.order("BL-9", "gus", "kite", promised=on(5), jurisdiction=None)
    await tl.link(901, "gus")

    sent = await tl.run_until(31, start=0)

    # Day 0: the delivery makes it ship before the promise. Day 4: the delivery is a day late
    # and the date slips past the promise (news at once). Then only a week's slip is news.
    assert sorted(day for day, rows in sent.items() if rows) == [0, 4, 11, 18, 25]
    told = [record.notice for record in await tl.history("BL-9")]
    assert [notice.kind for notice in told] == [NoticeKind.GOOD_NEWS] + [NoticeKind.DELAY_INFO] * 4
    assert all(
        notice.revised_date is not None
        and notice.previous_date is not None
        and notice.revised_date - notice.previous_date >= timedelta(days=7)
        for notice in told[2:]
    )
