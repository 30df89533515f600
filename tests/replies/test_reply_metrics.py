"""The reply limiter's counts in /metrics: replies sent, given up on, and 429s (DESIGN §13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import BadRequest, RetryAfter

from bot import metrics
from tests.replies.test_reply_limiter import FlakyCall, limiter, send


def count(counter: str, kind: str) -> float:
    """A labelled counter's value now."""
    value = metrics.REGISTRY.get_sample_value(f"{counter}_total", {"kind": kind})
    return value or 0.0


async def test_a_reply_that_lands_after_a_429_counts_one_sent_and_one_rate_limited() -> None:
    sent, limited = (
        count("backorder_messages_sent", "reply"),
        count("backorder_rate_limited", "reply"),
    )
    call = FlakyCall(RetryAfter(timedelta(milliseconds=5)))

    assert await send(limiter(), call) is True

    assert count("backorder_messages_sent", "reply") - sent == 1
    assert count("backorder_rate_limited", "reply") - limited == 1


async def test_a_refused_reply_counts_as_failed_not_sent() -> None:
    sent, failed = (
        count("backorder_messages_sent", "reply"),
        count("backorder_messages_failed", "reply"),
    )
    call = FlakyCall(BadRequest("Bad Request: can't parse entities"))

    with pytest.raises(BadRequest):
        await send(limiter(), call)

    assert count("backorder_messages_sent", "reply") - sent == 0
    assert count("backorder_messages_failed", "reply") - failed == 1


async def test_answering_a_button_press_is_not_counted_as_a_message() -> None:
    sent = count("backorder_messages_sent", "reply")

    assert await send(limiter(), FlakyCall(), "answerCallbackQuery") is True

    assert count("backorder_messages_sent", "reply") == sent
