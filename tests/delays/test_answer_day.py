"""The last day to answer a US delay question is the customer's day, not the shop's.

A Berlin shop, customers in New York: "tell us by 30 December" holds until midnight in New York,
six hours after Berlin's. An answer on that day counts (README, 16 CFR 435.2(b)); the order is
cancelled for silence only once the customer's day has ended.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.actions import NotAllowed
from bot.domain.delays import ConsentState, NoticeKind
from bot.domain.model import Jurisdiction, LineStatus
from bot.services.eta import recompute_etas
from bot.services.notices import KeptWaiting
from storage.store import SqlStore
from tests.delays.timeline import RULES, Timeline

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = "America/New_York"
PROMISED = date(2026, 11, 25)
FIRST_SWEEP = datetime(2026, 11, 30, 12, 0, tzinfo=BERLIN)
LAST_DAY = date(2026, 12, 30)
# 00:30 on 31 December in Berlin is 18:30 on 30 December in New York.
BERLIN_PAST_MIDNIGHT = datetime(2026, 12, 31, 0, 30, tzinfo=BERLIN)
NEW_YORK_PAST_MIDNIGHT = datetime(2026, 12, 31, 6, 30, tzinfo=BERLIN)


async def asked_shop(store: SqlStore) -> Timeline:
    """Lamps nobody can date, ordered by New Yorkers and a Berliner, asked on 30 November."""
    tl = Timeline(store, zone=BERLIN)
    tl.clock.moment = FIRST_SWEEP
    await tl.product("lamp")
    for chat, (order_id, customer, zone) in enumerate(
        (
            ("NY-1", "nia", NEW_YORK),
            ("NY-2", "ned", NEW_YORK),
            ("NY-3", "noa", NEW_YORK),
            ("BE-1", "ben", None),
        ),
        start=101,
    ):
        await tl.order(
            order_id,
            customer,
            "lamp",
            promised=PROMISED,
            jurisdiction=Jurisdiction.US,
            timezone=zone,
        )
        await tl.link(chat, customer)
    await recompute_etas(tl.store, rules=RULES, today=tl.today)
    await tl.sweep()
    for order_id in ("NY-1", "NY-2", "NY-3", "BE-1"):
        (asked,) = [record.notice for record in await tl.history(order_id)]
        assert asked.kind is NoticeKind.DELAY_FIRST
        assert (asked.decision_deadline, asked.silence_means) == (LAST_DAY, "cancel")
    return tl


async def sweep_at(tl: Timeline, moment: datetime) -> None:
    tl.clock.moment = moment
    await recompute_etas(tl.store, rules=RULES, today=tl.today)
    await tl.sweep()


async def test_an_answer_on_the_customers_last_day_counts_after_the_shops_midnight(
    store: SqlStore,
) -> None:
    tl = await asked_shop(store)

    await sweep_at(tl, BERLIN_PAST_MIDNIGHT)
    kept = await tl.answer("nia", "NY-1", keep_waiting=True)

    assert isinstance(kept, KeptWaiting)
    assert (await tl.store.notice_states(["NY-1"]))["NY-1"].consent is ConsentState.INDEFINITE
    assert await tl.line_status("NY-1") == LineStatus.OPEN
    # Still 30 December in New York: the sweep cancels nobody there, the Berliner's day is over.
    assert await tl.line_status("NY-2") == LineStatus.OPEN
    assert await tl.kinds("NY-2") == [NoticeKind.DELAY_FIRST]
    assert await tl.line_status("BE-1") == LineStatus.CANCELLED
    assert await tl.kinds("BE-1") == [NoticeKind.DELAY_FIRST, NoticeKind.AUTO_CANCELLED]


async def test_after_midnight_in_new_york_a_press_is_too_late_and_the_sweep_cancels(
    store: SqlStore,
) -> None:
    tl = await asked_shop(store)
    await sweep_at(tl, BERLIN_PAST_MIDNIGHT)

    tl.clock.moment = NEW_YORK_PAST_MIDNIGHT
    late = await tl.answer("noa", "NY-3", keep_waiting=True)
    assert late == NotAllowed("NY-3", "answer_late")
    assert await tl.line_status("NY-3") == LineStatus.OPEN
    await sweep_at(tl, NEW_YORK_PAST_MIDNIGHT)

    for order_id in ("NY-2", "NY-3"):
        assert await tl.line_status(order_id) == LineStatus.CANCELLED
        assert await tl.kinds(order_id) == [NoticeKind.DELAY_FIRST, NoticeKind.AUTO_CANCELLED]
        assert await tl.refunds_due(order_id) != []
    assert "notice.consent" not in await tl.audit_actions("NY-3")
