"""Which language a customer gets from their saved choice, order or Telegram settings."""

from __future__ import annotations

import pytest

from bot.i18n import Catalogs


@pytest.mark.parametrize(
    ("tag", "language"),
    [("de-AT", "de"), ("de", "de"), ("ru_RU", "ru"), ("FR-ca", "fr"), ("es-419", "es")],
)
def test_a_regional_tag_gets_its_shipped_language(
    tag: str, language: str, shipped: Catalogs
) -> None:
    assert shipped.negotiate(tag) == language


@pytest.mark.parametrize("tag", ["pt-BR", "zh-Hans", "", None, "  "])
def test_an_unshipped_or_missing_language_gets_the_default(
    tag: str | None, shipped: Catalogs
) -> None:
    assert shipped.negotiate(tag) == "en"
    assert shipped.translator(tag).language == "en"


def test_the_first_candidate_with_a_shipped_language_wins(shipped: Catalogs) -> None:
    assert shipped.negotiate(None, "pt-BR", "fr-BE", "de") == "fr"


def test_no_candidates_gets_the_default(shipped: Catalogs) -> None:
    assert shipped.negotiate() == "en"


def test_the_configured_default_language_is_used_for_unknown_tags() -> None:
    catalogs = Catalogs.load(default_language="de")
    assert catalogs.default_language == "de"
    assert catalogs.translator("pt-BR").language == "de"
    assert catalogs.translator(None).gettext("Help") == "Hilfe"


def test_a_regional_default_language_is_narrowed_to_the_shipped_one() -> None:
    assert Catalogs.load(default_language="ru-UA").default_language == "ru"


def test_an_unshipped_default_language_falls_back_to_english() -> None:
    assert Catalogs.load(default_language="pt").default_language == "en"


def test_a_translator_knows_its_language_and_locale(shipped: Catalogs) -> None:
    translator = shipped.translator("es-MX")
    assert (translator.language, str(translator.locale)) == ("es", "es_MX")
