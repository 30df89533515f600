"""Whether the bot can write to a chat: a user who blocks it is unreachable until they come back."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from bot.domain.app_store import AppStore
from bot.domain.notice_store import NoticeStore
from bot.domain.outbox import OutboxStore
from bot.services.eta import RECOMPUTE_MARK

BLOCKED_REASON = "Forbidden: bot was blocked by the user"


async def chat_blocked(store: OutboxStore, chat_id: int, *, now: datetime) -> None:
    """Hold the chat's messages."""
    await store.mark_chat_unreachable(chat_id, reason=BLOCKED_REASON, at=now)


async def chat_reachable(store: AppStore, chat_id: int, *, now: datetime) -> bool:
    """Release held messages, retry the customer's undelivered notices; True if it was held."""
    released = await store.mark_chat_reachable(chat_id, at=now)
    customer_id = await store.linked_customer(chat_id)
    if customer_id is not None:
        await customer_reachable(store, customer_id, now=now)
    return released


async def customer_reachable(
    store: NoticeStore, customer_id: str, *, now: datetime
) -> tuple[str, ...]:
    """Orders whose undelivered notices the next sweep decides afresh (16 CFR 435.2, DESIGN §12)."""
    # Why: each order's state is already as if no notice had been sent, so the sweep sends what
    # the current facts call for, once, instead of the stale text.
    order_ids = await store.retry_undelivered_notices(customer_id, at=now)
    if order_ids:
        # Why: the sweep runs each second only when something changed; this is such a change.
        await store.set_setting(RECOMPUTE_MARK, uuid4().hex)
    return order_ids
