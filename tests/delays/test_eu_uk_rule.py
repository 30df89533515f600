"""EU and UK: every missed date asks for agreement; no deemed consent, no automatic cancellation."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.delays import ConsentState, NoticeKind, accept_delay
from bot.domain.model import Jurisdiction
from tests.delays.rules import facts, later, run

TODAY = date(2027, 2, 15)
REGIMES = [Jurisdiction.EU, Jurisdiction.UK]


@pytest.mark.parametrize("jurisdiction", REGIMES)
def test_a_missed_date_asks_the_customer_to_agree_or_cancel(jurisdiction: Jurisdiction) -> None:
    decision = run(facts(date(2027, 3, 22), jurisdiction=jurisdiction), None, TODAY)

    (notice,) = decision.notices
    assert notice.kind == NoticeKind.DELAY_CONSENT_REQUEST
    assert notice.revised_date == date(2027, 3, 22)
    assert notice.silence_means == "nothing"
    assert notice.auto_cancel_on is None
    assert decision.state.consent == ConsentState.NONE


@pytest.mark.parametrize("jurisdiction", REGIMES)
def test_silence_never_cancels_and_is_never_taken_as_consent(jurisdiction: Jurisdiction) -> None:
    order = facts(None, jurisdiction=jurisdiction)
    asked = run(order, None, TODAY).state

    much_later = run(order, asked, date(2027, 6, 30))

    assert much_later.cancel is None
    assert much_later.notices == ()
    assert much_later.state.consent == ConsentState.NONE


@pytest.mark.parametrize("jurisdiction", REGIMES)
def test_every_further_slip_asks_again(jurisdiction: Jurisdiction) -> None:
    order = facts(date(2027, 3, 22), jurisdiction=jurisdiction)
    asked = run(order, None, TODAY).state

    same = run(order, asked, TODAY)
    slipped = run(later(order, date(2027, 4, 5)), asked, TODAY)

    assert same.notices == ()
    assert [notice.kind for notice in slipped.notices] == [NoticeKind.DELAY_CONSENT_REQUEST]


@pytest.mark.parametrize("jurisdiction", REGIMES)
def test_missing_an_agreed_date_asks_again(jurisdiction: Jurisdiction) -> None:
    order = facts(date(2027, 3, 22), jurisdiction=jurisdiction)
    agreed = accept_delay(run(order, None, TODAY).state)
    assert agreed is not None and agreed.deadline == date(2027, 3, 22)

    decision = run(later(order, date(2027, 3, 29)), agreed, date(2027, 3, 1))

    (notice,) = decision.notices
    assert notice.kind == NoticeKind.DELAY_CONSENT_REQUEST
    assert notice.previous_date == date(2027, 3, 22)
