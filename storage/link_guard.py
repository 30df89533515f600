"""The per-order linking limit's tables, and a customer's linked chats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import ReturningInsert

from bot.domain.link_guard import ChatLink, LockoutAlerts, OrderLockout
from storage.codec import utc_text
from storage.database import insert
from storage.outbox import insert_outbox_rows
from storage.schema import chat_links, chat_prefs, order_link_attempts, order_link_lockouts

_attempts = order_link_attempts
_INSERT_ATTEMPT = _attempts.insert()
_recent = (_attempts.c.order_key == bindparam("order_key")) & (
    _attempts.c.attempted_at >= bindparam("since")
)
_FAILURES = select(func.count(), func.count(_attempts.c.chat_id.distinct())).where(_recent)
_FAILURE_COUNT = select(func.count()).where(_recent)
_CHAT_LINKS = (
    select(
        chat_links.c.chat_id,
        chat_links.c.customer_id,
        chat_links.c.linked_at,
        chat_prefs.c.language,
    )
    .select_from(chat_links.outerjoin(chat_prefs, chat_prefs.c.chat_id == chat_links.c.chat_id))
    .where(chat_links.c.customer_id == bindparam("customer_id"))
    .order_by(chat_links.c.linked_at, chat_links.c.chat_id)
)


async def record_order_failure(
    conn: AsyncConnection,
    chat_id: int,
    order_key: str,
    *,
    at: datetime,
    since: datetime,
    limit: int,
    alerts: LockoutAlerts,
) -> OrderLockout | None:
    """Record one failure of a typed order number (inside the caller's transaction).

    Returns the lockout it began, if any (see LinkGuardStore.record_order_link_failure).
    """
    await conn.execute(
        _INSERT_ATTEMPT,
        {"order_key": order_key, "chat_id": chat_id, "attempted_at": utc_text(at)},
    )
    window = {"order_key": order_key, "since": utc_text(since)}
    failures, chats = (await conn.execute(_FAILURES, window)).one()
    if failures < limit:
        return None
    # Why: on PostgreSQL (READ COMMITTED) two chats may fail at once; the lockout begins in one
    # conditional upsert (the row is locked while it decides), so only one of them alerts staff.
    began = (
        await conn.execute(
            _begin_lockout(conn), {"order_key": order_key, "locked_at": utc_text(at), **window}
        )
    ).first()
    if began is None:
        return None
    lockout = OrderLockout(order_key, int(failures), int(chats), at)
    await insert_outbox_rows(conn, alerts(lockout), now=at)
    return lockout


def _begin_lockout(conn: AsyncConnection) -> ReturningInsert[tuple[str]]:
    """The lockout's upsert in the connection's dialect (built once per dialect)."""
    statement = _lockout_upserts.get(conn.dialect.name)
    if statement is None:
        upsert = insert(conn, order_link_lockouts)
        statement = _lockout_upserts[conn.dialect.name] = upsert.on_conflict_do_update(
            index_elements=[order_link_lockouts.c.order_key],
            set_={"locked_at": upsert.excluded.locked_at},
            where=order_link_lockouts.c.locked_at < bindparam("since"),
        ).returning(order_link_lockouts.c.order_key)
    return statement


_lockout_upserts: dict[str, ReturningInsert[tuple[str]]] = {}


async def order_failures_since(conn: AsyncConnection, order_key: str, since: datetime) -> int:
    """Failed attempts with a typed order number since a moment."""
    count = await conn.scalar(_FAILURE_COUNT, {"order_key": order_key, "since": utc_text(since)})
    return int(count or 0)


async def read_chat_links(conn: AsyncConnection, customer_id: str) -> list[ChatLink]:
    """The chats linked to a customer with the language chosen in each, oldest link first."""
    rows = await conn.execute(_CHAT_LINKS, {"customer_id": customer_id})
    return [
        ChatLink(int(chat_id), str(customer), datetime.fromisoformat(linked_at), language)
        for chat_id, customer, linked_at, language in rows
    ]
