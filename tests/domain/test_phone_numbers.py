"""Phone numbers compared in E.164, a bare number read in the country its order points to."""

from __future__ import annotations

import pytest

from bot.domain.model import Jurisdiction
from bot.domain.phone_numbers import dialling_region, e164, international_e164, same_line


@pytest.mark.parametrize(
    ("jurisdiction", "language", "region"),
    [
        (Jurisdiction.UK, None, "GB"),
        (Jurisdiction.UK, "pt-BR", "GB"),
        (Jurisdiction.US, "es", "US"),
        (Jurisdiction.EU, "de", "DE"),
        (Jurisdiction.EU, "de-AT", "AT"),
        (Jurisdiction.EU, "fr", "FR"),
        (Jurisdiction.EU, "en", None),
        (Jurisdiction.EU, "ru", None),
        (Jurisdiction.EU, "pt-BR", None),
        (Jurisdiction.EU, None, None),
        (None, "pt-BR", "BR"),
        (None, "de", None),
        (None, None, None),
    ],
)
def test_the_country_of_a_bare_number_comes_from_the_order_or_is_unknown(
    jurisdiction: Jurisdiction | None, language: str | None, region: str | None
) -> None:
    assert dialling_region(jurisdiction, language) == region


@pytest.mark.parametrize(
    ("number", "region", "expected"),
    [
        ("07700 900123", "GB", "+447700900123"),
        ("0044 7700 900123", "GB", "+447700900123"),
        ("+44 (0)7700 900123", None, "+447700900123"),
        ("0170 1234567", "DE", "+491701234567"),
        ("+1 770 090 0123", "GB", "+17700900123"),
        ("07700 900123", None, None),
        ("0770", "GB", None),
        ("no number", "GB", None),
        ("", None, None),
    ],
)
def test_a_number_is_read_in_e164_or_not_at_all(
    number: str, region: str | None, expected: str | None
) -> None:
    assert e164(number, region) == expected


def test_a_telegram_contacts_number_is_international_with_or_without_plus() -> None:
    assert international_e164("447700900123") == international_e164("+44 7700 900123")
    assert international_e164("447700900123") == "+447700900123"


def test_the_same_digits_in_two_countries_are_two_lines() -> None:
    assert not same_line("07700 900123", "GB", "+17700900123")
    assert same_line("07700 900123", "GB", "+447700900123")
    assert not same_line("07700 900123", None, "+447700900123")
    assert not same_line(None, "GB", "+447700900123")
