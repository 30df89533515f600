"""Gettext catalogs loaded once at start-up, locale negotiation and babel formatting."""

from __future__ import annotations

import datetime as dt
import gettext
import html
import io
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time, get_timezone_location
from babel.dates import parse_date as babel_parse_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, get_currency_precision

SHIPPED_LANGUAGES: tuple[str, ...] = ("en", "de", "es", "fr", "ru")
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "fr": "Français",
    "ru": "Русский",
}
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
DEFAULT_LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


def N_(message: str) -> str:
    """Mark a message for extraction without translating it."""
    return message


def catalog_path(locales_dir: Path, language: str) -> Path:
    """Where the `.po` file of a language lives."""
    return locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_po(po_file: Path, language: str) -> gettext.GNUTranslations:
    """Compile a `.po` file in memory into gettext translations (fuzzy entries left out)."""
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _escaped(params: dict[str, object]) -> dict[str, str]:
    return {name: html.escape(str(value)) for name, value in params.items()}


def fill(text: str, params: dict[str, object]) -> str:
    """Fill `{name}` placeholders with HTML-escaped values, without doubling a full stop.

    Why: a value may end with its own full stop ("8 дек. 2026 г.", "12 dic."); the message's full
    stop right after it (tags such as `</b>` in between) is then dropped, in every language.
    """
    escaped = _escaped(params)
    for name, value in escaped.items():
        if value.endswith("."):
            text = _without_stop_after(text, name)
    return text.format(**escaped)


# Why: a sweep fills the same sentences with the same dates and amounts for thousands of
# customers; the result depends on the text and the values only.
@lru_cache(maxsize=4096)
def _filled(text: str, params: tuple[tuple[str, type, object], ...]) -> str:
    return fill(text, {name: value for name, _, value in params})


# Why: a sweep fills the same few messages thousands of times; the edit depends on these only.
@lru_cache(maxsize=1024)
def _without_stop_after(text: str, name: str) -> str:
    placeholder = "{" + name + "}"
    stop = re.compile(re.escape(placeholder) + r"((?:</[a-z]+>)*)\.(?!\.)")
    return stop.sub(placeholder.replace("\\", "\\\\") + r"\1", text)


@dataclass(frozen=True)
class Translator:
    """Messages and formatting for one language."""

    language: str
    locale: Locale
    translations: gettext.NullTranslations = field(
        default_factory=gettext.NullTranslations, repr=False, compare=False
    )

    def gettext(self, message: str, **params: object) -> str:
        """Translate, then fill `{name}` placeholders with HTML-escaped params."""
        text = self.translations.gettext(message)
        # Why: formatting only with params keeps param-less messages safe from stray braces.
        if not params:
            return text
        try:
            # Why: typed, so 1, 1.0 and True (equal as keys) stay apart, as their texts do.
            return _filled(text, tuple((name, type(v), v) for name, v in params.items()))
        except TypeError:  # an unhashable value: filled without the cache
            return fill(text, params)

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        """Translate the plural form for `n`; `{n}` is the locale-formatted count."""
        text = self.translations.ngettext(singular, plural, n)
        return fill(text, {"n": self.number(n), **params})

    def keywords(self, message: str) -> list[str]:
        """A translated comma-separated keyword list, as its stripped entries."""
        entries = self.translations.gettext(message).split(",")
        return [entry.strip() for entry in entries if entry.strip()]

    def language_name(self, code: str) -> str:
        """How this language names language `code` mid-sentence (CLDR): "español", "Deutsch".

        Why: the capitalised endonyms of LANGUAGE_NAMES are for buttons, not inside sentences.
        """
        return str(Locale.parse(code).get_display_name(self.language))

    def date(self, value: dt.date, format: str = "medium") -> str:
        """A date in this locale (babel `format_date`)."""
        return _formatted_date(value, format, self.locale)

    def parse_date(self, text: str) -> dt.date | None:
        """A date typed in ISO form (`2026-12-24`) or this locale's usual short form
        (`24.12.2026` in de/ru, `12/24/2026` in en-US; babel `parse_date`); None if neither."""
        typed = text.strip()
        try:
            return dt.date.fromisoformat(typed)
        except ValueError:
            pass
        if not any(char.isdigit() for char in typed):
            return None
        try:
            return babel_parse_date(typed, locale=self.locale, format="short")
        except (ValueError, IndexError, TypeError):
            return None

    def time(self, value: dt.time) -> str:
        """A wall-clock time in this locale's short form, e.g. "8:00 AM" or "08:00"."""
        return str(format_time(value, format="short", locale=self.locale))

    def weekday(self, value: dt.date) -> str:
        """The day's name in this locale, as used mid-sentence ("Monday", "Montag", "lundi")."""
        return str(format_date(value, "EEEE", locale=self.locale))

    def zone_city(self, zone: dt.tzinfo) -> str:
        """A time zone by its city in this locale ("Berlin", "Нью-Йорк"); "UTC" for UTC."""
        key = str(getattr(zone, "key", zone))
        if key in ("UTC", "Etc/UTC", "GMT", "Etc/GMT"):
            return "UTC"
        return str(get_timezone_location(zone, locale=self.locale, return_city=True))

    def short_date(self, value: dt.date) -> str:
        """Day and abbreviated month, e.g. "Dec 12" or "12. Dez."."""
        return format_skeleton("MMMd", value, locale=self.locale)

    def money(self, amount_minor: int, currency: str) -> str:
        """An amount given in minor units, in the currency's major unit for this locale."""
        return _formatted_money(amount_minor, currency, self.locale)

    def number(self, value: int | float) -> str:
        """A number with this locale's separators."""
        return _formatted_number(value, self.locale)


@dataclass(frozen=True)
class Catalogs:
    """Translators for every shipped language, built once at start-up."""

    default_language: str
    translators: dict[str, Translator]

    @classmethod
    def load(
        cls, locales_dir: Path | None = None, *, default_language: str = SOURCE_LANGUAGE
    ) -> Catalogs:
        """Compile each shipped language's `.po` file; a missing file falls back to English."""
        directory = DEFAULT_LOCALES_DIR if locales_dir is None else locales_dir
        translators: dict[str, Translator] = {}
        for language in SHIPPED_LANGUAGES:
            po_file = catalog_path(directory, language)
            translations = (
                compile_po(po_file, language) if po_file.is_file() else gettext.NullTranslations()
            )
            translators[language] = Translator(language, Locale.parse(language), translations)
        default = _match_shipped(default_language) or SOURCE_LANGUAGE
        return cls(default_language=default, translators=translators)

    def translator(self, *candidates: str | None) -> Translator:
        """Text in the first shipped candidate's language (else the default), formats in the
        customer's own locale: the first candidate babel knows, even when not shipped (DESIGN §7).
        """
        base = self.translators[self.negotiate(*candidates)]
        locale = format_locale(candidates)
        return base if locale is None or locale == base.locale else replace(base, locale=locale)

    def negotiate(self, *candidates: str | None) -> str:
        """The first candidate that matches a shipped language, else the default language."""
        for candidate in candidates:
            if match := _match_shipped(candidate):
                return match
        return self.default_language


# Why: a sweep renders thousands of notices with the same few dates and amounts; babel's
# formatting is the bulk of that time, and its results depend on these arguments only.
@lru_cache(maxsize=4096)
def _formatted_date(value: dt.date, format: str, locale: Locale) -> str:
    return format_date(value, format=format, locale=locale)


@lru_cache(maxsize=4096, typed=True)
def _formatted_number(value: int | float, locale: Locale) -> str:
    return format_decimal(value, locale=locale)


@lru_cache(maxsize=4096)
def _formatted_money(amount_minor: int, currency: str, locale: Locale) -> str:
    major = Decimal(amount_minor).scaleb(-get_currency_precision(currency))
    return format_currency(major, currency, locale=locale)


def format_locale(candidates: tuple[str | None, ...]) -> Locale | None:
    """The locale for dates and numbers: the first known candidate, made regional by a later
    candidate of the same language ("en" then "en-GB" -> en_GB); None when none is known."""
    known = [locale for tag in candidates if (locale := _parse_locale(tag)) is not None]
    if not known:
        return None
    first = known[0]
    if first.territory is None:
        for later in known[1:]:
            if later.language == first.language and later.territory is not None:
                return later
    return first


@lru_cache(maxsize=256)
def _parse_locale(tag: str | None) -> Locale | None:
    if not tag:
        return None
    try:
        return Locale.parse(tag.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def _match_shipped(tag: str | None) -> str | None:
    """The shipped language of a BCP 47 / POSIX tag by its primary subtag ("de-AT" -> "de")."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SHIPPED_LANGUAGES else None
