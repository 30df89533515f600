"""Hand-off to a person (DESIGN §12): one forum topic per customer in the support chat, the
conversations held in it, and the messages relayed between the customer's chat and the topic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

# Telegram's limit on a forum topic's name (Bot API: createForumTopic).
TOPIC_NAME_LIMIT = 128
# Why: a customer answering soon after staff closed the conversation continues it; much later,
# their messages go to the bot's own flows again and /human opens it anew.
REOPEN_WINDOW = timedelta(hours=24)
_NAME_LIMIT = 64


@dataclass(frozen=True)
class Handoff:
    """One conversation between a customer and staff in the customer's topic (open while
    `closed_at` is None)."""

    handoff_id: int
    customer_id: str
    support_chat_id: int
    thread_id: int
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None = None
    closed_by: str | None = None
    customer_told: bool = False

    @property
    def is_open(self) -> bool:
        """Whether messages are relayed now."""
        return self.closed_at is None

    def reopens_on_message(self, now: datetime) -> bool:
        """Whether a customer's message at `now` reopens this closed conversation."""
        return self.closed_at is not None and now - self.closed_at <= REOPEN_WINDOW


@dataclass(frozen=True)
class RelayClaim:
    """A message taken for relaying: `done` when its copy was made before (a replayed update)."""

    done: bool


class HandoffStore(Protocol):
    """Persistence of support topics, hand-offs and relayed messages."""

    async def support_thread(self, support_chat_id: int, customer_id: str) -> int | None:
        """The customer's topic in that support chat, if one was ever created."""
        ...

    async def save_support_thread(
        self, support_chat_id: int, customer_id: str, thread_id: int, *, at: datetime
    ) -> None:
        """Remember the customer's topic in that support chat."""
        ...

    async def latest_handoff(self, customer_id: str) -> Handoff | None:
        """The customer's most recent hand-off (open or closed), if any."""
        ...

    async def handoff_in_thread(self, support_chat_id: int, thread_id: int) -> Handoff | None:
        """The most recent hand-off held in that topic, if any."""
        ...

    async def open_handoff(
        self, customer_id: str, support_chat_id: int, thread_id: int, *, actor: str, at: datetime
    ) -> Handoff:
        """Start a hand-off (audited as `handoff.open` by `actor`); the customer's open one if
        there is one already."""
        ...

    async def close_handoff(self, handoff_id: int, *, actor: str, at: datetime) -> Handoff | None:
        """Close an open hand-off (audited as `handoff.close` by `actor`); None if it was not
        open."""
        ...

    async def mark_customer_told(self, handoff_id: int) -> bool:
        """Record that the customer was told their message reached the team; False if already."""
        ...

    async def claim_relay(
        self, handoff_id: int, from_chat_id: int, from_message_id: int, *, at: datetime
    ) -> RelayClaim:
        """Take a message for relaying, or learn that its copy was already made."""
        ...

    async def finish_relay(
        self, from_chat_id: int, from_message_id: int, to_chat_id: int, copy_message_id: int
    ) -> None:
        """Record the copy of a relayed message."""
        ...

    async def reply_chats(self, customer_id: str) -> list[int]:
        """The customer's linked chats the bot can write to, most recently linked first."""
        ...


def topic_title(name: str, order_numbers: list[str]) -> str:
    """A topic name within Telegram's 128 characters: "Ann Lee · 1042, 1043"; order numbers
    that do not fit are counted ("+3")."""
    shown_name = " ".join(name.split()) or "?"
    if len(shown_name) > _NAME_LIMIT:
        shown_name = shown_name[: _NAME_LIMIT - 1] + "…"
    if not order_numbers:
        return shown_name
    title = f"{shown_name} · "
    shown: list[str] = []
    for index, number in enumerate(order_numbers):
        rest = len(order_numbers) - index - 1
        more = f" +{rest}" if rest else ""
        candidate = ", ".join([*shown, number])
        if len(title + candidate + more) > TOPIC_NAME_LIMIT:
            break
        shown.append(number)
    hidden = len(order_numbers) - len(shown)
    body = ", ".join(shown) + (f" +{hidden}" if hidden else "")
    return (title + body.strip())[:TOPIC_NAME_LIMIT]


class Undeliverable(Exception):
    """The chat a copy was meant for cannot be written to (the user blocked the bot)."""


class SupportForum(Protocol):
    """The support chat's forum as the hand-off uses it (Telegram's forum topics and copies)."""

    async def create_topic(self, name: str) -> int:
        """Create a topic; its message_thread_id."""
        ...

    async def reopen_topic(self, thread_id: int, name: str) -> bool:
        """Reopen (and rename to `name`) a topic, open or closed; False if it no longer exists."""
        ...

    async def close_topic(self, thread_id: int) -> None:
        """Close a topic (best effort: a topic closed or gone already is fine)."""
        ...

    async def copy(
        self, from_chat_id: int, message_id: int, to_chat_id: int, thread_id: int | None
    ) -> int:
        """Copy a message as the bot's own (no author shown); the copy's message id.
        Raises Undeliverable when the target chat blocked the bot."""
        ...
