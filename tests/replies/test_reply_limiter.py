"""Which Bot API failures the reply limiter tries again, and for how long (one unit's logic)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.domain.retry import RetryPolicy
from bot.reply_limiter import ReplyLimiter, ReplyNotDelivered

QUICK = RetryPolicy(base_seconds=0.001, max_seconds=0.002)


class FlakyCall:
    """A Bot API call that fails with each of `failures` in turn, then answers True."""

    def __init__(self, *failures: TelegramError) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> bool:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return True


def limiter(window: float = 5.0) -> ReplyLimiter:
    return ReplyLimiter(retry_seconds=window, backoff=QUICK, rng=random.Random(1))


async def send(limiter: ReplyLimiter, call: FlakyCall, endpoint: str = "sendMessage") -> object:
    data = {"chat_id": 42, "text": "hi"} if endpoint != "answerCallbackQuery" else {}
    if endpoint == "answerCallbackQuery":
        data["callback_query_id"] = "7"
    return await limiter.process_request(call, (), {}, endpoint, data, None)


@pytest.mark.parametrize("endpoint", ["sendMessage", "editMessageText", "answerCallbackQuery"])
async def test_server_errors_timeouts_and_flood_waits_are_tried_again_until_the_reply_lands(
    endpoint: str,
) -> None:
    call = FlakyCall(
        NetworkError("Bad Gateway"),
        TimedOut(),
        RetryAfter(timedelta(milliseconds=5)),
        NetworkError("Internal Server Error"),
    )

    assert await send(limiter(), call, endpoint) is True
    assert call.calls == 5


@pytest.mark.parametrize(
    "refusal",
    [BadRequest("Bad Request: can't parse entities"), Forbidden("Forbidden: bot was blocked")],
)
async def test_a_refusal_for_good_is_not_tried_again(refusal: TelegramError) -> None:
    call = FlakyCall(refusal)

    with pytest.raises(type(refusal)):
        await send(limiter(), call)
    assert call.calls == 1


async def test_a_reply_still_failing_when_the_window_closes_is_not_delivered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    call = FlakyCall(*[NetworkError("Bad Gateway")] * 1000)

    with pytest.raises(ReplyNotDelivered) as raised:
        await send(limiter(window=0.05), call)

    assert raised.value.endpoint == "sendMessage" and raised.value.target == "chat 42"
    assert isinstance(raised.value.__cause__, NetworkError)
    assert 1 < call.calls < 1000
    assert "reply not delivered: sendMessage to chat 42" in caplog.text


async def test_a_flood_wait_longer_than_the_window_gives_up_at_once() -> None:
    call = FlakyCall(RetryAfter(30))

    with pytest.raises(ReplyNotDelivered):
        await send(limiter(window=1.0), call)
    assert call.calls == 1


@pytest.mark.parametrize("endpoint", ["getUpdates", "getMe", "setMyCommands", "deleteWebhook"])
async def test_calls_that_are_not_replies_are_made_once(endpoint: str) -> None:
    call = FlakyCall(NetworkError("Bad Gateway"))

    with pytest.raises(NetworkError):
        await limiter().process_request(call, (), {}, endpoint, {}, None)
    assert call.calls == 1
