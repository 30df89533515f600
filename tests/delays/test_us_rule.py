"""US (FTC 16 CFR 435): first notice before T, deemed consent, renewed notices, cancellations."""

from __future__ import annotations

from datetime import date

from bot.domain.delays import (
    CancelReason,
    ConsentState,
    NoticeKind,
    accept_delay,
    answer_too_late,
    cancellation_reason,
    communicate,
    decide,
    initial_state,
    undelivered,
)
from tests.delays.rules import CALENDAR, T, facts, later, run

BEFORE_T = date(2027, 2, 24)


def test_an_order_that_will_ship_on_its_promised_date_gets_no_message() -> None:
    decision = run(facts(T), None, BEFORE_T)

    assert decision.notices == ()
    assert decision.cancel is None
    assert decision.state.deadline == T


def test_a_slip_within_30_days_sends_a_first_notice_where_silence_means_consent() -> None:
    decision = run(facts(date(2027, 3, 15)), None, BEFORE_T)

    (notice,) = decision.notices
    assert notice.kind == NoticeKind.DELAY_FIRST
    assert (notice.promised_date, notice.revised_date) == (T, date(2027, 3, 15))
    assert notice.silence_means == "consent"
    assert notice.decision_deadline == T
    assert notice.auto_cancel_on is None
    assert (notice.refund_minor, notice.currency, notice.order_version) == (2500, "USD", 3)
    assert decision.state.consent == ConsentState.DEEMED
    assert decision.state.deadline == date(2027, 3, 15)


def test_a_first_notice_measures_the_delay_from_the_promise_not_a_date_seen_on_screen() -> None:
    # The customer opened their order and saw the new estimate before the sweep decided the
    # notice (a chat linked after an undelivered notice does exactly this).
    seen = communicate(initial_state(facts(date(2027, 3, 15)), BEFORE_T), date(2027, 3, 15), None)

    (notice,) = run(facts(date(2027, 3, 15)), seen, BEFORE_T).notices

    assert notice.kind == NoticeKind.DELAY_FIRST
    assert (notice.previous_date, notice.revised_date) == (T, date(2027, 3, 15))


def test_a_slip_beyond_30_days_asks_for_an_answer_by_t_plus_30_and_cancels_the_day_after() -> None:
    decision = run(facts(date(2027, 4, 2)), None, BEFORE_T)

    (notice,) = decision.notices
    assert notice.kind == NoticeKind.DELAY_FIRST
    assert notice.silence_means == "cancel"
    assert notice.decision_deadline == date(2027, 3, 31)
    assert notice.auto_cancel_on == date(2027, 4, 1)


def test_no_date_at_all_is_treated_like_a_slip_beyond_30_days() -> None:
    decision = run(facts(None), None, BEFORE_T)

    (notice,) = decision.notices
    assert notice.revised_date is None
    assert notice.silence_means == "cancel"
    assert notice.auto_cancel_on == date(2027, 4, 1)


def test_silence_through_t_plus_30_cancels_the_day_after_with_a_refund_in_7_business_days() -> None:
    order = facts(None)
    noticed = run(order, None, BEFORE_T).state

    assert run(order, noticed, date(2027, 3, 31)).cancel is None
    decision = run(order, noticed, date(2027, 4, 1))

    assert decision.cancel == CancelReason.NO_ANSWER
    (notice,) = decision.notices
    assert notice.kind == NoticeKind.AUTO_CANCELLED
    assert notice.refund_due == date(2027, 4, 12)
    assert notice.refund_minor == 2500


def test_a_customer_who_agreed_to_wait_indefinitely_is_never_cancelled() -> None:
    order = facts(None)
    agreed = accept_delay(run(order, None, BEFORE_T).state)

    assert agreed is not None
    assert agreed.consent == ConsentState.INDEFINITE
    assert run(order, agreed, date(2027, 5, 30)).cancel is None
    assert run(order, agreed, date(2027, 5, 30)).notices == ()


def test_agreeing_to_a_date_makes_it_the_new_deadline() -> None:
    order = facts(date(2027, 4, 12))
    agreed = accept_delay(run(order, None, BEFORE_T).state)

    assert agreed is not None
    assert (agreed.consent, agreed.deadline) == (ConsentState.CONSENTED, date(2027, 4, 12))
    assert run(order, agreed, date(2027, 3, 31)).cancel is None


def test_missing_an_agreed_date_sends_a_renewed_notice_where_silence_means_cancel_at_r() -> None:
    order = facts(date(2027, 3, 15))
    deemed = run(order, None, BEFORE_T).state

    decision = run(later(order, date(2027, 3, 29)), deemed, date(2027, 3, 8))

    (notice,) = decision.notices
    assert notice.kind == NoticeKind.DELAY_RENEWED
    assert (notice.previous_date, notice.revised_date) == (date(2027, 3, 15), date(2027, 3, 29))
    assert notice.silence_means == "cancel"
    assert notice.decision_deadline == date(2027, 3, 15)
    assert notice.auto_cancel_on == date(2027, 3, 16)
    on_r = run(later(order, date(2027, 3, 29)), decision.state, date(2027, 3, 15))
    assert on_r.cancel is None
    cancelled = run(later(order, date(2027, 3, 29)), decision.state, date(2027, 3, 16))
    assert cancelled.cancel == CancelReason.NO_ANSWER
    (told,) = cancelled.notices
    assert cancellation_reason(told) is CancelReason.NO_ANSWER
    assert told.decision_deadline == date(2027, 3, 15)
    # Not carried out yet (the cancel path failed): the next sweep keeps the reason.
    again = run(later(order, date(2027, 3, 29)), cancelled.state, date(2027, 3, 17))
    assert (again.cancel, again.notices) == (CancelReason.NO_ANSWER, ())


def test_the_last_day_to_answer_is_judged_on_the_customers_date() -> None:
    order = facts(date(2027, 3, 15))
    deemed = run(order, None, BEFORE_T).state
    asked = run(later(order, date(2027, 3, 29)), deemed, date(2027, 3, 8)).state
    slipped = later(order, date(2027, 3, 29))

    def on(shop: date, customer: date) -> CancelReason | None:
        return decide(
            slipped,
            asked,
            today=shop,
            calendar=CALENDAR,
            refund_days=14,
            answer_day=customer,
        ).cancel

    # The shop is past midnight; the customer, west of it, is still on the last day.
    assert on(date(2027, 3, 16), date(2027, 3, 15)) is None
    assert on(date(2027, 3, 16), date(2027, 3, 16)) is CancelReason.NO_ANSWER
    # A customer east of the shop is past their last day first.
    assert on(date(2027, 3, 15), date(2027, 3, 16)) is CancelReason.NO_ANSWER
    assert not answer_too_late(asked, date(2027, 3, 15))
    assert answer_too_late(asked, date(2027, 3, 16))


def test_t_passing_without_a_valid_notice_counts_as_cancelled() -> None:
    on_time = run(facts(T), None, BEFORE_T).state

    decision = run(facts(date(2027, 3, 4)), on_time, date(2027, 3, 2))

    assert decision.cancel == CancelReason.NO_VALID_NOTICE
    assert [notice.kind for notice in decision.notices] == [NoticeKind.AUTO_CANCELLED]
    assert cancellation_reason(decision.notices[0]) is CancelReason.NO_VALID_NOTICE
    assert run(facts(date(2027, 3, 4)), decision.state, date(2027, 3, 3)).cancel == (
        CancelReason.NO_VALID_NOTICE
    )


def test_an_order_first_seen_after_its_promise_gets_its_first_notice_now() -> None:
    decision = run(facts(date(2027, 3, 15)), None, date(2027, 3, 8))

    assert decision.cancel is None
    (notice,) = decision.notices
    assert (notice.kind, notice.silence_means) == (NoticeKind.DELAY_FIRST, "consent")
    assert notice.decision_deadline == date(2027, 3, 8)


def test_a_date_back_within_the_promise_withdraws_the_pending_cancellation() -> None:
    order = facts(None)
    noticed = run(order, None, BEFORE_T).state

    decision = run(later(order, date(2027, 2, 26)), noticed, date(2027, 2, 25))

    assert [notice.kind for notice in decision.notices] == [NoticeKind.GOOD_NEWS]
    assert decision.state.auto_cancel_on is None
    assert run(later(order, date(2027, 2, 26)), decision.state, date(2027, 2, 26)).cancel is None


def test_a_cancellation_decided_earlier_is_retried_without_a_second_notice() -> None:
    order = facts(None)
    noticed = run(order, None, BEFORE_T).state
    cancelled = run(order, noticed, date(2027, 4, 1)).state

    retry = run(order, cancelled, date(2027, 4, 2))

    assert retry.cancel is not None
    assert retry.notices == ()


# The FTC's Business Guide, read to the day: T = 14 Dec, a revised date 31 days later.
DEC_14 = date(2026, 12, 14)


def test_an_answer_on_the_thirtieth_day_keeps_the_order_and_silence_cancels_on_the_31st() -> None:
    order = facts(date(2027, 1, 14), promised=DEC_14)
    noticed = run(order, None, date(2026, 12, 1)).state
    assert (noticed.decision_deadline, noticed.auto_cancel_on) == (
        date(2027, 1, 13),
        date(2027, 1, 14),
    )

    assert run(order, noticed, date(2027, 1, 13)).cancel is None
    agreed = accept_delay(noticed)
    assert agreed is not None and agreed.consent == ConsentState.CONSENTED
    assert run(order, noticed, date(2027, 1, 14)).cancel == CancelReason.NO_ANSWER


def test_a_renewed_notice_on_an_agreed_date_of_28_dec_cancels_on_29_dec() -> None:
    order = facts(date(2026, 12, 28), promised=DEC_14)
    agreed = accept_delay(run(order, None, date(2026, 12, 1)).state)
    assert agreed is not None and agreed.deadline == date(2026, 12, 28)

    renewed = run(later(order, date(2027, 1, 20)), agreed, date(2026, 12, 20))

    (notice,) = renewed.notices
    assert notice.kind == NoticeKind.DELAY_RENEWED
    assert (notice.decision_deadline, notice.auto_cancel_on) == (
        date(2026, 12, 28),
        date(2026, 12, 29),
    )
    slipped = later(order, date(2027, 1, 20))
    assert run(slipped, renewed.state, date(2026, 12, 28)).cancel is None
    assert run(slipped, renewed.state, date(2026, 12, 29)).cancel == CancelReason.NO_ANSWER


def test_an_undelivered_first_notice_leaves_t_binding_and_is_not_decided_again() -> None:
    order = facts(date(2027, 3, 15))
    before = run(order, None, BEFORE_T)
    (notice,) = before.notices
    gone = undelivered(initial_state(order, BEFORE_T), notice)

    again = run(order, gone, date(2027, 2, 25))
    moved = run(later(order, date(2027, 3, 22)), gone, date(2027, 2, 25))

    assert (again.notices, again.state) == ((), gone)
    assert (gone.consent, gone.deadline) == (ConsentState.NONE, T)
    assert [n.kind for n in moved.notices] == [NoticeKind.DELAY_FIRST]
    assert moved.state.undelivered is None
    assert run(order, gone, date(2027, 3, 2)).cancel == CancelReason.NO_VALID_NOTICE
