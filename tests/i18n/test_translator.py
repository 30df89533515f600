"""What a customer reads: translated messages with safe parameters and the right plural form."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel import Locale
from babel.messages.plurals import get_plural
from babel.numbers import format_decimal

from bot.i18n import LANGUAGE_NAMES, N_, SHIPPED_LANGUAGES, Catalogs

from .conftest import WritePo

GREETING = "Hello {name}"
DAYS = ("{n} day", "{n} days")
# Why: a CLDR category names the gettext form index only for the counts below, not e.g. 1,000,000
# in French, where CLDR says "many" and gettext still says "other".
FORM_OF_CATEGORY = {"one": 0, "few": 1, "many": 2}
COUNTS = [*range(31), 100, 101, 102, 105, 111, 112, 121, 1234]


def test_a_message_is_shown_in_the_customers_language(write_po: WritePo, locales_dir: Path) -> None:
    write_po("de", {GREETING: "Hallo {name}"})
    assert (
        Catalogs.load(locales_dir).translator("de").gettext(GREETING, name="Anna") == "Hallo Anna"
    )


def test_every_parameter_is_html_escaped(write_po: WritePo, locales_dir: Path) -> None:
    write_po("fr", {GREETING: "Bonjour {name}"})
    translator = Catalogs.load(locales_dir).translator("fr")
    shown = translator.gettext(GREETING, name='<b>Tom & "Jerry"</b>')
    assert shown == "Bonjour &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;"


def test_markup_written_in_the_message_itself_is_kept(shipped: Catalogs) -> None:
    shown = shipped.translator("en").gettext("<b>Order {order_id}</b>", order_id="<i>42</i>")
    assert shown == "<b>Order &lt;i&gt;42&lt;/i&gt;</b>"


def test_a_plural_message_escapes_its_parameters_too(shipped: Catalogs) -> None:
    shown = shipped.translator("en").ngettext(
        "{n} box for {who}", "{n} boxes for {who}", 2, who="<x>"
    )
    assert shown == "2 boxes for &lt;x&gt;"


def test_a_message_without_a_translation_falls_back_to_english(
    write_po: WritePo, locales_dir: Path
) -> None:
    write_po("es", {GREETING: "Hola {name}"})
    translator = Catalogs.load(locales_dir).translator("es")
    assert translator.gettext("Your order {id} shipped", id=7) == "Your order 7 shipped"


def test_a_fuzzy_translation_is_never_shown(write_po: WritePo, locales_dir: Path) -> None:
    write_po("ru", {GREETING: "Привет {name}", "Help": "Помощь"}, fuzzy={GREETING})
    translator = Catalogs.load(locales_dir).translator("ru")
    assert translator.gettext(GREETING, name="Анна") == "Hello Анна"
    assert translator.gettext("Help") == "Помощь"


def test_a_language_without_a_catalog_file_speaks_english(locales_dir: Path) -> None:
    translator = Catalogs.load(locales_dir).translator("de")
    assert translator.gettext(GREETING, name="Anna") == "Hello Anna"
    assert translator.language == "de"


def test_a_message_without_parameters_keeps_its_braces(shipped: Catalogs) -> None:
    assert shipped.translator("en").gettext("Use {curly} braces") == "Use {curly} braces"


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_counts_pick_the_plural_form_babel_gives_the_locale(
    language: str, write_po: WritePo, locales_dir: Path
) -> None:
    forms = tuple(f"form{index} {{n}}" for index in range(get_plural(language).num_plurals))
    write_po(language, {DAYS: forms})
    translator = Catalogs.load(locales_dir).translator(language)
    locale = Locale.parse(language)
    for count in COUNTS:
        category = locale.plural_form(count)
        expected_form = FORM_OF_CATEGORY.get(category, len(forms) - 1)
        expected = f"form{expected_form} {format_decimal(count, locale=locale)}"
        assert (count, translator.ngettext(*DAYS, count)) == (count, expected)


def test_russian_counts_use_three_forms(shipped: Catalogs) -> None:
    translator = shipped.translator("ru")
    weeks = ("our supplier needs about {n} week", "our supplier needs about {n} weeks")
    shown = [translator.ngettext(*weeks, count) for count in (1, 3, 5, 21)]
    assert shown == [
        "нашему поставщику нужно около 1 недели",
        "нашему поставщику нужно около 3 недель",
        "нашему поставщику нужно около 5 недель",
        "нашему поставщику нужно около 21 недели",
    ]


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_the_count_is_written_with_the_locales_digit_grouping(
    language: str, shipped: Catalogs
) -> None:
    shown = shipped.translator(language).ngettext(*DAYS, 12345)
    assert format_decimal(12345, locale=language) in shown


def test_n_underscore_leaves_a_message_untouched_for_later_translation() -> None:
    assert N_("Show my orders") == "Show my orders"


def test_every_shipped_language_has_its_own_name_for_the_language_menu() -> None:
    assert list(LANGUAGE_NAMES) == list(SHIPPED_LANGUAGES)
    assert {
        language: str(Locale.parse(language).get_display_name(language)).capitalize()
        for language in SHIPPED_LANGUAGES
    } == LANGUAGE_NAMES


def test_a_translated_keyword_list_is_split_into_its_entries(
    write_po: WritePo, locales_dir: Path
) -> None:
    write_po("de", {"cancel*, call off": " stornier*, abbestell* ,, storno "})
    translator = Catalogs.load(locales_dir).translator("de")
    assert translator.keywords("cancel*, call off") == ["stornier*", "abbestell*", "storno"]
