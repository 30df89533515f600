"""The pure rules of ratings: subjects, comments as stored, what counts as low."""

from __future__ import annotations

import pytest

from bot.domain.ratings import (
    COMMENT_LIMIT,
    Subject,
    clean_comment,
    handoff_subject,
    is_low,
    order_subject,
    parse_subject,
)


def test_subjects_name_an_order_or_a_hand_off_and_nothing_else() -> None:
    assert parse_subject(order_subject("#1001")) == Subject("order", "#1001")
    assert parse_subject(order_subject("A:1")).order_id == "A:1"
    assert parse_subject(handoff_subject(7)) == Subject("handoff", "7")
    assert parse_subject("handoff:7").order_id is None
    for bad in ("1001", "order:", "refund:3", ""):
        with pytest.raises(ValueError):
            parse_subject(bad)


def test_a_comment_keeps_its_words_and_line_breaks_but_no_control_characters() -> None:
    assert clean_comment("  Late,\nbut\u202e fine\x1b[0m ") == "Late,\nbut  fine [0m"
    assert clean_comment("\x00\x07 \t") is None
    long = clean_comment("a" * (COMMENT_LIMIT + 50))
    assert long is not None and len(long) == COMMENT_LIMIT and long.endswith("…")


def test_one_and_two_are_low_scores() -> None:
    assert [score for score in range(1, 6) if is_low(score)] == [1, 2]
