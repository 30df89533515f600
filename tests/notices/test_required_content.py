"""What each notice must say under its jurisdiction's rule, rendered from the policy's decisions."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.actions import Done
from bot.domain.delays import Notice, NoticeKind, accept_delay
from bot.domain.model import Jurisdiction
from bot.i18n import SHIPPED_LANGUAGES, Catalogs
from bot.services.notices import KeptWaiting
from handlers.notices import outcome_text, render_notices
from tests.delays.rules import facts, later, run

T = date(2026, 12, 14)
BEFORE_T = date(2026, 12, 1)


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    """The shipped catalogs."""
    return Catalogs.load()


def first_notice(estimate: date | None, jurisdiction: Jurisdiction) -> Notice:
    """The policy's first notice for an order promised for T whose estimate became `estimate`."""
    (notice,) = run(facts(estimate, jurisdiction=jurisdiction, promised=T), None, BEFORE_T).notices
    return notice


def english(catalogs: Catalogs, notice: Notice) -> str:
    """The notice as an English-speaking customer reads it."""
    return render_notices(catalogs.translator("en"), [notice]).text


def test_a_us_first_notice_within_30_days_says_silence_keeps_the_order_and_cancel_lasts() -> None:
    notice = first_notice(date(2026, 12, 28), Jurisdiction.US)
    text = english(Catalogs.load(), notice)

    assert notice.kind is NoticeKind.DELAY_FIRST
    assert "Dec 14, 2026" in text and "Dec 28, 2026" in text
    assert "you don't need to reply: we'll keep your order for the new date." in text
    assert "You can cancel at any time until the order ships." in text
    assert "full refund of $25.00" in text
    assert "If we don't hear from you by Dec 14" not in text


def test_a_us_first_notice_beyond_30_days_names_the_answer_day_and_the_cancel_day(
    catalogs: Catalogs,
) -> None:
    text = english(catalogs, first_notice(date(2027, 1, 14), Jurisdiction.US))

    assert "the new estimated ship date is Jan 14, 2027" in text
    assert "tell us by Jan 13, 2027 that you agree to wait" in text
    assert "we will cancel it on Jan 14, 2027 and refund you in full" in text
    assert "you can still cancel at any time until the order ships" in text


def test_a_us_first_notice_without_a_date_gives_the_reason_and_the_lasting_right_to_cancel(
    catalogs: Catalogs,
) -> None:
    text = english(catalogs, first_notice(None, Jurisdiction.US))

    assert "our supplier has not given us a delivery date yet" in text
    assert "we cannot say how long the delay will be" in text
    assert "If you agree to wait, you can still cancel at any time until the order ships." in text
    assert "tell us by Jan 13, 2027" in text and "cancel it on Jan 14, 2027" in text


def test_a_us_renewed_notice_names_the_agreed_date_as_the_answer_day(catalogs: Catalogs) -> None:
    order = facts(date(2026, 12, 28), promised=T)
    agreed = accept_delay(run(order, None, BEFORE_T).state)
    assert agreed is not None
    (notice,) = run(later(order, date(2027, 1, 20)), agreed, date(2026, 12, 20)).notices
    text = english(catalogs, notice)

    assert notice.kind is NoticeKind.DELAY_RENEWED
    assert "is delayed again" in text
    assert "by Dec 28, 2026; the new estimated ship date is Jan 20, 2027" in text
    assert "tell us by Dec 28, 2026 that you agree to wait" in text
    assert "we will cancel it on Dec 29, 2026" in text


@pytest.mark.parametrize("jurisdiction", [Jurisdiction.EU, Jurisdiction.UK])
def test_an_eu_or_uk_notice_asks_for_agreement_and_keeps_cancelling_open(
    catalogs: Catalogs, jurisdiction: Jurisdiction
) -> None:
    dated = english(catalogs, first_notice(date(2027, 1, 14), jurisdiction))
    undated = english(catalogs, first_notice(None, jurisdiction))

    assert "whether you agree to the new date or would rather cancel" in dated
    assert "You can cancel at any time until the order ships." in dated
    assert "whether you agree to wait or would rather cancel" in undated
    assert "new date" not in undated


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
@pytest.mark.parametrize("estimate", [date(2026, 12, 28), date(2027, 1, 14), None])
def test_every_us_first_notice_is_complete_in_every_shipped_language(
    catalogs: Catalogs, language: str, estimate: date | None
) -> None:
    notice = first_notice(estimate, Jurisdiction.US)
    t = catalogs.translator(language)
    text = render_notices(t, [notice]).text

    assert "{" not in text
    if estimate is not None:
        assert t.date(estimate) in text
    if notice.auto_cancel_on is not None:
        assert t.date(notice.auto_cancel_on) in text


def test_agreeing_to_wait_without_a_date_is_not_thanked_for_a_new_date(catalogs: Catalogs) -> None:
    t = catalogs.translator("en")
    undated = outcome_text(
        t, KeptWaiting("1001", 0, "USD", None, None), order_id="1001", keep_waiting=True
    )
    dated = outcome_text(
        t,
        KeptWaiting("1001", 0, "USD", None, date(2027, 1, 14)),
        order_id="1001",
        keep_waiting=True,
    )

    assert "new date" not in undated
    assert "as soon as we have a date" in undated
    assert "with the new date, Jan 14, 2027" in dated
    assert isinstance(KeptWaiting("1001", 0, "USD", None), Done)
