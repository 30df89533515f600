"""Flood limits: token buckets per chat and overall, answered with 429 and retry_after."""

from __future__ import annotations

from bot.sandbox.client import SandboxClient
from bot.sandbox.flood import FloodGate
from tests.sandbox.conftest import BotApi


def test_a_chat_gets_its_burst_then_must_wait_one_second_per_message() -> None:
    gate = FloodGate(global_rate=None, per_chat_rate=1.0, burst=3)
    assert [gate.admit(7, now=0.0) for _ in range(3)] == [None, None, None]
    assert gate.admit(7, now=0.1) == 1
    assert gate.admit(7, now=1.1) is None
    assert gate.admit(7, now=1.2) == 1


def test_one_busy_chat_does_not_slow_another() -> None:
    gate = FloodGate(global_rate=None, per_chat_rate=1.0, burst=1)
    assert gate.admit(1, now=0.0) is None
    assert gate.admit(1, now=0.0) == 1
    assert gate.admit(2, now=0.0) is None


def test_the_overall_limit_spans_all_chats() -> None:
    gate = FloodGate(global_rate=2.0, per_chat_rate=None, burst=1)
    assert [gate.admit(chat, now=0.0) for chat in (1, 2)] == [None, None]
    assert gate.admit(3, now=0.0) == 1
    assert gate.admit(3, now=0.5) is None


def test_retry_after_is_rounded_up_to_whole_seconds() -> None:
    gate = FloodGate(global_rate=None, per_chat_rate=0.2, burst=1)
    assert gate.admit(1, now=0.0) is None
    assert gate.admit(1, now=0.5) == 5


def test_a_refused_send_does_not_use_up_the_allowance() -> None:
    gate = FloodGate(global_rate=None, per_chat_rate=1.0, burst=1)
    assert gate.admit(1, now=0.0) is None
    assert [gate.admit(1, now=0.5) for _ in range(5)] == [1] * 5
    assert gate.admit(1, now=1.0) is None


async def test_too_many_sends_to_one_chat_are_answered_429_with_retry_after(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.configure(per_chat_rate=0.1, burst=3)
    statuses = [(await api.call("sendMessage", chat_id=customer, text="hi"))[0] for _ in range(3)]
    assert statuses == [200, 200, 200]
    status, body = await api.call("sendMessage", chat_id=customer, text="one too many")
    assert status == 429
    assert body["error_code"] == 429
    assert 1 <= body["parameters"]["retry_after"] <= 10
    assert (
        body["description"] == f"Too Many Requests: retry after {body['parameters']['retry_after']}"
    )
    stats = await client.stats()
    assert (stats["rate_limited"], stats["messages_sent"]) == (1, 3)
    assert [e["text"] for e in await client.transcript(customer)] == ["hi", "hi", "hi"]


async def test_edits_count_against_the_flood_limit_too(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.configure(per_chat_rate=0.1, burst=1)
    sent = await api.result("sendMessage", chat_id=customer, text="v1")
    status, _ = await api.call(
        "editMessageText", chat_id=customer, message_id=sent["message_id"], text="v2"
    )
    assert status == 429


async def test_with_limits_off_many_sends_go_through(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.configure(per_chat_rate=None, global_rate=None)
    statuses = {(await api.call("sendMessage", chat_id=customer, text="x"))[0] for _ in range(40)}
    assert statuses == {200}
