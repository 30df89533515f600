"""Use cases of the hand-off to a person (DESIGN §12): open or reopen the customer's forum topic,
relay the customer's messages into it and staff's answers back, close it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.domain.handoffs import Handoff, HandoffStore, SupportForum, Undeliverable
from bot.domain.link_guard import LinkGuardStore
from bot.domain.outbox import OutboxStore
from bot.services.reachability import chat_blocked


class HandoffPort(HandoffStore, OutboxStore, LinkGuardStore, Protocol):
    """What the hand-off use cases need of the store (the customer's links, marking a blocked
    chat too)."""


@dataclass(frozen=True)
class Opened:
    """A hand-off started (or found open): whether its topic is new, reopened or was open."""

    handoff: Handoff
    new_topic: bool = False
    reopened: bool = False
    already_open: bool = False


# Called after a hand-off opens and before anything is relayed into it (e.g. the order card).
Announce = Callable[[Opened], Awaitable[None]]


async def open_handoff(
    store: HandoffStore,
    forum: SupportForum,
    *,
    support_chat_id: int,
    customer_id: str,
    title: str,
    actor: str,
    now: datetime,
) -> Opened:
    """Open the customer's hand-off in their topic of the support chat — creating the topic the
    first time, reopening (and renaming to `title`) it later — or find it open already. Audited
    as `handoff.open` by `actor` (`customer:<id>`). Callers serialize calls per customer in a
    process; two instances racing end with one open hand-off and one topic in use."""
    latest = await store.latest_handoff(customer_id)
    if latest is not None and latest.is_open:
        return Opened(latest, already_open=True)
    thread_id = await store.support_thread(support_chat_id, customer_id)
    new_topic = thread_id is None or not await forum.reopen_topic(thread_id, title)
    if new_topic:
        thread_id = await forum.create_topic(title)
        await store.save_support_thread(support_chat_id, customer_id, thread_id, at=now)
    assert thread_id is not None
    handoff = await store.open_handoff(customer_id, support_chat_id, thread_id, actor=actor, at=now)
    if new_topic and handoff.thread_id != thread_id:
        # Why: another instance opened the customer's hand-off at the same moment, in its own new
        # topic; the store keeps one open hand-off per customer, so that topic is the customer's
        # and ours is closed unused.
        await forum.close_topic(thread_id)
        await store.save_support_thread(support_chat_id, customer_id, handoff.thread_id, at=now)
        return Opened(handoff, already_open=True)
    return Opened(handoff, new_topic=new_topic, reopened=not new_topic)


@dataclass(frozen=True)
class CustomerRelay:
    """A customer's message mirrored into their topic (`duplicate`: it had been before);
    `first` when it is the first of this hand-off (the customer is told once); `opened` when the
    message reopened a closed hand-off."""

    handoff: Handoff
    duplicate: bool
    first: bool
    opened: Opened | None = None


async def relay_from_customer(
    store: HandoffStore,
    forum: SupportForum,
    *,
    customer_id: str,
    chat_id: int,
    message_id: int,
    title: Callable[[], Awaitable[str]],
    announce: Announce,
    now: datetime,
) -> CustomerRelay | None:
    """Mirror a customer's message into their topic while their hand-off is open, reopening one
    closed within the reopen window first (its topic renamed to `title()`; `announce` runs after
    the reopen, before the copy).
    None when no hand-off takes the message: the bot's own flows answer it."""
    handoff = await store.latest_handoff(customer_id)
    if handoff is None or not (handoff.is_open or handoff.reopens_on_message(now)):
        return None
    opened: Opened | None = None
    if not handoff.is_open:
        opened = await open_handoff(
            store,
            forum,
            support_chat_id=handoff.support_chat_id,
            customer_id=customer_id,
            title=await title(),
            actor=f"customer:{customer_id}",
            now=now,
        )
        handoff = opened.handoff
        await announce(opened)
    claim = await store.claim_relay(handoff.handoff_id, chat_id, message_id, at=now)
    if claim.done:
        return CustomerRelay(handoff, duplicate=True, first=False, opened=opened)
    copy_id = await forum.copy(chat_id, message_id, handoff.support_chat_id, handoff.thread_id)
    await store.finish_relay(chat_id, message_id, handoff.support_chat_id, copy_id)
    first = await store.mark_customer_told(handoff.handoff_id)
    return CustomerRelay(handoff, duplicate=False, first=first, opened=opened)


class StaffRelayOutcome(StrEnum):
    """What became of a staff message written in a topic."""

    NOT_A_HANDOFF = "not_a_handoff"  # the topic holds no hand-off
    CLOSED = "closed"  # the hand-off is closed: nothing relayed
    DUPLICATE = "duplicate"  # relayed before (a replayed update)
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"  # every chat of the customer blocked the bot
    NO_CHAT = "no_chat"  # no chat is linked to the customer any more


@dataclass(frozen=True)
class StaffRelay:
    """The outcome, the hand-off concerned and the customer's chat that got the copy."""

    outcome: StaffRelayOutcome
    handoff: Handoff | None = None
    chat_id: int | None = None


async def relay_from_staff(
    store: HandoffPort,
    forum: SupportForum,
    *,
    support_chat_id: int,
    thread_id: int,
    message_id: int,
    now: datetime,
) -> StaffRelay:
    """Copy a staff message from a topic to the customer, as the shop (no staff name), into the
    chat they linked most recently that the bot can reach; a chat found blocked is marked so
    (its messages held) and the next one tried. Only an open hand-off relays (DESIGN §12)."""
    handoff = await store.handoff_in_thread(support_chat_id, thread_id)
    if handoff is None:
        return StaffRelay(StaffRelayOutcome.NOT_A_HANDOFF)
    if not handoff.is_open:
        return StaffRelay(StaffRelayOutcome.CLOSED, handoff)
    claim = await store.claim_relay(handoff.handoff_id, support_chat_id, message_id, at=now)
    if claim.done:
        return StaffRelay(StaffRelayOutcome.DUPLICATE, handoff)
    chats = await store.reply_chats(handoff.customer_id)
    if not chats and not await store.customer_chat_links(handoff.customer_id):
        return StaffRelay(StaffRelayOutcome.NO_CHAT, handoff)
    for chat_id in chats:
        try:
            copy_id = await forum.copy(support_chat_id, message_id, chat_id, None)
        except Undeliverable:
            await chat_blocked(store, chat_id, now=now)
            continue
        await store.finish_relay(support_chat_id, message_id, chat_id, copy_id)
        return StaffRelay(StaffRelayOutcome.DELIVERED, handoff, chat_id)
    return StaffRelay(StaffRelayOutcome.UNDELIVERABLE, handoff)


@dataclass(frozen=True)
class ClosedHandoff:
    """A hand-off just closed: the customer, and their chat to tell (None: none reachable).

    The ratings work asks the customer for a rating of hand-off `handoff_id` from this value
    (ratings subject `handoff:<handoff_id>`, DESIGN §12 CSAT)."""

    handoff_id: int
    customer_id: str
    chat_id: int | None


async def close_handoff(
    store: HandoffStore,
    forum: SupportForum,
    *,
    support_chat_id: int,
    thread_id: int,
    actor: str,
    now: datetime,
) -> ClosedHandoff | None:
    """Close the open hand-off of a topic (audited as `handoff.close` by `actor`,
    `staff:<id>`) and its forum topic; None when the topic holds no open hand-off."""
    handoff = await store.handoff_in_thread(support_chat_id, thread_id)
    if handoff is None or not handoff.is_open:
        return None
    closed = await store.close_handoff(handoff.handoff_id, actor=actor, at=now)
    if closed is None:
        return None
    chats = await store.reply_chats(closed.customer_id)
    return ClosedHandoff(closed.handoff_id, closed.customer_id, chats[0] if chats else None)
