"""Every message fits Telegram's limits: digests paged by order, a giant notice cut by lines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.delays import NoticeKind
from bot.domain.fitting import BUTTON_LIMIT, MESSAGE_LIMIT, fits, split_lines, visible_length
from bot.domain.model import Jurisdiction
from bot.domain.notice_delivery import UndeliveredAlert
from bot.i18n import SHIPPED_LANGUAGES, Catalogs
from bot.services.notices import fitted
from handlers.notice_alerts import alert_text
from handlers.notices import make_renderer
from tests.notices.builders import REFUND_DUE, notice

NO_DOTENV = Path("/nonexistent/.env")


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    """The shipped catalogs."""
    return Catalogs.load()


def test_telegram_counts_the_text_after_html_parsing_in_utf16_units() -> None:
    assert visible_length("<b>Order &lt;1&gt;</b> is late") == len("Order <1> is late")
    assert visible_length("🪑") == 2
    assert fits("x" * MESSAGE_LIMIT, BUTTON_LIMIT)
    assert not fits("x" * (MESSAGE_LIMIT + 1), 0)
    assert not fits("x", BUTTON_LIMIT + 1)


def test_a_digest_of_sixty_delays_is_paged_by_order_within_text_and_button_limits(
    catalogs: Catalogs,
) -> None:
    notices = [notice(NoticeKind.DELAY_FIRST, str(9100 + n)) for n in range(60)]

    pages = fitted(make_renderer(catalogs), "ru", notices)

    assert len(pages) > 1
    for rendered, _ in pages:
        assert fits(rendered.text, sum(len(row) for row in rendered.buttons))
    assert [order for _, orders in pages for order in orders] == [n.order_id for n in notices]
    assert sum(len(rendered.buttons) for rendered, _ in pages) == 60


def test_one_notice_longer_than_a_message_is_cut_with_its_buttons_under_the_last_piece(
    catalogs: Catalogs,
) -> None:
    giant = notice(NoticeKind.DELAY_FIRST, "X" * 5000)

    pages = fitted(make_renderer(catalogs), "en", [giant])

    assert len(pages) > 1
    assert all(visible_length(rendered.text) <= MESSAGE_LIMIT for rendered, _ in pages)
    assert [bool(rendered.buttons) for rendered, _ in pages] == [False] * (len(pages) - 1) + [True]
    assert split_lines("a\nb") == ["a\nb"]


def test_the_support_chat_id_is_read_from_the_environment() -> None:
    settings = load_settings({"BACKORDER_SUPPORT_CHAT_ID": "-1001234567890"}, dotenv=NO_DOTENV)

    assert settings.support_chat_id == -1001234567890
    assert load_settings({}, dotenv=NO_DOTENV).support_chat_id is None
    with pytest.raises(ConfigError, match="BACKORDER_SUPPORT_CHAT_ID"):
        load_settings({"BACKORDER_SUPPORT_CHAT_ID": "@support"}, dotenv=NO_DOTENV)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
@pytest.mark.parametrize(
    ("kind", "jurisdiction", "ship_by"),
    [
        (NoticeKind.DELAY_FIRST, Jurisdiction.US, date(2027, 1, 15)),
        (NoticeKind.DELAY_RENEWED, Jurisdiction.US, None),
        (NoticeKind.DELAY_CONSENT_REQUEST, Jurisdiction.EU, date(2027, 1, 15)),
        (NoticeKind.AUTO_CANCELLED, Jurisdiction.US, None),
        (NoticeKind.GOOD_NEWS, None, None),
    ],
)
def test_a_staff_alert_names_the_order_and_what_the_law_now_requires_in_every_language(
    catalogs: Catalogs,
    language: str,
    kind: NoticeKind,
    jurisdiction: Jurisdiction | None,
    ship_by: date | None,
) -> None:
    failed = notice(kind, "9100", jurisdiction=jurisdiction, refund_due=REFUND_DUE)
    t = catalogs.translator(language)

    text = alert_text(t, UndeliveredAlert(failed, None, "C-9", "Forbidden: blocked", ship_by))

    assert "9100" in text and "C-9" in text and "Forbidden: blocked" in text
    assert "{" not in text
    if kind is NoticeKind.DELAY_FIRST and ship_by is not None:
        assert t.date(ship_by) in text
    if kind is NoticeKind.AUTO_CANCELLED:
        assert t.date(REFUND_DUE) in text
