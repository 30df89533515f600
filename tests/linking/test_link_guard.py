"""The per-order limit across chats, and a customer's other chats told of a new one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.link_guard import OrderLockout
from bot.services.linking import (
    MAX_ORDER_FAILURES,
    ORDER_FAILURE_WINDOW,
    Linked,
    LinkResult,
    LockoutAlerting,
    NewChatLinked,
    Refused,
    link_by_contact,
    link_by_order_contact,
    other_chat_link,
    remove_other_chat,
)
from bot.services.notices import RenderedMessage
from storage.store import SqlStore
from tests.linking.conftest import NOW
from tests.sql import fetch_all

STAFF = (900, 901)


def alerting() -> LockoutAlerting:
    """Alerts to two staff chats, rendered plainly so a test can read them."""

    def render(lockout: OrderLockout) -> str:
        return f"paused {lockout.order_number}: {lockout.failures} from {lockout.chats} chats"

    return LockoutAlerting(STAFF, render)


async def queued(store: SqlStore, prefix: str) -> list[tuple[int, str]]:
    """(chat, text) of the outbox rows whose dedupe key starts with `prefix`."""
    rows = await fetch_all(
        store,
        "SELECT chat_id, text FROM outbox WHERE dedupe_key LIKE :prefix ORDER BY id",
        prefix=prefix + "%",
    )
    return [(int(row.chat_id), str(row.text)) for row in rows]


async def ten_chats_guess_four_emails(store: SqlStore, order_number: str) -> list[LinkResult]:
    return [
        await link_by_order_contact(
            store,
            100 + chat,
            order_number,
            f"guess{guess}@example.com",
            now=NOW + timedelta(minutes=chat),
            alerts=alerting(),
        )
        for chat in range(10)
        for guess in range(4)
    ]


@pytest.mark.parametrize("order_number", ["1001", "9999"])
async def test_ten_chats_guessing_lock_the_order_number_for_every_chat_and_staff_hear_once(
    store: SqlStore, order_number: str
) -> None:
    results = await ten_chats_guess_four_emails(store, order_number)
    later = NOW + timedelta(hours=1)

    right = await link_by_order_contact(
        store, 200, order_number, "alice@example.com", now=later, alerts=alerting()
    )

    assert results == [Refused()] * 40 and right == Refused()
    assert await store.linked_customer(200) is None
    alerts = await queued(store, "alert:link-paused:")
    assert alerts == [
        (chat, f"paused {order_number}: {MAX_ORDER_FAILURES} from 3 chats") for chat in STAFF
    ]


async def test_a_paused_order_still_links_by_contact_and_the_pause_ends_after_a_day(
    store: SqlStore,
) -> None:
    await ten_chats_guess_four_emails(store, "1001")

    assert await link_by_contact(store, 300, "+49 170 1234567", now=NOW) == Linked("C-ALICE")
    after = NOW + ORDER_FAILURE_WINDOW + timedelta(hours=1)
    assert await link_by_order_contact(store, 301, "1001", "alice@example.com", now=after) == (
        Linked("C-ALICE", "1001")
    )


async def test_a_second_lockout_a_day_later_alerts_staff_again(store: SqlStore) -> None:
    await ten_chats_guess_four_emails(store, "1001")
    after = NOW + ORDER_FAILURE_WINDOW + timedelta(hours=1)
    for chat in range(MAX_ORDER_FAILURES):
        await link_by_order_contact(
            store, 400 + chat, "1001", "nope@example.com", now=after, alerts=alerting()
        )
    assert len(await queued(store, "alert:link-paused:")) == 2 * len(STAFF)


def announcement(languages: tuple[str | None, ...], new: NewChatLinked) -> RenderedMessage:
    """The announcement rendered plainly: the languages it was asked in and the handle."""
    return RenderedMessage(f"{languages} {new.linked_at.isoformat()} {new.handle}")


async def test_a_new_chat_is_announced_to_the_customers_other_chats_only(
    store: SqlStore,
) -> None:
    await store.set_chat_language(10, "fr", actor="chat:10", at=NOW)
    for chat in (10, 11):
        await link_by_contact(store, chat, "+49 170 1234567", now=NOW, announce=announcement)
    await link_by_contact(store, 20, "+44 7700 900123", now=NOW, announce=announcement)
    later = NOW + timedelta(hours=1)

    await link_by_order_contact(
        store, 12, "1001", "alice@example.com", now=later, announce=announcement
    )

    told = await queued(store, "link:new-chat:")
    assert [chat for chat, _ in told] == [10, 10, 11]
    assert told[-2][1].startswith(f"('fr', 'fr') {later.isoformat()} ")
    assert told[-1][1].startswith(f"(None, 'fr') {later.isoformat()} ")


async def test_the_other_chat_removes_the_new_one_and_it_loses_the_customers_messages(
    store: SqlStore,
) -> None:
    await link_by_contact(store, 10, "+49 170 1234567", now=NOW, announce=announcement)
    later = NOW + timedelta(hours=1)
    await link_by_contact(store, 66, "+49 170 1234567", now=later, announce=announcement)
    ((_, text),) = await queued(store, "link:new-chat:")
    handle = text.rsplit(" ", 1)[1]

    assert await other_chat_link(store, 66, handle) is None
    assert await remove_other_chat(store, 66, handle, now=later) is False
    assert await remove_other_chat(store, 10, handle, now=later) is True

    assert await store.linked_customer(66) is None
    assert await store.linked_customer(10) == "C-ALICE"
    last = (await store.audit_entries("chat:66"))[-1]
    assert (last.action, last.actor) == ("chat.unlink", "chat:10")
    assert await remove_other_chat(store, 10, handle, now=later) is False


async def test_a_removal_button_of_an_earlier_link_of_that_chat_does_nothing(
    store: SqlStore,
) -> None:
    await link_by_contact(store, 10, "+49 170 1234567", now=NOW, announce=announcement)
    await link_by_contact(store, 66, "+49 170 1234567", now=NOW, announce=announcement)
    ((_, text),) = await queued(store, "link:new-chat:")
    handle = text.rsplit(" ", 1)[1]
    await store.unlink_chat(66, actor="chat:66", at=NOW)
    await link_by_contact(store, 66, "+49 170 1234567", now=NOW + timedelta(days=1))

    assert await remove_other_chat(store, 10, handle, now=NOW + timedelta(days=1)) is False
    assert await store.linked_customer(66) == "C-ALICE"


async def test_a_chat_of_another_customer_cannot_remove_anyone(store: SqlStore) -> None:
    await link_by_contact(store, 10, "+49 170 1234567", now=NOW, announce=announcement)
    await link_by_contact(store, 66, "+49 170 1234567", now=NOW, announce=announcement)
    await link_by_contact(store, 20, "+44 7700 900123", now=NOW, announce=announcement)
    ((_, text),) = await queued(store, "link:new-chat:")

    assert await remove_other_chat(store, 20, text.rsplit(" ", 1)[1], now=NOW) is False
    assert await store.linked_customer(66) == "C-ALICE"


async def test_a_chat_linking_again_to_its_own_customer_is_not_announced(
    store: SqlStore,
) -> None:
    await link_by_contact(store, 10, "+49 170 1234567", now=NOW, announce=announcement)
    await link_by_contact(store, 11, "+49 170 1234567", now=NOW, announce=announcement)
    later = NOW + timedelta(hours=1)

    await link_by_order_contact(
        store, 11, "1001", "alice@example.com", now=later, announce=announcement
    )

    assert len(await queued(store, "link:new-chat:")) == 1
