"""allow_paid_broadcast: its own higher overall limit, the per-chat limit kept, Stars counted."""

from __future__ import annotations

from bot.sandbox.client import SandboxClient
from bot.sandbox.flood import FloodGate
from tests.sandbox.conftest import BotApi

CHATS = range(610001, 610031)


async def users(client: SandboxClient) -> list[int]:
    for chat_id in CHATS:
        await client.create_user(chat_id, f"Customer {chat_id}")
    return list(CHATS)


def test_paid_sends_use_their_own_overall_allowance_not_the_free_one() -> None:
    gate = FloodGate(global_rate=2.0, per_chat_rate=None, burst=1, paid_rate=100.0)
    assert [gate.admit(chat, now=0.0) for chat in (1, 2)] == [None, None]
    assert gate.admit(3, now=0.0) == 1
    assert [gate.admit(chat, now=0.0, paid=True) for chat in range(10, 110)] == [None] * 100
    assert gate.admit(200, now=0.0, paid=True) == 1
    assert gate.admit(3, now=0.5) is None


async def test_paid_sends_beyond_the_free_limit_go_through_where_free_ones_get_429(
    api: BotApi, client: SandboxClient
) -> None:
    chats = await users(client)
    await client.configure(global_rate=2.0, per_chat_rate=1.0, burst=1)

    free = [(await api.call("sendMessage", chat_id=c, text="free"))[0] for c in chats[:15]]
    paid = [
        (await api.call("sendMessage", chat_id=c, text="paid", allow_paid_broadcast=True))[0]
        for c in chats[15:]
    ]

    assert 429 in free
    assert set(paid) == {200}
    stats = await client.stats()
    assert (stats["paid_messages"], stats["stars_charged"]) == (15, 1.5)


async def test_a_paid_send_still_keeps_the_per_chat_limit(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.configure(per_chat_rate=0.1, burst=1)
    first = await api.call("sendMessage", chat_id=customer, text="1", allow_paid_broadcast=True)
    second = await api.call("sendMessage", chat_id=customer, text="2", allow_paid_broadcast=True)
    assert (first[0], second[0]) == (200, 429)
    assert (await client.stats())["paid_messages"] == 1


async def test_the_paid_limit_is_configurable_and_refused_paid_sends_are_not_charged(
    api: BotApi, client: SandboxClient
) -> None:
    chats = await users(client)
    await client.configure(paid_broadcast_rate=1.0, per_chat_rate=None, burst=1)
    statuses = [
        (await api.call("sendMessage", chat_id=c, text="p", allow_paid_broadcast=True))[0]
        for c in chats[:3]
    ]
    assert statuses[0] == 200 and 429 in statuses
    assert (await client.stats())["paid_messages"] == statuses.count(200)


async def test_allow_paid_broadcast_must_be_a_boolean(api: BotApi, customer: int) -> None:
    status, body = await api.call(
        "sendMessage", chat_id=customer, text="x", allow_paid_broadcast="maybe"
    )
    assert status == 400
    assert (
        body["description"] == 'Bad Request: field "allow_paid_broadcast" must be of type Boolean'
    )


async def test_a_form_encoded_paid_send_is_counted_as_paid(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    status, _ = await api.call_form(
        "sendMessage", chat_id=str(customer), text="x", allow_paid_broadcast="true"
    )
    assert status == 200
    assert (await client.stats())["paid_messages"] == 1
