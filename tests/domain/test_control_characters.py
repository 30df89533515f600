"""The control characters kept out of imports and made visible on output (bot/domain)."""

from __future__ import annotations

import json
import sys
import unicodedata

from bot.domain.control_characters import CONTROL, CONTROL_IN_CELL, CONTROL_IN_OUTPUT, escaped

BIDI_FORMATTING = {"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI"}


def test_the_character_class_is_exactly_the_controls_separators_and_bidi_formatting() -> None:
    expected = {
        char
        for char in map(chr, range(sys.maxunicode + 1))
        if unicodedata.category(char) in ("Cc", "Zl", "Zp")
        or unicodedata.bidirectional(char) in BIDI_FORMATTING
    }

    found = {char for char in map(chr, range(0x3000)) if CONTROL.match(char)}

    assert found == expected
    assert {char for char in expected if not CONTROL_IN_CELL.match(char)} == {"\n", "\r"}
    assert {char for char in expected if not CONTROL_IN_OUTPUT.match(char)} == {"\n", "\t"}


def test_escaped_text_shows_each_control_as_an_escape_and_keeps_the_layout() -> None:
    shown = escaped("a\x1b[31mb\u202ec\x85d\te\nf")

    assert shown == "a\\x1b[31mb\\u202ec\\x85d\te\nf"


def test_escaped_json_decodes_to_the_same_value_without_any_raw_control() -> None:
    value = {"name": "Mug\x1b[2J\u202e\x85\u2028\u2067"}

    shown = escaped(json.dumps(value, ensure_ascii=False), json=True)

    assert json.loads(shown) == value
    assert not CONTROL.search(shown)
