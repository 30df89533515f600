"""Characters that act on a terminal or reorder text instead of showing: kept out and made visible.

The set: Unicode's control characters (category Cc: C0, DEL and C1, among them ESC, BEL and NUL),
the line and paragraph separators (Zl, Zp) and the bidi explicit formatting characters of UAX #9
(LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI: U+202A-U+202E, U+2066-U+2069), the "Trojan Source"
characters of CVE-2021-42574. Marks that only hint a direction (LRM, RLM) and joiners (ZWJ, ZWNJ)
are left alone: names in several scripts need them.
"""

from __future__ import annotations

import re

# Why: a character class, not a unicodedata loop per character, so 1M rows are checked quickly;
# tests/domain check it against unicodedata.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")
# In a cell: the same without the line breaks a spreadsheet writes inside a quoted cell.
CONTROL_IN_CELL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")
# In shown output: the same without the line breaks and tabs that lay the output out.
CONTROL_IN_OUTPUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")


def code_point(char: str) -> str:
    """A character's Unicode name in the standard notation, e.g. "U+001B"."""
    return f"U+{ord(char):04X}"


def escaped(text: str, *, json: bool = False) -> str:
    """`text` with each control character as a visible escape (`\\x1b`, `\\u202e`).

    Line breaks and tabs stay, since `text` is a whole output laid out with them; `json=True`
    gives JSON's own `\\u001b` form, so a JSON text stays valid and decodes to the same value.
    """
    if json:
        return CONTROL_IN_OUTPUT.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    return CONTROL_IN_OUTPUT.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    number = ord(found.group())
    return f"\\x{number:02x}" if number <= 0xFF else f"\\u{number:04x}"
