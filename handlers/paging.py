"""Long screens in pages that fit Telegram's limits, with [‹ Previous] [Next ›] (DESIGN §7)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton

from bot.i18n import Translator
from handlers.common import button

# Why: Telegram takes 4096 characters; the rest of a page (heading, an outcome sentence above
# it, the page note) stays well under the 1096 left.
TEXT_BUDGET = 3000
# Why: each item may bring a row of two buttons; ten keep a page far below 100 buttons.
ITEMS_PER_PAGE = 10


def paginate(
    parts: Sequence[str], *, budget: int = TEXT_BUDGET, per_page: int = ITEMS_PER_PAGE
) -> list[range]:
    """Consecutive index ranges of `parts`, each within `per_page` parts and `budget` characters."""
    pages: list[range] = []
    start, size = 0, 0
    for index, part in enumerate(parts):
        cost = len(part) + 2
        if index > start and (index - start >= per_page or size + cost > budget):
            pages.append(range(start, index))
            start, size = index, 0
        size += cost
    pages.append(range(start, len(parts)))
    return pages


def in_pages(count: int, *, per_page: int = ITEMS_PER_PAGE) -> list[range]:
    """`count` items as consecutive ranges of `per_page` (one empty page when there are none)."""
    return [range(start, min(start + per_page, count)) for start in range(0, count, per_page)] or [
        range(0, 0)
    ]


def clamp(page: int, pages: Sequence[range]) -> int:
    """A page number within the pages there are (an old button may ask for one that is gone)."""
    return max(0, min(page, len(pages) - 1))


def page_note(t: Translator, page: int, count: int) -> str:
    """ "Page 2 of 3", or nothing for a single page."""
    if count <= 1:
        return ""
    return t.gettext("Page {page} of {pages}", page=t.number(page + 1), pages=t.number(count))


def nav_row(
    t: Translator, page: int, count: int, data: Callable[[int], str]
) -> list[InlineKeyboardButton]:
    """[‹ Previous] [Next ›] as they apply; empty for a single page."""
    row = []
    if page > 0:
        row.append(button(t.gettext("‹ Previous"), data(page - 1)))
    if page < count - 1:
        row.append(button(t.gettext("Next ›"), data(page + 1)))
    return row


def page_number(text: str) -> int | None:
    """A page number from callback data; None when it is not one."""
    return int(text) if text.isdigit() and len(text) <= 4 else None
