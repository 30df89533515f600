"""The one-line summary of a staff change reads the same in the chat and the shell."""

from __future__ import annotations

from bot.domain.delays import NoticeKind
from bot.i18n import Catalogs
from bot.services import supply_text
from bot.services.supply_impact import Impact
from handlers.staff.texts import impact_text

MIXED = Impact(customers=4, orders=5, earlier=5, now_ready=5)


def test_orders_that_moved_earlier_and_became_ready_are_counted_once_in_the_chat() -> None:
    t = Catalogs.load().translator("en")
    assert impact_text(t, MIXED).startswith("4 customers, 5 orders: 5 earlier, 5 now ready;")
    assert supply_text.impact_text(MIXED).startswith(
        "4 customers, 5 orders (5 earlier, 5 now ready);"
    )


def test_orders_that_all_moved_one_way_read_as_before_in_the_chat() -> None:
    t = Catalogs.load().translator("en")
    later = Impact(customers=3, orders=3, later=3, notices={NoticeKind.DELAY_FIRST: 3})
    assert impact_text(t, later) == "3 customers, 3 orders later; 3 delay notices queued"


def test_every_language_words_the_mixed_summary_without_an_untranslated_part() -> None:
    catalogs = Catalogs.load()
    for language in ("de", "es", "fr", "ru"):
        shown = impact_text(catalogs.translator(language), MIXED)
        assert "earlier" not in shown and "now ready" not in shown, language
