"""Telegram's HTML parse mode: what the user sees and which markup is refused."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sandbox.errors import ApiError
from bot.sandbox.html import parse_html, utf16_length


def test_formatting_tags_become_entities_over_the_plain_text() -> None:
    parsed = parse_html("Order <b>A-17</b> ships <i>12 Dec</i>")
    assert parsed.text == "Order A-17 ships 12 Dec"
    assert parsed.entities == [
        {"type": "bold", "offset": 6, "length": 4},
        {"type": "italic", "offset": 17, "length": 6},
    ]


def test_the_four_named_entities_and_numeric_entities_are_decoded() -> None:
    assert parse_html("&lt;a&gt; &amp; &quot;b&quot; &#8364; &#x41;").text == '<a> & "b" € A'


def test_unknown_named_entities_and_bare_ampersands_stay_as_written() -> None:
    assert parse_html("Tom & Jerry &nbsp;").text == "Tom & Jerry &nbsp;"


def test_entity_offsets_count_utf16_units_like_telegram() -> None:
    parsed = parse_html("📦 <b>box</b>")
    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 3}]


def test_links_spoilers_quotes_and_code_blocks_are_supported() -> None:
    source = (
        '<a href="https://example.com/?a=1&amp;b=2">shop</a> <span class="tg-spoiler">x</span> '
        "<tg-spoiler>y</tg-spoiler> <blockquote expandable>q</blockquote> "
        '<pre><code class="language-python">1</code></pre> <s>z</s><u>w</u>'
    )
    types = [entity["type"] for entity in parse_html(source).entities]
    assert types == [
        "text_link",
        "spoiler",
        "spoiler",
        "expandable_blockquote",
        "pre",
        "strikethrough",
        "underline",
    ]
    link = parse_html(source).entities[0]
    assert link["url"] == "https://example.com/?a=1&b=2"
    assert parse_html(source).entities[4]["language"] == "python"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("price < 5", 'Unsupported start tag "" at byte offset 6'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<span class="red">x</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_bad_or_unsupported_markup_cannot_be_parsed(source: str, reason: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_html(source)
    assert refused.value.code == 400
    assert refused.value.description.startswith("Bad Request: can't parse entities: " + reason)


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1))
def test_any_text_escaped_with_html_escape_reads_back_unchanged(value: str) -> None:
    parsed = parse_html(f"<b>{html.escape(value)}</b>")
    assert parsed.text == value
    assert parsed.entities == [{"type": "bold", "offset": 0, "length": utf16_length(value)}]
