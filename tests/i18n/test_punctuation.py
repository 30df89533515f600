"""A value ending with its own full stop ("8 дек. 2026 г.") is never followed by another."""

from __future__ import annotations

import string
from datetime import date

import pytest
from babel.messages.pofile import read_po

from bot.i18n import SHIPPED_LANGUAGES, Catalogs, Translator, catalog_path
from tests.i18n.checks import LOCALES_DIR

DUE = date(2026, 12, 8)


def stop_ending_value(t: Translator) -> str:
    """A value of this language ending with a full stop: its own date if it does, else "Co."."""
    for value in (t.date(DUE), t.short_date(DUE)):
        if value.endswith("."):
            return value
    return "Co."


def placeholders(*texts: str) -> set[str]:
    """The `{name}` placeholders used by any of the texts."""
    return {
        name
        for text in texts
        for _, name, _, _ in string.Formatter().parse(text)
        if name and name != "n"
    }


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_no_message_doubles_the_full_stop_of_a_value_in_any_language(
    language: str, shipped: Catalogs
) -> None:
    t = shipped.translator(language)
    value = stop_ending_value(t)
    with catalog_path(LOCALES_DIR, language).open("rb") as source:
        catalog = read_po(source, locale=language)
    checked = 0
    for message in catalog:
        if not message.id:
            continue
        ids = [str(text) for text in message.id] if message.pluralizable else [str(message.id)]
        strings = message.string if isinstance(message.string, tuple) else (str(message.string),)
        params = dict.fromkeys(placeholders(*ids, *strings), value)
        if not params:
            continue
        if len(ids) == 2:
            rendered = [t.ngettext(ids[0], ids[1], count, **params) for count in (1, 2, 5)]
        else:
            rendered = [t.gettext(ids[0], **params)]
        for text in rendered:
            assert value + "." not in text.replace("</b>", ""), (language, ids[0])
        checked += 1
    assert checked > 20


def test_russian_dates_do_end_with_a_full_stop_so_the_check_means_something(
    shipped: Catalogs,
) -> None:
    assert shipped.translator("ru").date(DUE).endswith("г.")
    assert shipped.translator("de").short_date(DUE).endswith(".")
