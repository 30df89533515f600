"""The completeness checks catch each kind of broken catalog (so a passing run means something)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN

from .checks import (
    SourceMessage,
    catalog_problems,
    extract_source_messages,
    messages_hidden_from_extraction,
)

GREETING = SourceMessage("Hello {name}", None, None, "handlers/start.py:3")
DAYS_IDS = ("{n} day", "{n} days")
DAYS = SourceMessage(*DAYS_IDS, None, "handlers/orders.py:9")
SOURCE: dict[tuple[str, str | None], SourceMessage] = {
    (GREETING.msgid, None): GREETING,
    (DAYS.msgid, None): DAYS,
}


def russian(
    greeting: str = "Здравствуйте, {name}",
    days: tuple[str, ...] = ("{n} день", "{n} дня", "{n} дней"),
    flags: tuple[str, ...] = (),
) -> Catalog:
    catalog = Catalog(locale="ru", domain=DOMAIN, fuzzy=False)
    catalog.add(GREETING.msgid, greeting, flags=flags)
    catalog.add(DAYS_IDS, days)
    return catalog


def test_a_complete_catalog_has_no_problems() -> None:
    assert catalog_problems("ru", russian(), SOURCE) == []


def test_extraction_finds_gettext_ngettext_and_n_underscore_messages(tmp_path: Path) -> None:
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "flow.py").write_text(
        "def reply(t, n):\n"
        "    t.gettext('Hello {name}', name='x')\n"
        "    t.ngettext('{n} day', '{n} days', n)\n"
        "    return N_('Show my orders')\n",
        encoding="utf-8",
    )
    (tmp_path / "babel.cfg").write_text("[python: handlers/**.py]\n", encoding="utf-8")

    found = extract_source_messages(tmp_path, tmp_path / "babel.cfg")

    assert {(m.msgid, m.plural) for m in found.values()} == {
        ("Hello {name}", None),
        ("{n} day", "{n} days"),
        ("Show my orders", None),
    }


def test_a_message_added_to_the_code_without_translation_is_reported() -> None:
    catalog = russian()
    catalog.delete(GREETING.msgid)
    assert catalog_problems("ru", catalog, SOURCE) == [
        "ru: 'Hello {name}' (handlers/start.py:3) is missing"
    ]


def test_a_fuzzy_translation_is_reported() -> None:
    problems = catalog_problems("ru", russian(flags=("fuzzy",)), SOURCE)
    assert problems == ["ru: 'Hello {name}' (handlers/start.py:3) is fuzzy"]


def test_an_empty_translation_is_reported() -> None:
    problems = catalog_problems("ru", russian(greeting=""), SOURCE)
    assert problems == ["ru: 'Hello {name}' (handlers/start.py:3) is untranslated"]


def test_an_empty_plural_form_is_reported() -> None:
    problems = catalog_problems("ru", russian(days=("{n} день", "", "{n} дней")), SOURCE)
    assert problems == ["ru: '{n} day' (handlers/orders.py:9) is untranslated"]


def test_a_translation_that_drops_a_placeholder_is_reported() -> None:
    problems = catalog_problems("ru", russian(greeting="Здравствуйте"), SOURCE)
    assert problems == ["ru: 'Hello {name}' (handlers/start.py:3) form 0 lacks ['name']"]


def test_a_plural_form_that_drops_the_count_is_reported() -> None:
    problems = catalog_problems("ru", russian(days=("один день", "{n} дня", "{n} дней")), SOURCE)
    assert problems == ["ru: '{n} day' (handlers/orders.py:9) form 0 lacks ['n']"]


def test_a_translation_with_a_placeholder_the_code_does_not_pass_is_reported() -> None:
    problems = catalog_problems("ru", russian(greeting="Здравствуйте, {имя}"), SOURCE)
    assert problems == [
        "ru: 'Hello {name}' (handlers/start.py:3) form 0 lacks ['name']",
        "ru: 'Hello {name}' (handlers/start.py:3) form 0 has unknown ['имя']",
    ]


def test_a_translation_with_malformed_braces_is_reported() -> None:
    problems = catalog_problems("ru", russian(greeting="Здравствуйте, {name"), SOURCE)
    assert len(problems) == 1
    assert "malformed braces" in problems[0]


def test_a_russian_plural_with_only_two_forms_is_reported() -> None:
    problems = catalog_problems("ru", russian(days=("{n} день", "{n} дней")), SOURCE)
    assert problems == [
        "ru: '{n} day' (handlers/orders.py:9) has 2 plural forms, ru needs 3",
        "ru: ('{n} day', '{n} days'): Wrong number of plural forms (expected 3)",
    ]


def test_a_message_that_became_plural_in_the_code_is_reported() -> None:
    catalog = russian()
    catalog.delete(DAYS_IDS)
    catalog.add(DAYS.msgid, "{n} дней")
    assert catalog_problems("ru", catalog, SOURCE) == [
        "ru: '{n} day' (handlers/orders.py:9) has plural None, code says '{n} days'"
    ]


def test_a_header_with_the_wrong_plural_rule_is_reported() -> None:
    po = (
        'msgid ""\nmsgstr ""\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
        '"Content-Type: text/plain; charset=utf-8\\n"\n'
    )
    catalog = read_po(po.splitlines(keepends=True), locale="ru", domain=DOMAIN)
    assert catalog_problems("ru", catalog, {}) == ["ru: header says 2 plural forms, ru has 3"]


def test_an_obsolete_entry_is_reported() -> None:
    catalog = russian()
    catalog.obsolete["Goodbye"] = Message("Goodbye", "До свидания")
    assert catalog_problems("ru", catalog, SOURCE) == ["ru: obsolete entry 'Goodbye'"]


def test_a_translation_babel_rejects_is_reported() -> None:
    source = SourceMessage("%(count)d left", None, None, "handlers/stock.py:1")
    catalog = Catalog(locale="de", domain=DOMAIN, fuzzy=False)
    catalog.add(source.msgid, "%(anzahl)d übrig", flags=["python-format"])
    problems = catalog_problems("de", catalog, {(source.msgid, source.context): source})
    assert len(problems) == 1
    assert problems[0].startswith("de: '%(count)d left': ")


def test_the_english_catalog_must_repeat_the_source_text() -> None:
    catalog = Catalog(locale="en", domain=DOMAIN, fuzzy=False)
    catalog.add(GREETING.msgid, "Hi {name}")
    catalog.add(DAYS_IDS, DAYS_IDS)
    assert catalog_problems("en", catalog, SOURCE) == [
        "en: 'Hello {name}' (handlers/start.py:3) differs from the source text"
    ]


def test_a_message_marked_inside_an_f_string_is_reported_as_hidden(tmp_path: Path) -> None:
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "flow.py").write_text(
        "def status(t, title):\n"
        "    t.gettext('Backordered')\n"
        "    return f\"{title}\\n{t.gettext('Shipped')}\"\n",
        encoding="utf-8",
    )
    (tmp_path / "babel.cfg").write_text("[python: handlers/**.py]\n", encoding="utf-8")

    hidden = messages_hidden_from_extraction(tmp_path, tmp_path / "babel.cfg")

    assert hidden == ["handlers/flow.py:3: 'Shipped'"]
