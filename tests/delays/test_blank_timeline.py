"""Ninety days of orders with no jurisdiction: informative notices and digests, no cancellation."""

from __future__ import annotations

from bot.domain.delays import NoticeKind
from bot.domain.model import LineStatus, PoStatus, PurchaseOrder
from tests.delays.timeline import Timeline, at, on

INFO, GOOD, READY = NoticeKind.DELAY_INFO, NoticeKind.GOOD_NEWS, NoticeKind.READY_TO_SHIP


async def test_ninety_days_without_a_jurisdiction_inform_and_never_cancel(
    timeline: Timeline,
) -> None:
    tl = timeline
    await tl.product("vase")
    await tl.product("rug")
    await tl.po("PO-VASE", "vase", on(4))
    await tl.po("PO-RUG", "rug", on(4))
    await tl.order("BL-1", "flo", "vase", promised=on(7), jurisdiction=None, language="fr")
    await tl.order("BL-2", "flo", "rug", promised=on(7), jurisdiction=None, language="fr")
    await tl.link(301, "flo")

    sent = await tl.run_until(2, start=0)
    # Day 3: both supplier dates slip in one import: one digest with two informative notices.
    await tl.po("PO-VASE", "vase", on(21))
    await tl.po("PO-RUG", "rug", on(14))
    sent |= await tl.run_until(4)
    # Day 5: the rug's delivery moves to a Saturday: ships a business day earlier.
    await tl.po("PO-RUG", "rug", on(12))
    sent |= await tl.run_until(13)
    # Day 14: the rugs arrive; day 15 the rug ships.
    await tl.product("rug", on_hand=3)
    await tl.po("PO-RUG", "rug", on(12), received=5)
    sent |= await tl.run_until(14)
    tl.clock.moment = at(15)
    await tl.order(
        "BL-2", "flo", "rug", promised=on(7), jurisdiction=None, status=LineStatus.SHIPPED
    )
    sent |= await tl.run_until(17)
    # Day 18: the vase delivery is cancelled and nobody can give a date; day 30 a new one comes.
    cancelled_po = PurchaseOrder("PO-VASE", "vase", 5, on(21), status=PoStatus.CANCELLED)
    await tl.store.upsert_purchase_orders([cancelled_po], actor="test", at=tl.clock.now())
    sent |= await tl.run_until(29)
    await tl.po("PO-VASE-2", "vase", on(42))
    sent |= await tl.run_until(41)
    # Day 42: the vases arrive; day 43 the vase ships.
    await tl.product("vase", on_hand=5)
    await tl.po("PO-VASE-2", "vase", on(42), received=5)
    sent |= await tl.run_until(42)
    tl.clock.moment = at(43)
    await tl.order(
        "BL-1", "flo", "vase", promised=on(7), jurisdiction=None, status=LineStatus.SHIPPED
    )
    sent |= await tl.run_until(90)

    assert [(s.chat_id, s.kinds) for s in sent[3]] == [
        (301, [("delay_info", "BL-1"), ("delay_info", "BL-2")])
    ]
    assert sent[3][0].text.startswith("fr: ")
    assert [s.kinds for s in sent[5]] == [[("good_news", "BL-2")]]
    assert [s.kinds for s in sent[14]] == [[("ready_to_ship", "BL-2")]]
    assert [s.kinds for s in sent[18]] == [[("delay_info", "BL-1")]]
    assert [s.kinds for s in sent[30]] == [[("good_news", "BL-1")]]
    assert [s.kinds for s in sent[42]] == [[("ready_to_ship", "BL-1")]]
    assert {day for day, rows in sent.items() if rows} == {3, 5, 14, 18, 30, 42}
    vase = [record.notice for record in await tl.history("BL-1")]
    assert [(n.previous_date, n.revised_date) for n in vase] == [
        (on(7), on(22)),
        (on(22), None),
        (None, on(43)),
        (on(43), on(43)),
    ]
    assert await tl.kinds("BL-2") == [INFO, GOOD, READY]
    assert all(not report.cancelled for report in tl.reports)
