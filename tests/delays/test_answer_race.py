"""A customer's "Keep waiting" and the sweep that cancels for silence, at the same moment.

On PostgreSQL the two run in transactions side by side (READ COMMITTED); on SQLite they
interleave between their reads and their one write transaction each. Either the answer counts and
the order stays, or the order is cancelled and the answer is refused: never both, never neither.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.actions import ActionResult, Changed, NotAllowed
from bot.domain.delays import ConsentState, NoticeKind
from bot.domain.model import Jurisdiction, LineStatus
from bot.services.eta import recompute_etas
from bot.services.notices import KeptWaiting, answer_delay
from tests.delays.timeline import REFUND_DAYS, RULES, UTC_ZONE, Timeline, at, on

ORDERS = ("US-1", "US-2", "US-3", "US-4", "US-5", "US-6")


@pytest.mark.parametrize("when", ["with_the_sweep", "as_it_writes", "after_it_wrote"])
async def test_an_answer_racing_the_cancelling_sweep_ends_one_legal_way_per_order(
    timeline: Timeline, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    tl = timeline
    await tl.product("lamp")
    for number, order_id in enumerate(ORDERS, start=1):
        # A lamp nobody can date: the first notice asks, and silence cancels on day 42.
        await tl.order(
            order_id, f"c{number}", "lamp", promised=on(11), jurisdiction=Jurisdiction.US
        )
        await tl.link(100 + number, f"c{number}")
    await tl.day(0)
    await tl.day(41)
    versions = {}
    for order_id in ORDERS:
        (asked,) = [record.notice for record in await tl.history(order_id)]
        assert (asked.kind, asked.auto_cancel_on) == (NoticeKind.DELAY_FIRST, on(42))
        versions[order_id] = asked.order_version

    # The presses left late on day 41; the day-42 sweep starts while they are handled.
    tl.clock.moment = at(42)
    await recompute_etas(tl.store, rules=RULES, today=tl.today)
    pressed = at(41) + timedelta(hours=9, minutes=59)

    async def press(number: int, order_id: str) -> ActionResult:
        return await answer_delay(
            tl.store,
            f"c{number}",
            order_id,
            keep_waiting=True,
            version=versions[order_id],
            actor=f"customer:c{number}",
            now=pressed,
            timezone=UTC_ZONE,
            rules=RULES,
            refund_days=REFUND_DAYS,
        )

    presses: list[ActionResult] = []

    async def all_press() -> None:
        presses.extend(
            await asyncio.gather(
                *(press(number, order) for number, order in enumerate(ORDERS, start=1))
            )
        )

    if when != "with_the_sweep":
        # Why: the presses land at a chosen point of the sweep: while its one write transaction
        # runs (each waits for the orders' row locks on PostgreSQL), or just after it committed
        # the cancellations and before they take effect.
        record = tl.store.record_sweep

        async def racing(*args: Any, **kwargs: Any) -> Any:
            if when == "as_it_writes":
                recorded, _ = await asyncio.gather(record(*args, **kwargs), all_press())
                return recorded
            recorded = await record(*args, **kwargs)
            await all_press()
            return recorded

        monkeypatch.setattr(tl.store, "record_sweep", racing)
        swept = await tl.sweep()
    else:
        swept, _ = await asyncio.gather(tl.sweep(), all_press())
    answers = presses
    if when == "after_it_wrote":
        assert not any(isinstance(answer, KeptWaiting) for answer in answers)

    told = {order_id for sent in swept for _, order_id in sent.kinds}
    states = await tl.store.notice_states(ORDERS)
    for order_id, answer in zip(ORDERS, answers, strict=True):
        kinds = await tl.kinds(order_id)
        status = await tl.line_status(order_id)
        if isinstance(answer, KeptWaiting):
            assert status is LineStatus.OPEN, order_id
            assert states[order_id].consent is ConsentState.INDEFINITE, order_id
            assert not states[order_id].awaiting_answer, order_id
            assert kinds == [NoticeKind.DELAY_FIRST], order_id
            assert await tl.refunds_due(order_id) == [], order_id
            assert order_id not in told, order_id
        else:
            # Told the order changed or that the last day passed: never "already recorded".
            assert isinstance(answer, Changed | NotAllowed), (order_id, answer)
            assert status is LineStatus.CANCELLED, (order_id, answer)
            assert kinds == [NoticeKind.DELAY_FIRST, NoticeKind.AUTO_CANCELLED], order_id
            assert len(await tl.refunds_due(order_id)) == 1, order_id
            assert order_id in told, order_id
            assert "notice.consent" not in await tl.audit_actions(order_id), order_id
    # Nothing left half done: the next sweep has nothing to say or cancel.
    monkeypatch.undo()
    assert await tl.sweep() == []
    assert [await tl.line_status(order_id) for order_id in ORDERS] == [
        LineStatus.OPEN if isinstance(answer, KeptWaiting) else LineStatus.CANCELLED
        for answer in answers
    ]
