"""Every shipped catalog covers every message in the code, correctly, and compiles."""

from __future__ import annotations

import pytest

from bot.i18n import SHIPPED_LANGUAGES, Catalogs

from .checks import (
    SourceMessage,
    catalog_problems,
    messages_hidden_from_extraction,
    read_catalog,
)

SourceMessages = dict[tuple[str, str | None], SourceMessage]


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_every_message_in_the_code_is_translated_in_each_shipped_language(
    language: str, source_messages: SourceMessages
) -> None:
    assert catalog_problems(language, read_catalog(language), source_messages) == []


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_the_bot_serves_each_catalog_translation_to_that_language(
    language: str, shipped: Catalogs
) -> None:
    translations = shipped.translator(language).translations
    served: dict[str, str] = {}
    expected: dict[str, str] = {}
    for entry in read_catalog(language):
        # Why: fuzzy and empty entries are the completeness test's findings, not served text.
        if entry.id and isinstance(entry.id, str) and isinstance(entry.string, str):
            if entry.fuzzy or not entry.string:
                continue
            served[entry.id] = translations.gettext(entry.id)
            expected[entry.id] = entry.string
    assert served == expected


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_the_bot_serves_every_plural_form_of_a_catalog(language: str, shipped: Catalogs) -> None:
    translations = shipped.translator(language).translations
    for entry in read_catalog(language):
        if isinstance(entry.id, tuple) and isinstance(entry.string, tuple):
            singular, plural = entry.id[0], entry.id[1]
            # Why: counts up to 30 and a million reach every CLDR plural form of every shipped
            # language (es/fr/pt "many" is n % 1000000 == 0).
            counts = [*range(31), 1_000_000]
            served = {translations.ngettext(singular, plural, n) for n in counts}
            assert served == set(entry.string)


def test_every_message_marked_in_the_code_reaches_the_translators() -> None:
    hidden = messages_hidden_from_extraction()
    assert hidden == [], "pybabel cannot see these; move each call out of its f-string"
