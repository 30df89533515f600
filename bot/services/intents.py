"""Free-text understanding: what a customer's typed message asks for, from translatable keywords."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.order_number import order_key

_WORD = re.compile(r"[^\W\d_]+")


class IntentKind(StrEnum):
    """What a message asks for."""

    CANCEL = "cancel"
    SHOW_ORDER = "show_order"
    LIST_ORDERS = "list_orders"
    HELP = "help"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Intent:
    """The understood request, with the lookup key of the order number it names (if any)."""

    kind: IntentKind
    order_id: str | None = None


@dataclass(frozen=True)
class Vocabulary:
    """One language's keywords; an entry ending in `*` matches any word that starts with it."""

    cancel: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    orders: tuple[str, ...] = ()
    help: tuple[str, ...] = ()
    number: tuple[str, ...] = ()


def parse_intent(text: str, vocabularies: Sequence[Vocabulary]) -> Intent:
    """Understand a message in any vocabulary: cancel beats an order number, which beats a question.

    A number among words none of which is known ("asdkjh 123") is not understood.
    """
    order_id = order_key(text)
    words = _words(text)

    def said(pick: str) -> bool:
        return any(
            _mentions(words, keyword)
            for vocabulary in vocabularies
            for keyword in getattr(vocabulary, pick)
        )

    if said("cancel"):
        return Intent(IntentKind.CANCEL, order_id)
    asks = said("status") or said("orders")
    if order_id is not None and (asks or _only_a_number(words, order_id, vocabularies)):
        return Intent(IntentKind.SHOW_ORDER, order_id)
    if asks:
        return Intent(IntentKind.LIST_ORDERS)
    if said("help"):
        return Intent(IntentKind.HELP)
    return Intent(IntentKind.UNKNOWN)


def _only_a_number(words: Sequence[str], key: str, vocabularies: Sequence[Vocabulary]) -> bool:
    """Whether every word is part of the number or a number sign ("Nr. 1042", "#A-1042")."""
    allowed = set(_words(key))
    allowed.update(word for v in vocabularies for entry in v.number for word in _words(entry))
    return all(word in allowed for word in words)


def fold(text: str) -> str:
    """Lower case without accents, "ё" as "е": how people type in a hurry."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return plain.replace("ё", "е")


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _mentions(words: Sequence[str], keyword: str) -> bool:
    """Whether the words contain the keyword (one or more words, the last maybe a `*` stem)."""
    parts = _words(keyword)
    if not parts:
        return False
    stem = keyword.rstrip().endswith("*")
    size = len(parts)
    return any(
        _same(words[start : start + size], parts, stem=stem)
        for start in range(len(words) - size + 1)
    )


def _same(window: Iterable[str], parts: Sequence[str], *, stem: bool) -> bool:
    pairs = list(zip(window, parts, strict=True))
    *whole, (last_word, last_part) = pairs
    return all(word == part for word, part in whole) and (
        last_word.startswith(last_part) if stem else last_word == last_part
    )
