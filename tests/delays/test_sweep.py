"""The sweep and the answers on a real store: digests, re-runs, quiet hours, no chat."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.actions import AlreadyDone, Changed, Done, NotFound
from bot.domain.delays import ConsentState, NoticeKind
from bot.domain.model import Customer, Jurisdiction, LineStatus
from bot.services.eta import recompute_etas
from bot.services.notices import answer_delay, mark_communicated
from tests.delays.timeline import REFUND_DAYS, RULES, UTC_ZONE, Timeline, on
from tests.sql import fetch_all


async def slipped_shop(tl: Timeline, jurisdiction: Jurisdiction | None = Jurisdiction.US) -> None:
    """ann's mug, promised for day 7, now waits for a delivery on day 21."""
    await tl.product("mug")
    await tl.po("PO-MUG", "mug", on(21))
    await tl.order("O-1", "ann", "mug", promised=on(7), jurisdiction=jurisdiction)


async def test_running_the_same_sweep_again_queues_nothing_twice(timeline: Timeline) -> None:
    await slipped_shop(timeline)
    await timeline.link(101, "ann")

    first = await timeline.day(0)
    again = await timeline.sweep()

    assert len(first) == 1
    assert again == []
    assert await timeline.kinds("O-1") == [NoticeKind.DELAY_FIRST]


async def test_every_chat_linked_to_the_customer_gets_the_digest(timeline: Timeline) -> None:
    await slipped_shop(timeline)
    await timeline.link(101, "ann")
    await timeline.link(102, "ann")

    sent = await timeline.day(0)

    assert [(s.chat_id, s.text) for s in sent] == [
        (101, "-: delay_first O-1"),
        (102, "-: delay_first O-1"),
    ]


async def test_a_customer_without_a_chat_still_moves_through_the_deadlines(
    timeline: Timeline,
) -> None:
    await slipped_shop(timeline)

    assert await timeline.day(0) == []

    (record,) = await timeline.history("O-1")
    assert (record.notice.kind, record.chats, record.dedupe_key) == (
        NoticeKind.DELAY_FIRST,
        0,
        None,
    )
    assert timeline.reports[-1].customers_unreachable == ("ann",)
    state = (await timeline.store.notice_states(["O-1"]))["O-1"]
    assert (state.consent, state.deadline) == (ConsentState.DEEMED, on(22))


async def test_news_in_the_customers_night_waits_for_their_morning(timeline: Timeline) -> None:
    await slipped_shop(timeline, jurisdiction=None)
    tokyo = Customer("ann", "Ann", timezone="Asia/Tokyo")
    await timeline.store.upsert_orders([tokyo], [], actor="test", at=timeline.clock.now())
    await timeline.link(101, "ann")

    # 14:00 UTC is 23:00 in Tokyo.
    (sent,) = await timeline.day(0)

    assert sent.not_before == "2027-03-01T23:00:00.000000Z"


async def test_dates_the_customer_has_seen_in_the_chat_are_not_announced_again(
    timeline: Timeline,
) -> None:
    await slipped_shop(timeline, jurisdiction=None)
    await timeline.link(101, "ann")
    await timeline.day(0)
    await timeline.po("PO-MUG", "mug", on(28))
    timeline.clock.moment = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    await recompute_etas(timeline.store, rules=RULES, today=on(1))
    await mark_communicated(timeline.store, "ann", now=timeline.clock.now())

    assert await timeline.sweep() == []
    assert "notice.communicated" in await timeline.audit_actions("O-1")


async def test_keeping_waiting_is_recorded_once_and_checked_against_the_order(
    timeline: Timeline,
) -> None:
    await timeline.product("lamp")
    await timeline.order("O-2", "bob", "lamp", promised=on(7), jurisdiction=Jurisdiction.US)
    await timeline.link(102, "bob")
    await timeline.day(0)
    version = (await timeline.history("O-2"))[-1].notice.order_version

    async def answer(customer: str, *, version: int) -> object:
        return await answer_delay(
            timeline.store,
            customer,
            "O-2",
            keep_waiting=True,
            version=version,
            actor=f"customer:{customer}",
            now=timeline.clock.now(),
            timezone=UTC_ZONE,
            rules=RULES,
            refund_days=REFUND_DAYS,
        )

    assert await answer("eve", version=version) == NotFound("O-2")
    assert await answer("bob", version=version + 1) == Changed("O-2")
    assert isinstance(await answer("bob", version=version), Done)
    assert await answer("bob", version=version) == AlreadyDone("O-2")
    state = (await timeline.store.notice_states(["O-2"]))["O-2"]
    assert (state.consent, state.auto_cancel_on) == (ConsentState.INDEFINITE, None)
    assert (await timeline.audit_actions("O-2")).count("notice.consent") == 1


async def test_keep_waiting_tapped_on_the_thirtieth_day_after_t_keeps_the_order(
    timeline: Timeline,
) -> None:
    await timeline.product("mug")
    await timeline.po("PO-MUG", "mug", on(50))
    await timeline.order("O-3", "cat", "mug", promised=on(7), jurisdiction=Jurisdiction.US)
    await timeline.link(103, "cat")
    await timeline.day(0)

    await timeline.run_until(37)
    answer = await timeline.answer("cat", "O-3", keep_waiting=True)
    await timeline.run_until(45)

    assert isinstance(answer, Done)
    assert await timeline.line_status("O-3") == LineStatus.OPEN
    assert NoticeKind.AUTO_CANCELLED not in await timeline.kinds("O-3")


async def test_an_automatic_cancellation_in_the_customers_night_is_told_at_once_and_kept(
    timeline: Timeline,
) -> None:
    await timeline.product("lamp")
    await timeline.order("O-1", "ann", "lamp", promised=on(11), jurisdiction=Jurisdiction.US)
    tokyo = Customer("ann", "Ann", timezone="Asia/Tokyo")
    await timeline.store.upsert_orders([tokyo], [], actor="test", at=timeline.clock.now())
    await timeline.link(101, "ann")
    await timeline.run_until(41, start=0)

    # 14:00 UTC is 23:00 in Tokyo: deep in quiet hours, but the order is cancelled tonight.
    (told,) = await timeline.day(42)
    assert await timeline.line_status("O-1") == LineStatus.CANCELLED
    assert told.text == "-: auto_cancelled O-1"
    assert told.not_before is None
    # A sweep after the cancellation decides held notices again: this one is not taken back.
    await timeline.sweep()
    rows = await fetch_all(timeline.store, "SELECT status FROM outbox WHERE text = :t", t=told.text)
    assert [row[0] for row in rows] == ["pending"]
    assert "notice.withdrawn" not in await timeline.audit_actions("O-1")
