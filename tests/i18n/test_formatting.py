"""Dates, amounts and numbers look the way babel writes them for each shipped locale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal

from bot.i18n import SHIPPED_LANGUAGES, Catalogs

DUE = date(2026, 12, 12)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_a_date_is_written_the_babel_way_for_each_language(
    language: str, shipped: Catalogs
) -> None:
    translator = shipped.translator(language)
    assert translator.date(DUE) == format_date(DUE, "medium", locale=language)
    assert translator.date(DUE, "long") == format_date(DUE, "long", locale=language)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_a_short_date_shows_day_and_month_the_babel_way(language: str, shipped: Catalogs) -> None:
    expected = format_skeleton("MMMd", DUE, locale=language)
    assert shipped.translator(language).short_date(DUE) == expected


@pytest.mark.parametrize(
    ("language", "medium", "short"),
    [
        ("en", "Dec 12, 2026", "Dec 12"),
        ("de", "12.12.2026", "12. Dez."),
        ("es", "12 dic 2026", "12 dic"),
        ("fr", "12 déc. 2026", "12 déc."),
        ("ru", "12 дек. 2026\u202fг.", "12 дек."),
    ],
)
def test_a_customer_reads_dates_as_their_locale_writes_them(
    language: str, medium: str, short: str, shipped: Catalogs
) -> None:
    translator = shipped.translator(language)
    assert (translator.date(DUE), translator.short_date(DUE)) == (medium, short)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_money_in_minor_units_is_shown_in_the_major_unit_the_babel_way(
    language: str, shipped: Catalogs
) -> None:
    expected = format_currency(Decimal("19.99"), "EUR", locale=language)
    assert shipped.translator(language).money(1999, "EUR") == expected


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "€19.99"), ("de", "19,99\xa0€"), ("fr", "19,99\xa0€"), ("ru", "19,99\xa0€")],
)
def test_nineteen_ninety_nine_euros_read_naturally(
    language: str, shown: str, shipped: Catalogs
) -> None:
    assert shipped.translator(language).money(1999, "EUR") == shown


def test_a_currency_without_minor_units_is_not_divided(shipped: Catalogs) -> None:
    assert shipped.translator("en").money(1999, "JPY") == "¥1,999"


def test_a_currency_with_three_decimals_keeps_all_three(shipped: Catalogs) -> None:
    assert shipped.translator("en").money(12345, "BHD") == "BHD12.345"


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_numbers_use_the_locales_separators(language: str, shipped: Catalogs) -> None:
    translator = shipped.translator(language)
    assert translator.number(1234567.5) == format_decimal(1234567.5, locale=language)
    assert translator.number(3) == "3"
