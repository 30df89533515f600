"""The digest a customer receives: every notice kind, in their language, with its buttons."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.actions import NotAllowed
from bot.domain.delays import CancelReason, NoticeKind, cancellation_reason
from bot.domain.model import Jurisdiction
from bot.domain.outbox import Button
from bot.i18n import Catalogs
from bot.services.handles import order_handle
from handlers.notices import make_renderer, outcome_text, parse_answer, render_notices
from tests.notices.builders import DEADLINE, REFUND_DUE, notice


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    """The shipped catalogs."""
    return Catalogs.load()


def labels(buttons: tuple[tuple[Button, ...], ...]) -> list[list[str]]:
    """Button labels row by row."""
    return [[button.text for button in row] for row in buttons]


def test_a_us_delay_within_30_days_gives_both_dates_the_refund_and_what_silence_means(
    catalogs: Catalogs,
) -> None:
    message = render_notices(catalogs.translator("en"), [notice(NoticeKind.DELAY_FIRST)])
    assert "<b>Order 1001 is delayed</b>" in message.text
    assert "Jan 15, 2027" in message.text and "Feb 3, 2027" in message.text
    assert "full refund of €149.00" in message.text
    assert "you don't need to reply: we'll keep your order for the new date." in message.text
    assert "You can cancel at any time until the order ships." in message.text
    assert "by Feb 3, 2027, we" not in message.text
    assert labels(message.buttons) == [["Keep waiting", "Cancel for a full refund"]]
    assert [[b.callback_data for b in row] for row in message.buttons] == [
        [f"dw:{order_handle('1001')}:3", f"dx:{order_handle('1001')}:3"]
    ]


def test_the_same_delay_reads_in_german_with_german_dates_and_money(catalogs: Catalogs) -> None:
    message = render_notices(catalogs.translator("de"), [notice(NoticeKind.DELAY_FIRST)])
    assert "<b>Bestellung 1001 verzögert sich</b>" in message.text
    assert "15.01.2027" in message.text and "03.02.2027" in message.text
    assert "149,00\xa0€" in message.text
    assert "müssen Sie nicht antworten" in message.text
    ((keep, cancel),) = labels(message.buttons)
    assert keep == "Weiter warten" and cancel.startswith("Stornieren")


def test_a_delay_without_a_date_says_so_and_warns_of_the_automatic_cancellation(
    catalogs: Catalogs,
) -> None:
    late = notice(
        NoticeKind.DELAY_FIRST,
        revised_date=None,
        silence_means="cancel",
        decision_deadline=date(2027, 2, 14),
        auto_cancel_on=date(2027, 2, 15),
    )
    for language, no_date, cancel in [
        ("en", "our supplier has not given us a delivery date yet", "we will cancel it on"),
        ("fr", "notre fournisseur ne nous a pas encore donné", "nous l’annulerons le"),
    ]:
        text = render_notices(catalogs.translator(language), [late]).text
        assert no_date in text
        assert cancel in text
    en = render_notices(catalogs.translator("en"), [late]).text
    assert "tell us by Feb 14, 2027 that you agree to wait" in en
    assert "we will cancel it on Feb 15, 2027" in en


def test_a_renewed_delay_starts_from_the_date_the_customer_agreed_to(catalogs: Catalogs) -> None:
    renewed = notice(
        NoticeKind.DELAY_RENEWED,
        previous_date=date(2027, 2, 3),
        revised_date=date(2027, 3, 1),
        silence_means="cancel",
        decision_deadline=date(2027, 2, 3),
        auto_cancel_on=date(2027, 2, 4),
    )
    text = render_notices(catalogs.translator("en"), [renewed]).text
    assert "<b>Order 1001 is delayed again</b>" in text
    assert "by Feb 3, 2027; the new estimated ship date is Mar 1, 2027" in text
    assert "we will cancel it on Feb 4, 2027" in text


def test_an_eu_delay_asks_to_agree_or_cancel_and_gives_the_refund_date(catalogs: Catalogs) -> None:
    eu = notice(
        NoticeKind.DELAY_CONSENT_REQUEST,
        jurisdiction=Jurisdiction.EU,
        silence_means="nothing",
        decision_deadline=DEADLINE,
        refund_due=REFUND_DUE,
    )
    en = render_notices(catalogs.translator("en"), [eu])
    assert "tell us by Feb 14, 2027 whether you agree to the new date" in en.text
    assert "paid by Feb 24, 2027 at the latest" in en.text
    assert "until the order ships" in en.text
    assert labels(en.buttons) == [["Keep waiting", "Cancel for a full refund"]]
    es = render_notices(catalogs.translator("es"), [eu])
    assert "14 feb 2027" in es.text and "149,00\xa0€" in es.text


def test_an_informative_delay_offers_only_the_cancel_button(catalogs: Catalogs) -> None:
    info = notice(NoticeKind.DELAY_INFO, jurisdiction=None, silence_means="nothing")
    message = render_notices(catalogs.translator("en"), [info])
    assert "Feb 3, 2027" in message.text and "cancel at any time" in message.text
    assert labels(message.buttons) == [["Cancel for a full refund"]]


@pytest.mark.parametrize(
    ("kind", "english", "russian"),
    [
        (
            NoticeKind.GOOD_NEWS,
            "Good news: order 1001 will ship sooner, on Feb 3, 2027.",
            "3 февр. 2027",
        ),
        (NoticeKind.READY_TO_SHIP, "is in stock; it ships on Feb 3, 2027.", "3 февр. 2027"),
    ],
)
def test_good_news_and_ready_to_ship_are_short_and_ask_nothing(
    catalogs: Catalogs, kind: NoticeKind, english: str, russian: str
) -> None:
    message = render_notices(catalogs.translator("en"), [notice(kind)])
    assert english in message.text
    assert message.buttons == ()
    assert russian in render_notices(catalogs.translator("ru"), [notice(kind)]).text


def test_an_automatic_cancellation_states_the_refund_and_when_it_is_paid(
    catalogs: Catalogs,
) -> None:
    cancelled = notice(
        NoticeKind.AUTO_CANCELLED, refund_due=REFUND_DUE, refund_minor=4999, currency="USD"
    )
    en = render_notices(catalogs.translator("en"), [cancelled])
    assert "<b>Order 1001 is cancelled</b>" in en.text
    assert "full refund of $49.99 by Feb 24, 2027" in en.text
    assert en.buttons == ()
    assert "49,99\xa0$" in render_notices(catalogs.translator("de"), [cancelled]).text


def test_a_cancellation_says_why_for_want_of_an_answer_or_of_a_notice_in_time(
    catalogs: Catalogs,
) -> None:
    unanswered = notice(
        NoticeKind.AUTO_CANCELLED, silence_means="cancel", decision_deadline=DEADLINE
    )
    unwarned = notice(NoticeKind.AUTO_CANCELLED, silence_means="nothing", decision_deadline=None)
    assert cancellation_reason(unanswered) is CancelReason.NO_ANSWER
    assert cancellation_reason(unwarned) is CancelReason.NO_VALID_NOTICE

    asked = render_notices(catalogs.translator("en"), [unanswered]).text
    never_told = render_notices(catalogs.translator("en"), [unwarned]).text

    assert "so we cancelled it as we told you" in asked
    assert "as we told you" not in never_told
    assert "did not tell you of a delay in time, so we cancelled it" in never_told
    assert "full refund of €149.00" in never_told
    german = render_notices(catalogs.translator("de"), [unwarned]).text
    assert "wie angekündigt" not in german and "nicht rechtzeitig mitgeteilt" in german


def test_a_press_after_the_last_day_to_answer_says_the_order_will_be_cancelled(
    catalogs: Catalogs,
) -> None:
    late = NotAllowed("1001", "answer_late")

    english = outcome_text(catalogs.translator("en"), late, order_id="1001", keep_waiting=True)

    assert english == (
        "The last day to answer about order 1001 has passed, so it will be cancelled and "
        "refunded in full."
    )


def test_several_orders_come_in_one_digest_with_a_choice_per_order(catalogs: Catalogs) -> None:
    digest = [
        notice(NoticeKind.DELAY_FIRST, "1001"),
        notice(NoticeKind.GOOD_NEWS, "1002"),
        notice(NoticeKind.DELAY_FIRST, "1003"),
    ]
    message = render_notices(catalogs.translator("en"), digest)
    assert message.text.startswith("<b>3 updates on your orders</b>")
    assert all(order in message.text for order in ("1001", "1002", "1003"))
    assert labels(message.buttons) == [
        ["Order 1001: keep waiting", "Order 1001: cancel for a full refund"],
        ["Order 1003: keep waiting", "Order 1003: cancel for a full refund"],
    ]
    russian = render_notices(catalogs.translator("ru"), digest[:2]).text
    assert russian.startswith("<b>2 новости о ваших заказах</b>")


def test_order_numbers_are_escaped_in_the_text_and_kept_in_the_buttons(catalogs: Catalogs) -> None:
    message = render_notices(catalogs.translator("en"), [notice(NoticeKind.DELAY_FIRST, "A<1>&B")])
    assert "Order A&lt;1&gt;&amp;B is delayed" in message.text
    assert message.buttons[0][0].callback_data == f"dw:{order_handle('A<1>&B')}:3"


def test_the_renderer_of_the_sweep_picks_the_customers_language(catalogs: Catalogs) -> None:
    render = make_renderer(catalogs)
    assert "verzögert" in render("de", [notice(NoticeKind.DELAY_FIRST)]).text
    assert "is delayed" in render("pt-BR", [notice(NoticeKind.DELAY_FIRST)]).text


@pytest.mark.parametrize(
    ("data", "parsed"),
    [
        (f"dw:{order_handle('1001')}:3", (True, order_handle("1001"), 3)),
        ("dx:A:B:12", (False, "A:B", 12)),
        (f"dw:{order_handle('1001')}:x", None),
        ("dw::3", None),
        ("dz:1001:3", None),
    ],
)
def test_button_data_is_parsed_strictly(data: str, parsed: tuple[bool, str, int] | None) -> None:
    assert parse_answer(data) == parsed
