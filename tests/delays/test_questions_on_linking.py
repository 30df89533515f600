"""A delay question nobody could deliver reaches the customer, buttons and all, when they link."""

from __future__ import annotations

from bot.domain.delays import NoticeKind
from bot.domain.model import Jurisdiction
from bot.services.notices import pending_questions
from tests.delays.timeline import Timeline, on

EU = Jurisdiction.EU


async def test_a_question_decided_before_the_chat_was_linked_is_pending(
    timeline: Timeline,
) -> None:
    tl = timeline
    await tl.product("lamp")
    await tl.po("PO-LAMP", "lamp", on(20))
    await tl.order("EU-7", "ida", "lamp", promised=on(7), jurisdiction=EU)

    await tl.day(1)

    assert tl.reports[-1].customers_unreachable == ("ida",)
    (question,) = await pending_questions(tl.store, "ida")
    assert (question.kind, question.order_id) == (NoticeKind.DELAY_CONSENT_REQUEST, "EU-7")


async def test_an_answered_question_is_no_longer_pending(timeline: Timeline) -> None:
    tl = timeline
    await tl.product("lamp")
    await tl.po("PO-LAMP", "lamp", on(20))
    await tl.order("EU-7", "ida", "lamp", promised=on(7), jurisdiction=EU)
    await tl.day(1)

    await tl.answer("ida", "EU-7", keep_waiting=True)

    assert await pending_questions(tl.store, "ida") == []


async def test_an_informative_notice_is_not_a_pending_question(timeline: Timeline) -> None:
    tl = timeline
    await tl.product("lamp")
    await tl.po("PO-LAMP", "lamp", on(20))
    await tl.order("BL-7", "ida", "lamp", promised=on(7), jurisdiction=None)

    await tl.day(1)

    assert await tl.kinds("BL-7") == [NoticeKind.DELAY_INFO]
    assert await pending_questions(tl.store, "ida") == []
