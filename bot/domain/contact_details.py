"""The email address or phone number a customer types at linking, pulled out of what they wrote."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

# Why: a phone number needs this many digits; shorter runs are order numbers, counts or dates.
MIN_PHONE_DIGITS = 5
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"'.]+")
_PHONE = re.compile(r"\+?\d[\d \t().\-/]*\d|\d")


@dataclass(frozen=True, slots=True)
class ContactDetail:
    """An email address or a phone number, as found in a message."""

    kind: Literal["email", "phone"]
    value: str


def contact_detail(text: str) -> ContactDetail | None:
    """The email address or phone number in a typed message; None when it holds neither.

    Rules (issue 7 item 5, applied to the email-or-phone step): Unicode NFKC (full-width
    characters); an address is a word with "@" and a dotted domain, wherever it stands ("it's
    bob@example.com."); otherwise the run of digits with spaces, "+", brackets, dots, dashes
    or slashes holding the most digits, if it has at least MIN_PHONE_DIGITS digits.
    """
    normal = unicodedata.normalize("NFKC", text)
    if email := _EMAIL.search(normal):
        return ContactDetail("email", email.group(0))
    runs = [match.group(0) for match in _PHONE.finditer(normal)]
    best = max(runs, key=_digit_count, default="")
    if _digit_count(best) < MIN_PHONE_DIGITS:
        return None
    return ContactDetail("phone", best)


def _digit_count(text: str) -> int:
    return sum(char.isdigit() for char in text)
