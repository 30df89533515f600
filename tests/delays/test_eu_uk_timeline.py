"""Ninety days of an EU or UK shop: every missed date asks, silence changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.actions import Done
from bot.domain.delays import NoticeKind
from bot.domain.model import Jurisdiction, LineStatus
from tests.delays.timeline import Timeline, at, on

REQUEST, GOOD, READY = (
    NoticeKind.DELAY_CONSENT_REQUEST,
    NoticeKind.GOOD_NEWS,
    NoticeKind.READY_TO_SHIP,
)


@pytest.mark.parametrize("jurisdiction", [Jurisdiction.EU, Jurisdiction.UK])
async def test_ninety_days_of_eu_or_uk_delays_ask_for_consent_and_never_cancel_on_their_own(
    timeline: Timeline, jurisdiction: Jurisdiction
) -> None:
    tl = timeline
    await tl.product("kettle")
    await tl.product("sofa")
    await tl.po("PO-KETTLE", "kettle", on(4))
    await tl.order(
        "EU-1", "eva", "kettle", promised=on(7), jurisdiction=jurisdiction, language="de"
    )
    await tl.order("EU-2", "eli", "sofa", promised=on(11), jurisdiction=jurisdiction)
    await tl.link(201, "eva")
    await tl.link(202, "eli")

    sent = {0: await tl.day(0)}
    assert [(s.chat_id, s.kinds) for s in sent[0]] == [(202, [("delay_consent_request", "EU-2")])]
    sofa = (await tl.history("EU-2"))[0].notice
    assert (sofa.revised_date, sofa.silence_means, sofa.auto_cancel_on) == (None, "nothing", None)

    # Day 3 and day 10: the kettle slips twice, and each missed date asks eva again (in German).
    sent |= await tl.run_until(2)
    await tl.po("PO-KETTLE", "kettle", on(21))
    sent |= await tl.run_until(9)
    await tl.po("PO-KETTLE", "kettle", on(35))
    sent |= await tl.run_until(10)
    assert [(s.chat_id, s.text) for s in sent[3]] == [(201, "de: delay_consent_request EU-1")]
    assert [(s.chat_id, s.kinds) for s in sent[10]] == [(201, [("delay_consent_request", "EU-1")])]
    second = (await tl.history("EU-1"))[-1].notice
    assert (second.previous_date, second.revised_date) == (on(22), on(36))
    assert isinstance(await tl.answer("eva", "EU-1", keep_waiting=True), Done)

    # Day 20: earlier again (good news); day 31 the kettles arrive; day 32 it ships.
    sent |= await tl.run_until(19)
    await tl.po("PO-KETTLE", "kettle", on(31))
    sent |= await tl.run_until(30)
    await tl.product("kettle", on_hand=5)
    await tl.po("PO-KETTLE", "kettle", on(31), received=5)
    sent |= await tl.run_until(31)
    tl.clock.moment = at(32)
    await tl.order(
        "EU-1",
        "eva",
        "kettle",
        promised=on(7),
        jurisdiction=jurisdiction,
        status=LineStatus.SHIPPED,
    )
    # eli stays silent far past T + 30 days: the sofa order stays open and nobody nags.
    sent |= await tl.run_until(45, start=32)
    assert await tl.line_status("EU-2") == LineStatus.OPEN

    # Day 45: eli cancels; the refund is due within 14 days, through the customer's cancel path.
    cancel = await tl.answer("eli", "EU-2", keep_waiting=False)
    assert isinstance(cancel, Done)
    assert cancel.refund_due == on(45) + timedelta(days=14)
    assert await tl.refunds_due("EU-2") == [on(59).isoformat()]
    sent |= await tl.run_until(90, start=46)

    assert [(s.chat_id, s.kinds) for s in sent[20]] == [(201, [("good_news", "EU-1")])]
    assert [(s.chat_id, s.kinds) for s in sent[31]] == [(201, [("ready_to_ship", "EU-1")])]
    assert {day for day, rows in sent.items() if rows} == {0, 3, 10, 20, 31}
    assert await tl.kinds("EU-1") == [REQUEST, REQUEST, GOOD, READY]
    assert await tl.kinds("EU-2") == [REQUEST]
    assert await tl.line_status("EU-2") == LineStatus.CANCELLED
    assert all(not report.cancelled for report in tl.reports)
