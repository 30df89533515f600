"""Ingest API idempotency keys and applied Shopify webhook ids (DESIGN §14)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

import storage.schema as schema
from bot.domain.ingest import StoredAnswer
from storage.codec import utc_text
from storage.database import insert

_requests = schema.ingest_requests
_webhooks = schema.shopify_webhooks
_STORED = select(_requests).where(_requests.c.key == bindparam("key"))
_FORGET = delete(_requests).where(_requests.c.created_at < bindparam("before"))
_FORGET_WEBHOOKS = delete(_webhooks).where(_webhooks.c.received_at < bindparam("before"))
# Why: 'SW' (Shopify webhooks), the class half of the order locks' two-key advisory locks.
ORDER_LOCK_CLASS = 0x5357
_LOCK = select(func.pg_advisory_xact_lock(bindparam("kind"), bindparam("key")))
_NEWEST = select(func.max(_webhooks.c.order_updated_at)).where(
    _webhooks.c.order_name == bindparam("order")
)
_ANSWER = (
    update(_requests)
    .where(_requests.c.key == bindparam("claimed"))
    .values(status=bindparam("new_status"), answer=bindparam("new_answer"))
)


async def claim_key(
    conn: AsyncConnection,
    key: str,
    endpoint: str,
    body_hash: str,
    *,
    at: datetime,
    forget_before: datetime,
) -> StoredAnswer | None:
    """Claim `key` (None) or return the answer stored under it.

    Why this is safe with two requests at once: the insert of a key another open transaction
    inserted waits for that transaction (unique key) on both databases; on PostgreSQL (READ
    COMMITTED) the select that follows is a new statement and sees the row it committed.
    """
    await conn.execute(_FORGET, {"before": utc_text(forget_before)})
    claim = (
        insert(conn, _requests)
        .values(key=key, endpoint=endpoint, body_hash=body_hash, created_at=utc_text(at))
        .on_conflict_do_nothing(index_elements=["key"])
    )
    if (await conn.execute(claim)).rowcount == 1:
        return None
    row = (await conn.execute(_STORED, {"key": key})).mappings().one()
    return StoredAnswer(row["endpoint"], row["body_hash"], row["status"] or 0, row["answer"] or "")


async def answer_key(conn: AsyncConnection, key: str, *, status: int, answer: str) -> None:
    """Store the answer of a claimed key."""
    await conn.execute(_ANSWER, {"claimed": key, "new_status": status, "new_answer": answer})


async def claim_webhook(
    conn: AsyncConnection,
    webhook_id: str,
    *,
    topic: str,
    order_name: str | None,
    order_updated_at: datetime | None,
    at: datetime,
    forget_before: datetime,
) -> bool:
    """Record a webhook id (ids older than `forget_before` deleted first); False when it was
    recorded before (or by a transaction this one waited for on the unique id)."""
    await conn.execute(_FORGET_WEBHOOKS, {"before": utc_text(forget_before)})
    claim = (
        insert(conn, _webhooks)
        .values(
            webhook_id=webhook_id,
            topic=topic,
            order_name=order_name,
            received_at=utc_text(at),
            order_updated_at=utc_text(order_updated_at) if order_updated_at else None,
        )
        .on_conflict_do_nothing(index_elements=["webhook_id"])
    )
    return (await conn.execute(claim)).rowcount == 1


async def lock_order(conn: AsyncConnection, order_name: str) -> None:
    """Hold the order's webhook lock until the transaction ends (PostgreSQL; SQLite's write
    transactions already run one at a time).

    Why: two deliveries for one order at once would each read the newest `updated_at` before
    the other commits, and the older payload could land last; with the lock the second waits
    and then reads the first's. A two-key advisory lock (class, order hash), a key space apart
    from the one-key locks other features take.
    """
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.sha256(order_name.encode()).digest()
    key = int.from_bytes(digest[:4], "big", signed=True)
    await conn.execute(_LOCK, {"kind": ORDER_LOCK_CLASS, "key": key})


async def newest_order_update(conn: AsyncConnection, order_name: str) -> datetime | None:
    """The latest `updated_at` of the order among the webhooks applied (None: none had one)."""
    newest = (await conn.execute(_NEWEST, {"order": order_name})).scalar()
    return datetime.fromisoformat(newest) if newest else None
