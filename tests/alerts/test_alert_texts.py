"""What an alert about a blocked customer says happens at the deadline, by the order's law."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.domain.alerts import BlockedQuestion
from bot.i18n import Catalogs
from handlers.staff.alert_texts import AlertTexts


def question(silence_means: str, jurisdiction: str) -> BlockedQuestion:
    return BlockedQuestion(
        customer_id="C-1",
        customer_name="Pat <Lee>",
        order_id="1042",
        jurisdiction=jurisdiction,
        silence_means=silence_means,
        decision_deadline=date(2027, 1, 17),
        auto_cancel_on=date(2027, 1, 18),
        asked="2026-12-02T09:00:00+00:00",
    )


def test_a_us_question_says_the_bot_cancels_with_a_full_refund_the_day_after_the_deadline(
    catalogs: Catalogs,
) -> None:
    text = AlertTexts(catalogs.translator("en")).blocked_question(question("cancel", "US")).text
    assert "16 CFR 435.2" in text
    assert "without their answer by Jan 17, 2027, the bot cancels the order on Jan 18, 2027" in (
        text.replace("\u202f", " ").replace("\xa0", " ")
    )
    assert "Pat &lt;Lee&gt;" in text


def test_an_eu_question_says_nothing_is_cancelled_automatically_in_german(
    catalogs: Catalogs,
) -> None:
    text = AlertTexts(catalogs.translator("de")).blocked_question(question("nothing", "EU")).text
    assert "nicht automatisch storniert" in text
    assert "17.01.2027" in text


def test_a_blocked_customer_s_email_and_phone_are_shown_escaped_or_their_absence_said(
    catalogs: Catalogs,
) -> None:
    texts = AlertTexts(catalogs.translator("en"))
    known = replace(question("nothing", "EU"), email="pat<lee>@example.com", phone="+1 555 0100")
    text = texts.blocked_question(known).text
    assert "contact them another way." in text
    assert "Email: pat&lt;lee&gt;@example.com\nPhone: +1 555 0100" in text
    unknown = texts.blocked_question(question("nothing", "EU")).text
    assert "the shop's data has no email or phone for them." in unknown
    assert "Email:" not in unknown
