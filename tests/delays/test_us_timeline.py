"""Ninety days of a US shop under the FTC rule, swept daily on a real SQLite store."""

from __future__ import annotations

from bot.domain.actions import Done
from bot.domain.delays import NoticeKind
from bot.domain.model import Jurisdiction, LineStatus, PoStatus, PurchaseOrder
from tests.delays.timeline import Timeline, at, on

US = Jurisdiction.US
FIRST, RENEWED, GOOD, READY, CANCELLED = (
    NoticeKind.DELAY_FIRST,
    NoticeKind.DELAY_RENEWED,
    NoticeKind.GOOD_NEWS,
    NoticeKind.READY_TO_SHIP,
    NoticeKind.AUTO_CANCELLED,
)


async def test_ninety_days_of_us_delays_notices_consent_and_automatic_cancellations(
    timeline: Timeline,
) -> None:
    tl = timeline
    await tl.product("mug")
    await tl.product("lamp")
    await tl.product("desk")
    await tl.product("chair")
    await tl.product("otto")
    await tl.po("PO-MUG", "mug", on(4))
    await tl.po("PO-OTTO", "otto", on(58))
    await tl.po("PO-DESK", "desk", on(24))
    # ann: two mugs promised for day 7 (Monday 8 March), due on time at first.
    await tl.order("US-1", "ann", "mug", promised=on(7), jurisdiction=US)
    await tl.order("US-3", "ann", "mug", promised=on(7), jurisdiction=US)
    # bob: a lamp nobody can date; cid: a desk late from the start and no chat to tell.
    await tl.order("US-2", "bob", "lamp", promised=on(11), jurisdiction=US)
    await tl.order("US-4", "cid", "desk", promised=on(2), jurisdiction=US)
    # eve: an ottoman due on time for day 59.
    await tl.order("US-6", "eve", "otto", promised=on(59), jurisdiction=US)
    await tl.link(101, "ann")
    await tl.link(102, "bob")
    await tl.link(105, "eve")

    sent = {0: await tl.day(0)}
    assert [(s.chat_id, s.kinds) for s in sent[0]] == [(102, [("delay_first", "US-2")])]
    (lamp_notice,) = [r.notice for r in await tl.history("US-2")]
    assert lamp_notice.revised_date is None
    assert (lamp_notice.silence_means, lamp_notice.auto_cancel_on) == ("cancel", on(42))
    (desk_notice,) = [r.notice for r in await tl.history("US-4")]
    assert (desk_notice.revised_date, desk_notice.silence_means) == (on(25), "consent")
    assert (await tl.history("US-4"))[0].chats == 0

    sent |= await tl.run_until(2)
    assert isinstance(await tl.answer("bob", "US-2", keep_waiting=True), Done)

    # Day 3: the mug delivery slips two weeks: one digest tells ann about both orders.
    await tl.po("PO-MUG", "mug", on(21))
    sent |= await tl.run_until(8)
    assert [(s.chat_id, s.kinds) for s in sent[3]] == [
        (101, [("delay_first", "US-1"), ("delay_first", "US-3")])
    ]
    first = (await tl.history("US-1"))[0].notice
    assert (first.promised_date, first.revised_date) == (on(7), on(22))
    assert (first.silence_means, first.decision_deadline) == ("consent", on(7))

    # Day 9: the lamp gets a supplier date: good news for bob, who agreed to wait indefinitely.
    await tl.po("PO-LAMP", "lamp", on(56))
    # Day 10: the desk's agreed (deemed) date will be missed: renewed notice, silence cancels.
    sent |= await tl.run_until(9, start=9)
    await tl.po("PO-DESK", "desk", on(45))
    sent |= await tl.run_until(14)
    assert [(s.chat_id, s.kinds) for s in sent[9]] == [(102, [("good_news", "US-2")])]
    renewed_desk = (await tl.history("US-4"))[-1].notice
    assert (renewed_desk.kind, renewed_desk.auto_cancel_on) == (RENEWED, on(26))

    # Day 15: the mugs slip past the agreed date: a renewed notice for both, answer by day 22.
    await tl.po("PO-MUG", "mug", on(49))
    sent |= await tl.run_until(16)
    assert [(s.chat_id, s.kinds) for s in sent[15]] == [
        (101, [("delay_renewed", "US-1"), ("delay_renewed", "US-3")])
    ]
    renewed = (await tl.history("US-1"))[-1].notice
    assert (renewed.previous_date, renewed.revised_date) == (on(22), on(50))
    assert (renewed.silence_means, renewed.decision_deadline) == ("cancel", on(22))
    assert renewed.auto_cancel_on == on(23)
    assert isinstance(await tl.answer("ann", "US-3", keep_waiting=True), Done)

    # Day 23: ann said nothing about US-1 by day 22, so it is cancelled with a refund due in
    # 7 business days.
    sent |= await tl.run_until(29)
    assert sent[22] == []
    assert [(s.chat_id, s.kinds) for s in sent[23]] == [(101, [("auto_cancelled", "US-1")])]
    cancelled = (await tl.history("US-1"))[-1].notice
    assert cancelled.refund_due == on(32)
    assert await tl.line_status("US-1") == LineStatus.CANCELLED
    assert await tl.line_status("US-3") == LineStatus.OPEN
    assert await tl.refunds_due("US-1") == [on(32).isoformat()]
    assert "order.cancelled" in [event["type"] for event in await tl.events("US-1")]
    # Day 26: cid never heard (no chat), and the desk is cancelled all the same.
    assert await tl.line_status("US-4") == LineStatus.CANCELLED
    assert (await tl.history("US-4"))[-1].notice.refund_due == on(36)

    # Day 30: an order turns up whose promise (day 28) has passed: its first notice goes now.
    await tl.po("PO-CHAIR", "chair", on(45))
    await tl.order("US-5", "dee", "chair", promised=on(28), jurisdiction=US)
    await tl.link(104, "dee")
    sent |= await tl.run_until(32)
    chair = (await tl.history("US-5"))[0].notice
    assert (chair.kind, chair.revised_date, chair.decision_deadline) == (FIRST, on(46), on(30))
    # Day 33: the chair delivery is cancelled; no date at all: silence now cancels on day 47.
    cancelled_po = PurchaseOrder("PO-CHAIR", "chair", 5, on(45), status=PoStatus.CANCELLED)
    await tl.store.upsert_purchase_orders([cancelled_po], actor="test", at=tl.clock.now())
    sent |= await tl.run_until(34)
    chair = (await tl.history("US-5"))[-1].notice
    assert (chair.kind, chair.revised_date, chair.auto_cancel_on) == (RENEWED, None, on(47))

    # Day 35: the mugs come earlier; day 42 they arrive; day 43 US-3 ships.
    await tl.po("PO-MUG", "mug", on(42))
    sent |= await tl.run_until(41, start=35)
    await tl.product("mug", on_hand=5)
    await tl.po("PO-MUG", "mug", on(42), received=5)
    sent |= await tl.run_until(42)
    tl.clock.moment = at(43)
    await tl.order("US-3", "ann", "mug", promised=on(7), jurisdiction=US, status=LineStatus.SHIPPED)
    sent |= await tl.run_until(55, start=43)
    assert [(s.chat_id, s.kinds) for s in sent[35]] == [(101, [("good_news", "US-3")])]
    assert [(s.chat_id, s.kinds) for s in sent[42]] == [(101, [("ready_to_ship", "US-3")])]

    # Day 56: the lamp arrives; bob, who agreed to wait, was never cancelled at T + 30.
    await tl.product("lamp", on_hand=5)
    await tl.po("PO-LAMP", "lamp", on(56), received=5)
    sent |= await tl.run_until(56, start=56)
    assert [(s.chat_id, s.kinds) for s in sent[56]] == [(102, [("ready_to_ship", "US-2")])]
    assert await tl.line_status("US-5") == LineStatus.CANCELLED
    assert (await tl.history("US-5"))[-1].notice.refund_due == on(57)

    # Days 57-61: the bot is down while the ottoman slips past its promise (day 59) unannounced.
    await tl.po("PO-OTTO", "otto", on(70))
    sent |= await tl.run_until(90, start=62)
    assert [(s.chat_id, s.kinds) for s in sent[62]] == [(105, [("auto_cancelled", "US-6")])]
    assert (await tl.history("US-6"))[-1].notice.refund_due == on(71)

    assert {day for day, rows in sent.items() if rows} == {
        0,
        3,
        9,
        15,
        23,
        30,
        33,
        35,
        42,
        47,
        56,
        62,
    }
    assert [(s.chat_id, s.kinds) for s in sent[47]] == [(104, [("auto_cancelled", "US-5")])]
    assert await tl.kinds("US-1") == [FIRST, RENEWED, CANCELLED]
    assert await tl.kinds("US-2") == [FIRST, GOOD, READY]
    assert await tl.kinds("US-3") == [FIRST, RENEWED, GOOD, READY]
    assert await tl.kinds("US-4") == [FIRST, RENEWED, CANCELLED]
    assert await tl.kinds("US-5") == [FIRST, RENEWED, CANCELLED]
    assert await tl.kinds("US-6") == [CANCELLED]
    audit = await tl.audit_actions("US-3")
    assert audit.count("notice.sent") == 4
    assert "notice.consent" in audit
    assert "notice.undeliverable" in await tl.audit_actions("US-4")
