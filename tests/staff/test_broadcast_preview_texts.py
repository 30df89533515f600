"""The /broadcast preview tells staff how many recipients are in their quiet hours and when they
get the message, in the staff member's language and locale (DESIGN §11)."""

from __future__ import annotations

from datetime import time

from bot.domain.broadcast_drafts import Draft
from bot.domain.broadcasts import SegmentKind, Template
from bot.i18n import Catalogs
from bot.services.broadcasts import Preview
from handlers.staff.broadcast import preview_text

DRAFT = Draft(
    chat_id=555,
    user_id=555,
    draft_no=1,
    kind=SegmentKind.ALL,
    template=Template.STOCK_ARRIVED,
    params=(("sku", "CHAIR"),),
)


def preview(waiting: int) -> Preview:
    return Preview(
        recipients=12,
        by_language={"de": 4, "en": 8},
        held=0,
        not_linked=0,
        fallback=0,
        samples={},
        waiting_for_morning=waiting,
        morning=time(8, 0),
    )


def test_the_preview_says_how_many_are_in_their_quiet_hours_and_from_when_they_get_it() -> None:
    catalogs = Catalogs.load()
    english = preview_text(catalogs.translator("en"), DRAFT, preview(5), "en")
    german = preview_text(catalogs.translator("de"), DRAFT, preview(1), "en")
    assert "5 customers are in their quiet hours; they get it from 8:00\u202fAM their time." in (
        english
    )
    assert "1 Kunde hat gerade Ruhezeit und erhält die Nachricht ab 08:00 Uhr Ortszeit." in german


def test_the_preview_says_nothing_of_quiet_hours_when_nobody_is_in_them() -> None:
    text = preview_text(Catalogs.load().translator("en"), DRAFT, preview(0), "en")
    assert "quiet hours" not in text
