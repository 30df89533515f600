"""Telegram's limits on one message, and cutting content into messages that fit (DESIGN §7)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

# Why: Bot API sendMessage — 1-4096 characters after entities parsing; 100 inline buttons.
MESSAGE_LIMIT = 4096
BUTTON_LIMIT = 100
_TAG = re.compile(r"<[^>]*>")

Item = TypeVar("Item")


def visible_length(text_html: str) -> int:
    """The length Telegram counts for HTML text: tags removed, entities decoded, UTF-16 units."""
    plain = html.unescape(_TAG.sub("", text_html))
    return len(plain.encode("utf-16-le")) // 2


def fits(text_html: str, buttons: int) -> bool:
    """True when one message may carry this HTML text and this many inline buttons."""
    return 0 < visible_length(text_html) <= MESSAGE_LIMIT and buttons <= BUTTON_LIMIT


def pages(
    items: Sequence[Item], measure: Callable[[Sequence[Item]], tuple[str, int]]
) -> list[list[Item]]:
    """Consecutive groups of `items`, as many as fit in one message each (greedy, order kept).

    `measure` gives a group's HTML text and button count; an item too big alone is a group alone.
    """
    groups: list[list[Item]] = []
    current: list[Item] = []
    for item in items:
        candidate = [*current, item]
        if current and not fits(*measure(candidate)):
            groups.append(current)
            candidate = [item]
        current = candidate
    if current:
        groups.append(current)
    return groups


def split_lines(text_html: str) -> list[str]:
    """Text too long for one message cut at line ends into pieces that fit (tags stay per line)."""
    pieces: list[str] = []
    current = ""
    for line in text_html.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if current and visible_length(candidate) > MESSAGE_LIMIT:
            pieces.append(current)
            candidate = line
        while visible_length(candidate) > MESSAGE_LIMIT:
            # Why: a single line longer than a message is cut, as a last resort, by characters.
            cut = _cut_at(candidate, MESSAGE_LIMIT)
            pieces.append(candidate[:cut])
            candidate = candidate[cut:]
        current = candidate
    if current:
        pieces.append(current)
    return pieces


def _cut_at(text_html: str, limit: int) -> int:
    low, high = 1, len(text_html)
    while low < high:
        middle = (low + high + 1) // 2
        if visible_length(text_html[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low
