"""Sending /cancel stops a conversation; no language may word it as cancelling, as orders are."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from bot.i18n import catalog_path
from tests.i18n.checks import LOCALES_DIR

# Each language's stem for cancelling an order (its translation of "Cancel order").
ORDER_CANCEL_STEMS = {"en": "cancel", "de": "storn", "es": "cancel", "fr": "annul", "ru": "отмен"}


@pytest.mark.parametrize("language", sorted(ORDER_CANCEL_STEMS))
def test_sending_cancel_to_stop_is_never_worded_as_cancelling(language: str) -> None:
    stem = ORDER_CANCEL_STEMS[language]
    with catalog_path(LOCALES_DIR, language).open("rb") as source:
        catalog = read_po(source, locale=language)
    stop_messages = [m for m in catalog if m.id and "/cancel to stop" in str(m.id)]

    assert stop_messages
    for message in stop_messages:
        assert stem not in str(message.string).replace("/cancel", "").casefold(), message.id


def test_the_stems_are_the_ones_the_order_cancel_button_uses() -> None:
    for language, stem in ORDER_CANCEL_STEMS.items():
        with catalog_path(LOCALES_DIR, language).open("rb") as source:
            catalog = read_po(source, locale=language)
        message = catalog.get("Cancel order")
        assert message is not None
        assert stem in (str(message.string) or "Cancel order").casefold(), language
