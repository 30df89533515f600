"""What the dispatcher could not deliver is not told: resent alone, then undelivered and alerted."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.domain.delays import ConsentState, NoticeKind
from bot.domain.model import Jurisdiction
from bot.domain.notice_delivery import UndeliveredAlert
from bot.domain.outbox import Delivery
from bot.services.notice_delivery import SettleReport, StaffAlerts, alert_chats, settle_notices
from bot.services.notices import mark_communicated, pending_questions
from bot.services.outbox_status import outbox_status
from bot.services.reachability import customer_reachable
from storage.store import open_store
from tests.delays.timeline import Timeline, on, render
from tests.legacy_sqlite import old_release_file

STAFF_CHATS = (900, 901)


def alert(item: UndeliveredAlert) -> str:
    """A test alert: the order and where the shop is bound now."""
    return f"undelivered {item.notice.order_id} ship by {item.ship_by}"


async def settle(tl: Timeline, chats: tuple[int, ...] = STAFF_CHATS) -> SettleReport:
    """One look at the notices on their way, as the job does each second."""
    return await settle_notices(
        tl.store, now=tl.clock.now(), render=render, alerts=StaffAlerts(chats, alert)
    )


async def send_all(
    tl: Timeline, *, refuse: frozenset[int] = frozenset(), blocked: frozenset[int] = frozenset()
) -> None:
    """Play the dispatcher over what is due: refuse some chats with a 400, find others blocked."""
    rows = await tl.store.due_messages(now=tl.clock.now(), after_id=0, limit=100)
    for row in rows:
        if row.chat_id in blocked:
            await tl.store.mark_chat_unreachable(
                row.chat_id, reason="Forbidden: bot was blocked by the user", at=tl.clock.now()
            )
        elif row.chat_id in refuse:
            await tl.store.mark_failed(row.row_id, attempts=1, error="BadRequest: Chat not found")
        else:
            await tl.store.mark_sent([Delivery(row.row_id, row.row_id)], at=tl.clock.now())


async def two_delayed_orders(
    tl: Timeline, jurisdiction: Jurisdiction | None = Jurisdiction.US
) -> None:
    """ann's two mugs, promised for day 7, now wait for a delivery on day 21; chat 101."""
    await tl.product("mug")
    await tl.po("PO-MUG", "mug", on(21))
    await tl.order("O-1", "ann", "mug", promised=on(7), jurisdiction=jurisdiction)
    await tl.order("O-2", "ann", "mug", promised=on(7), jurisdiction=jurisdiction)
    await tl.link(101, "ann")


async def test_a_digest_refused_whole_is_resent_one_order_at_a_time(timeline: Timeline) -> None:
    await two_delayed_orders(timeline)
    (digest,) = await timeline.day(0)
    assert len(digest.kinds) == 2

    await send_all(timeline, refuse=frozenset({101}))
    report = await settle(timeline)
    alone = await timeline.new_outbox()

    assert report.resent == 2 and report.undelivered == ()
    assert [sent.kinds for sent in alone] == [[("delay_first", "O-1")], [("delay_first", "O-2")]]
    await send_all(timeline)
    assert (await settle(timeline)).delivered == 2
    states = await timeline.store.notice_states(["O-1", "O-2"])
    assert {state.consent for state in states.values()} == {ConsentState.DEEMED}


async def test_refused_alone_too_the_notice_is_undelivered_and_each_staff_chat_alerted_once(
    timeline: Timeline,
) -> None:
    await two_delayed_orders(timeline)
    await timeline.day(0)
    await send_all(timeline, refuse=frozenset({101}))
    await settle(timeline)
    await timeline.new_outbox()
    await send_all(timeline, refuse=frozenset({101}))

    report = await settle(timeline)
    alerts = await timeline.new_outbox()

    assert report.undelivered == ("O-1", "O-2")
    assert sorted((sent.chat_id, sent.text) for sent in alerts) == [
        (900, f"undelivered O-1 ship by {on(7)}"),
        (900, f"undelivered O-2 ship by {on(7)}"),
        (901, f"undelivered O-1 ship by {on(7)}"),
        (901, f"undelivered O-2 ship by {on(7)}"),
    ]
    assert (await settle(timeline)).alerts_queued == 0
    state = (await timeline.store.notice_states(["O-1"]))["O-1"]
    assert (state.consent, state.deadline) == (ConsentState.NONE, on(7))
    assert "notice.undelivered" in await timeline.audit_actions("O-1")


async def test_a_notice_held_for_a_chat_that_blocked_the_bot_is_undelivered_and_never_sent_stale(
    timeline: Timeline,
) -> None:
    await two_delayed_orders(timeline, Jurisdiction.EU)
    await timeline.day(0)
    await send_all(timeline, blocked=frozenset({101}))

    report = await settle(timeline)

    assert report.undelivered == ("O-1", "O-2")
    assert await pending_questions(timeline.store, "ann") == []
    await timeline.store.mark_chat_reachable(101, at=timeline.clock.now())
    due = await timeline.store.due_messages(now=timeline.clock.now(), after_id=0, limit=100)
    assert [row for row in due if row.chat_id == 101] == []
    state = (await timeline.store.notice_states(["O-1"]))["O-1"]
    assert (state.awaiting_answer, state.offered_date) == (False, None)


async def test_an_undelivered_update_is_not_decided_again_until_the_news_changes(
    timeline: Timeline,
) -> None:
    await two_delayed_orders(timeline, None)
    await timeline.day(0)
    await send_all(timeline, refuse=frozenset({101}))
    await settle(timeline)
    await send_all(timeline, refuse=frozenset({101}))
    await settle(timeline)
    await timeline.new_outbox()

    assert await timeline.day(1) == []
    await timeline.po("PO-MUG", "mug", on(35))
    (again,) = await timeline.day(2)

    assert [kind for kind, _ in again.kinds] == [NoticeKind.DELAY_INFO.value] * 2


async def test_with_no_chat_linked_staff_are_alerted_only_where_silence_has_a_legal_effect(
    timeline: Timeline,
) -> None:
    await timeline.product("mug")
    await timeline.po("PO-MUG", "mug", on(21))
    await timeline.order("O-US", "ann", "mug", promised=on(7), jurisdiction=Jurisdiction.US)
    await timeline.order("O-EU", "bob", "mug", promised=on(7), jurisdiction=Jurisdiction.EU)
    await timeline.order("O-ANY", "cy", "mug", promised=on(7), jurisdiction=None)
    assert await timeline.day(0) == []

    report = await settle(timeline)
    alerts = await timeline.new_outbox()

    assert sorted(report.undelivered) == ["O-ANY", "O-EU", "O-US"]
    assert sorted((sent.chat_id, sent.text) for sent in alerts) == [
        (900, f"undelivered O-US ship by {on(7)}"),
        (901, f"undelivered O-US ship by {on(7)}"),
    ]
    states = await timeline.store.notice_states(["O-US", "O-EU", "O-ANY"])
    assert (states["O-US"].consent, states["O-US"].deadline) == (ConsentState.NONE, on(7))
    assert not states["O-EU"].awaiting_answer
    assert states["O-ANY"].communicated_date == on(7)
    assert await timeline.day(1) == []


async def test_a_customer_who_links_a_chat_is_told_the_facts_of_that_day_not_the_stale_notice(
    timeline: Timeline,
) -> None:
    await timeline.product("mug")
    await timeline.po("PO-MUG", "mug", on(21))
    await timeline.order("O-1", "ann", "mug", promised=on(7), jurisdiction=Jurisdiction.US)
    await timeline.day(0)
    await settle(timeline)
    await timeline.new_outbox()
    await timeline.po("PO-MUG", "mug", on(28))
    assert await timeline.day(1) == []
    assert (await settle(timeline)).undelivered == ("O-1",)
    await timeline.new_outbox()

    await timeline.link(101, "ann")
    assert await customer_reachable(timeline.store, "ann", now=timeline.clock.now()) == ("O-1",)
    (digest,) = await timeline.sweep()
    await send_all(timeline)
    await settle(timeline)

    assert (digest.chat_id, digest.kinds) == (101, [("delay_first", "O-1")])
    told = (await timeline.history("O-1"))[-1].notice
    state = (await timeline.store.notice_states(["O-1"]))["O-1"]
    assert (told.previous_date, told.revised_date) == (on(7), state.deadline)
    assert state.consent is ConsentState.DEEMED and state.deadline is not None
    assert state.deadline > on(28)
    assert await customer_reachable(timeline.store, "ann", now=timeline.clock.now()) == ()
    assert await timeline.sweep() == []


async def test_a_notice_an_older_version_kept_as_told_with_no_chat_is_undelivered_after_upgrade(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    # Why: what the version before the notice retry (schema 7) recorded for a delay notice decided
    # on day 0 while no chat was linked: kept as told (deemed consent, 'no_chat'), the state before
    # it saved. Rows as that version wrote them, on its own schema.
    old_release_file(
        path,
        7,
        """
        INSERT INTO products (sku, name, price_minor, currency, on_hand) VALUES
            ('mug', 'Mug', 2500, 'USD', 0);
        INSERT INTO customers (customer_id, name) VALUES ('ann', 'Ann');
        INSERT INTO orders (order_id, customer_id, placed_at, placed_at_utc, currency,
                            promised_ship_date, jurisdiction, version, order_key, link_handle)
            VALUES ('O-1', 'ann', '2027-03-01T10:00:00+00:00', '2027-03-01T10:00:00.000000Z',
                    'USD', '2027-03-08', 'US', 1, 'o-1', 'K-FwS4Yu');
        INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price_minor) VALUES
            ('O-1', 1, 'mug', 1, 2500);
        INSERT INTO purchase_orders (po_id, sku, quantity, expected_date) VALUES
            ('PO-MUG', 'mug', 5, '2027-03-22');
        INSERT INTO line_etas VALUES ('O-1', 1, 'mug', '2027-03-22', '2027-03-23', 'confirmed',
                                      '2027-03-22', NULL, '2027-03-01');
        INSERT INTO notice_state (order_id, deadline, communicated_date, communicated_at, consent,
                                  silence_means, offered_date, updated_at)
            VALUES ('O-1', '2027-03-23', '2027-03-23', '2027-03-01T14:00:00+00:00', 'deemed',
                    'nothing', '2027-03-23', '2027-03-01T14:00:00+00:00');
        INSERT INTO notice_log (id, order_id, customer_id, kind, promised_date, previous_date,
                                revised_date, silence_means, decision_deadline, refund_minor,
                                currency, decided_at, chats, delivery, state_before)
            VALUES (1, 'O-1', 'ann', 'delay_first', '2027-03-08', '2027-03-08', '2027-03-23',
                    'consent', '2027-03-08', 2500, 'USD', '2027-03-01T14:00:00+00:00', 0,
                    'no_chat', '{"deadline": "2027-03-08", "communicated_date": "2027-03-08",
                    "communicated_at": null, "consent": "none", "awaiting_answer": false,
                    "silence_means": "nothing", "decision_deadline": null,
                    "auto_cancel_on": null, "offered_date": null, "ready_notified": false,
                    "auto_cancelled_on": null, "undelivered": null}');
        """,
    )

    upgraded = Timeline(await open_store(path))
    report = await settle(upgraded)
    state = (await upgraded.store.notice_states(["O-1"]))["O-1"]
    await upgraded.store.close()

    assert report.undelivered == ("O-1",)
    assert (state.consent, state.deadline) == (ConsentState.NONE, on(7))


async def test_a_notice_decided_just_before_a_chat_linked_is_decided_again_for_that_chat(
    timeline: Timeline,
) -> None:
    await timeline.product("mug")
    await timeline.po("PO-MUG", "mug", on(21))
    await timeline.order("O-1", "ann", "mug", promised=on(7), jurisdiction=Jurisdiction.US)
    assert await timeline.day(0) == []
    await timeline.link(101, "ann")

    report = await settle(timeline)
    (digest,) = await timeline.new_outbox() + await timeline.sweep()

    assert report.undelivered == ("O-1",) and report.alerts_queued == 0
    assert (digest.chat_id, digest.kinds) == (101, [("delay_first", "O-1")])
    summary = await timeline.store.outbox_summary()
    assert summary.undelivered_notices == ()


def test_alerts_go_to_the_support_chat_else_to_each_staff_member() -> None:
    assert alert_chats(-1001234, frozenset({7, 3})) == (-1001234,)
    assert alert_chats(None, frozenset({7, 3})) == (3, 7)
    assert alert_chats(None, frozenset()) == ()


async def test_news_that_reached_no_chat_is_not_put_before_staff(
    timeline: Timeline, caplog: pytest.LogCaptureFixture
) -> None:
    await timeline.product("mug")
    await timeline.po("PO-MUG", "mug", on(3))
    await timeline.order("O-1", "ann", "mug", promised=on(14), jurisdiction=Jurisdiction.US)
    assert await timeline.day(0) == []
    caplog.set_level(logging.DEBUG)

    report = await settle(timeline)

    assert report.undelivered == ("O-1",) and report.alerts_queued == 0
    settled = [r for r in caplog.records if "was not delivered" in r.getMessage()]
    assert [record.levelno for record in settled] == [logging.DEBUG]
    assert (await outbox_status(timeline.store)).undelivered_notices == ()
    (notice,) = await timeline.history("O-1")
    assert notice.notice.kind is NoticeKind.GOOD_NEWS


async def test_messages_queued_for_a_chat_that_unlinks_never_go_to_it_and_tell_nothing(
    timeline: Timeline,
) -> None:
    await two_delayed_orders(timeline)
    (digest,) = await timeline.day(0)
    assert digest.chat_id == 101

    assert await timeline.store.unlink_chat(101, actor="chat:101", at=timeline.clock.now())
    report = await settle(timeline)

    due = await timeline.store.due_messages(now=timeline.clock.now(), after_id=0, limit=10)
    assert [message.chat_id for message in due if message.chat_id == 101] == []
    assert sorted(report.undelivered) == ["O-1", "O-2"]
    states = await timeline.store.notice_states(["O-1", "O-2"])
    assert {state.consent for state in states.values()} == {ConsentState.NONE}


async def test_an_undelivered_notice_leaves_the_date_the_customer_saw_on_screen_since(
    timeline: Timeline,
) -> None:
    await timeline.product("mug")
    await timeline.po("PO-MUG", "mug", on(21))
    await timeline.order("O-1", "ann", "mug", promised=on(40), jurisdiction=None)
    await timeline.link(101, "ann")
    (sooner,) = await timeline.day(0)
    assert sooner.kinds == [(NoticeKind.GOOD_NEWS.value, "O-1")]
    # Why: the news waits in the outbox; the customer sees its date on the order screen first.
    await mark_communicated(timeline.store, "ann", now=timeline.clock.now())
    await send_all(timeline, refuse=frozenset({101}))
    assert (await settle(timeline)).undelivered == ("O-1",)

    await timeline.po("PO-MUG", "mug", on(28))
    await timeline.day(1)

    last = (await timeline.history("O-1"))[-1].notice
    assert (last.kind, last.previous_date, last.revised_date) == (
        NoticeKind.DELAY_INFO,
        on(22),
        on(29),
    )
