"""Guards on linking: a limit per order number across chats, and a customer's linked chats."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.handles import handle
from bot.domain.outbox import OutgoingMessage
from bot.domain.store import Store


@dataclass(frozen=True, slots=True)
class OrderLockout:
    """Linking by an order number and contact detail just paused for that typed number.

    `order_number` is the typed number's lookup key (bot.domain.order_number.order_key), whether
    or not such an order exists; `failures` and `chats` count the window that locked it.
    """

    order_number: str
    failures: int
    chats: int
    locked_at: datetime


@dataclass(frozen=True, slots=True)
class ChatLink:
    """A chat linked to a customer, since when, and the language chosen in it (if any)."""

    chat_id: int
    customer_id: str
    linked_at: datetime
    chat_language: str | None = None


def chat_link_handle(link: ChatLink) -> str:
    """The short handle of one link of a chat in callback data (DESIGN §7: never the chat id).

    Why the link time too: a chat unlinked and linked again is a new link, so a button about
    the old one resolves to nothing.
    """
    return handle("chat_link", f"{link.chat_id}@{link.linked_at.isoformat()}")


LockoutAlerts = Callable[[OrderLockout], Sequence[OutgoingMessage]]


class LinkGuardStore(Protocol):
    """Persistence of the per-order limit and of a customer's linked chats."""

    async def record_order_link_failure(
        self,
        chat_id: int,
        order_key: str,
        *,
        at: datetime,
        since: datetime,
        limit: int,
        alerts: LockoutAlerts,
    ) -> OrderLockout | None:
        """In one transaction: a failed attempt of the chat and of the typed order number.

        When the number has `limit` failures since `since` and no lockout began since then, a
        lockout begins: returned, and the messages `alerts` makes of it are queued.
        """
        ...

    async def order_link_failures_since(self, order_key: str, since: datetime) -> int:
        """Failed attempts with this typed order number since a moment, from any chat."""
        ...

    async def customer_chat_links(self, customer_id: str) -> list[ChatLink]:
        """The chats linked to a customer, oldest link first."""
        ...

    async def link_chat_announced(
        self,
        chat_id: int,
        customer_id: str,
        *,
        via: str,
        actor: str,
        at: datetime,
        messages: Sequence[OutgoingMessage],
    ) -> None:
        """`link_chat`, queueing `messages` (telling the customer's other chats) with it."""
        ...

    async def unlink_customer_chat(
        self, chat_id: int, customer_id: str, linked_at: datetime, *, actor: str, at: datetime
    ) -> bool:
        """Unlink a chat (audited) only while that very link still stands; False otherwise."""
        ...


class LinkingStore(LinkGuardStore, Store, Protocol):
    """What linking a chat needs: the store and the guards' persistence."""
