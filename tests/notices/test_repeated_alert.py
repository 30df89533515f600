"""Which undelivered notice is worth a second alert about the same order (one unit's logic)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.domain.delays import Notice, NoticeKind
from bot.domain.model import Jurisdiction
from bot.domain.notice_delivery import NO_CHAT, UndeliveredAlert, alerted, repeats

NOTICE = Notice(
    kind=NoticeKind.DELAY_FIRST,
    order_id="1042",
    jurisdiction=Jurisdiction.US,
    promised_date=date(2026, 12, 18),
    previous_date=date(2026, 12, 18),
    revised_date=date(2026, 12, 29),
    silence_means="nothing",
    decision_deadline=None,
    auto_cancel_on=None,
    refund_minor=14900,
    currency="EUR",
    refund_due=None,
    order_version=1,
)
ALERT = UndeliveredAlert(NOTICE, None, "C-1", NO_CHAT, ship_by=date(2026, 12, 18), no_chat=True)


def test_a_later_notice_with_only_a_new_estimate_repeats_the_alert_staff_had() -> None:
    later = replace(ALERT, notice=replace(NOTICE, revised_date=date(2027, 1, 5), order_version=2))
    assert repeats(later, alerted(ALERT))


def test_a_new_ship_by_date_refund_or_reason_is_alerted_again() -> None:
    previous = alerted(ALERT)
    assert not repeats(replace(ALERT, ship_by=date(2026, 12, 29)), previous)
    assert not repeats(replace(ALERT, notice=replace(NOTICE, refund_minor=29800)), previous)
    assert not repeats(
        replace(ALERT, error="Forbidden: bot was blocked by the user", no_chat=False), previous
    )
    assert not repeats(
        replace(ALERT, notice=replace(NOTICE, kind=NoticeKind.AUTO_CANCELLED)), previous
    )


def test_the_first_alert_about_an_order_is_never_a_repeat() -> None:
    assert not repeats(ALERT, None)
