"""Phone numbers as one line in the world (E.164), and the country a bare number is dialled in."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from bot.domain.model import Jurisdiction

# Why: the EU's official languages (Regulation No 1/1958) spoken first in one member state; "en"
# (Ireland, Malta) and languages spoken first outside the EU say nothing of the country.
_EU_LANGUAGE_COUNTRY = {
    "bg": "BG",
    "cs": "CZ",
    "da": "DK",
    "de": "DE",
    "el": "GR",
    "es": "ES",
    "et": "EE",
    "fi": "FI",
    "fr": "FR",
    "ga": "IE",
    "hr": "HR",
    "hu": "HU",
    "it": "IT",
    "lt": "LT",
    "lv": "LV",
    "mt": "MT",
    "nl": "NL",
    "pl": "PL",
    "pt": "PT",
    "ro": "RO",
    "sk": "SK",
    "sl": "SI",
    "sv": "SE",
}
_EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
_REGION_SUBTAG = re.compile(r"[A-Za-z]{2}")


def dialling_region(jurisdiction: Jurisdiction | None, language: str | None) -> str | None:
    """The ISO 3166 country a number without a prefix is dialled in, or None when unknown.

    From the order (DESIGN §4): jurisdiction UK -> GB, US -> US; EU -> the country of the
    language's region ("de-AT" -> AT) if it is a member state, else the member state whose
    official language it is ("de" -> DE); no jurisdiction -> the language's region ("pt-BR" ->
    BR). Anything else is None: the number is ambiguous (issue 8).
    """
    if jurisdiction is Jurisdiction.UK:
        return "GB"
    if jurisdiction is Jurisdiction.US:
        return "US"
    base, region = _language_parts(language or "")
    if jurisdiction is Jurisdiction.EU:
        if region is not None:
            return region if region in _EU_MEMBER_STATES else None
        return _EU_LANGUAGE_COUNTRY.get(base)
    return region


def _language_parts(language: str) -> tuple[str, str | None]:
    """A BCP 47 tag's primary language and its two-letter region subtag, if any."""
    parts = re.split(r"[-_]", language.strip())
    region = next((part.upper() for part in parts[1:] if _REGION_SUBTAG.fullmatch(part)), None)
    return parts[0].casefold(), region


def e164(number: str, region: str | None) -> str | None:
    """The number in E.164 ("+447700900123"), or None when it is invalid or ambiguous.

    A number written with "+" stands alone; any other form (national "07700 900123", with the
    international call prefix "0044 …") is read as dialled in `region`, and is ambiguous without
    one. Why possible and not valid: `is_valid_number` refuses new and reserved ranges (Ofcom's
    07700 900xxx), and a customer's number must not be refused for the library's range tables
    being behind; equal E.164 numbers are one line in any case.
    """
    text = unicodedata.normalize("NFKC", number).strip()
    if not any(char.isdigit() for char in text):
        return None
    if not text.startswith("+") and region is None:
        return None
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    # Why: a number only dialable locally (without its area code) is not the whole line.
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def international_e164(number: str) -> str | None:
    """A number known to be international (a Telegram contact's, often without "+") in E.164."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", number))
    return e164("+" + digits, None) if digits else None


def same_line(stored: str | None, stored_region: str | None, given: str | None) -> bool:
    """Whether a stored number (read in its region) and an E.164 number are the same line."""
    if not stored or not given:
        return False
    return e164(stored, stored_region) == given
