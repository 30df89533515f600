"""The support_topics, handoffs and handoff_relays tables (DESIGN §12 hand-off).

Functions take a connection inside the caller's transaction (`Database.write()`/`read()`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, and_, bindparam, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.handoffs import Handoff, RelayClaim
from storage.audit import Change, write_changes
from storage.codec import utc_text
from storage.schema import chat_links, handoff_relays, handoffs, support_topics, unreachable_chats

_HANDOFF = select(
    handoffs.c.id,
    handoffs.c.customer_id,
    handoffs.c.support_chat_id,
    handoffs.c.thread_id,
    handoffs.c.opened_at,
    handoffs.c.opened_by,
    handoffs.c.closed_at,
    handoffs.c.closed_by,
    handoffs.c.customer_told,
)
_BY_ID = _HANDOFF.where(handoffs.c.id == bindparam("handoff_id"))
_LATEST = (
    _HANDOFF.where(handoffs.c.customer_id == bindparam("customer_id"))
    .order_by(handoffs.c.id.desc())
    .limit(1)
)
_IN_THREAD = (
    _HANDOFF.where(
        handoffs.c.support_chat_id == bindparam("support_chat_id"),
        handoffs.c.thread_id == bindparam("thread_id"),
    )
    .order_by(handoffs.c.id.desc())
    .limit(1)
)
_OPEN = _HANDOFF.where(
    handoffs.c.customer_id == bindparam("customer_id"), handoffs.c.closed_at.is_(None)
)
_THREAD = select(support_topics.c.thread_id).where(
    support_topics.c.support_chat_id == bindparam("support_chat_id"),
    support_topics.c.customer_id == bindparam("customer_id"),
)
_CLOSE = (
    update(handoffs)
    .where(handoffs.c.id == bindparam("handoff_id"), handoffs.c.closed_at.is_(None))
    .values(closed_at=bindparam("at"), closed_by=bindparam("actor"))
)
_TOLD = (
    update(handoffs)
    .where(handoffs.c.id == bindparam("handoff_id"), handoffs.c.customer_told == 0)
    .values(customer_told=1)
)
_RELAY_KEY = and_(
    handoff_relays.c.from_chat_id == bindparam("chat"),
    handoff_relays.c.from_message_id == bindparam("message"),
)
_RELAY_COPY = select(handoff_relays.c.copy_message_id).where(_RELAY_KEY)
_FINISH = (
    update(handoff_relays)
    .where(_RELAY_KEY)
    .values(to_chat_id=bindparam("to_chat"), copy_message_id=bindparam("copy_id"))
)
_REPLY_CHATS = (
    select(chat_links.c.chat_id)
    .where(
        chat_links.c.customer_id == bindparam("customer_id"),
        ~exists().where(unreachable_chats.c.chat_id == chat_links.c.chat_id),
    )
    .order_by(chat_links.c.linked_at.desc(), chat_links.c.chat_id.desc())
)


def _by_dialect(build: Any) -> dict[str, Any]:
    """A statement built once per dialect's INSERT (ON CONFLICT differs in its class only)."""
    return {"sqlite": build(sqlite.insert), "postgresql": build(postgresql.insert)}


_SAVE_THREAD = _by_dialect(
    lambda insert: (
        stmt := insert(support_topics).values(
            support_chat_id=bindparam("support_chat_id"),
            customer_id=bindparam("customer_id"),
            thread_id=bindparam("thread_id"),
            created_at=bindparam("created_at"),
        )
    ).on_conflict_do_update(
        index_elements=[support_topics.c.support_chat_id, support_topics.c.customer_id],
        set_={"thread_id": stmt.excluded.thread_id, "created_at": stmt.excluded.created_at},
    )
)
# Why: the partial unique index handoffs_one_open is the arbiter: of two transactions opening a
# hand-off for one customer at once (two instances on PostgreSQL, READ COMMITTED), the second
# waits for the first to commit and then inserts nothing; its next statement sees the first's row.
_INSERT_OPEN = _by_dialect(
    lambda insert: (
        insert(handoffs)
        .values(
            customer_id=bindparam("customer_id"),
            support_chat_id=bindparam("support_chat_id"),
            thread_id=bindparam("thread_id"),
            opened_at=bindparam("opened_at"),
            opened_by=bindparam("opened_by"),
        )
        .on_conflict_do_nothing(
            index_elements=[handoffs.c.customer_id], index_where=handoffs.c.closed_at.is_(None)
        )
        .returning(handoffs.c.id)
    )
)
# Why: the primary key (from_chat_id, from_message_id) dedupes a replayed update: the claim that
# inserts the row relays; a later one only learns whether the copy was made.
_CLAIM = _by_dialect(
    lambda insert: (
        insert(handoff_relays)
        .values(
            from_chat_id=bindparam("from_chat_id"),
            from_message_id=bindparam("from_message_id"),
            handoff_id=bindparam("handoff_id"),
            claimed_at=bindparam("claimed_at"),
        )
        .on_conflict_do_nothing(
            index_elements=[handoff_relays.c.from_chat_id, handoff_relays.c.from_message_id]
        )
        .returning(handoff_relays.c.from_message_id)
    )
)


def _moment(text: object) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _handoff(row: RowMapping) -> Handoff:
    return Handoff(
        handoff_id=int(row["id"]),
        customer_id=str(row["customer_id"]),
        support_chat_id=int(row["support_chat_id"]),
        thread_id=int(row["thread_id"]),
        opened_at=_moment(row["opened_at"]),
        opened_by=str(row["opened_by"]),
        closed_at=_moment(row["closed_at"]) if row["closed_at"] is not None else None,
        closed_by=str(row["closed_by"]) if row["closed_by"] is not None else None,
        customer_told=bool(row["customer_told"]),
    )


async def _one(conn: AsyncConnection, stmt: Any, params: dict[str, Any]) -> Handoff | None:
    row = (await conn.execute(stmt, params)).mappings().first()
    return _handoff(row) if row is not None else None


async def _audit(conn: AsyncConnection, changes: list[Change], *, actor: str, at: datetime) -> None:
    await write_changes(conn, changes, actor=actor, at=at)


async def support_thread(
    conn: AsyncConnection, support_chat_id: int, customer_id: str
) -> int | None:
    """The customer's topic (message_thread_id) in that support chat; None if never created."""
    thread = (
        await conn.execute(
            _THREAD, {"support_chat_id": support_chat_id, "customer_id": customer_id}
        )
    ).scalar()
    return int(thread) if thread is not None else None


async def save_support_thread(
    conn: AsyncConnection,
    support_chat_id: int,
    customer_id: str,
    thread_id: int,
    *,
    at: datetime,
) -> None:
    """Remember (or replace) the customer's topic in that support chat."""
    await conn.execute(
        _SAVE_THREAD[conn.dialect.name],
        {
            "support_chat_id": support_chat_id,
            "customer_id": customer_id,
            "thread_id": thread_id,
            "created_at": utc_text(at),
        },
    )


async def latest_handoff(conn: AsyncConnection, customer_id: str) -> Handoff | None:
    """The customer's most recent hand-off (open or closed); None if none."""
    return await _one(conn, _LATEST, {"customer_id": customer_id})


async def handoff_in_thread(
    conn: AsyncConnection, support_chat_id: int, thread_id: int
) -> Handoff | None:
    """The most recent hand-off held in a topic; None if none."""
    return await _one(
        conn, _IN_THREAD, {"support_chat_id": support_chat_id, "thread_id": thread_id}
    )


async def open_handoff(
    conn: AsyncConnection,
    customer_id: str,
    support_chat_id: int,
    thread_id: int,
    *,
    actor: str,
    at: datetime,
) -> Handoff:
    """Start a hand-off with its audit row (inside the caller's write transaction); the open one
    if the customer has one, also when another transaction opened it at the same moment."""
    current = await _one(conn, _OPEN, {"customer_id": customer_id})
    if current is not None:
        return current
    handoff_id = (
        await conn.execute(
            _INSERT_OPEN[conn.dialect.name],
            {
                "customer_id": customer_id,
                "support_chat_id": support_chat_id,
                "thread_id": thread_id,
                "opened_at": utc_text(at),
                "opened_by": actor,
            },
        )
    ).scalar()
    if handoff_id is None:
        # Why: another transaction committed an open hand-off after our first read (PostgreSQL,
        # READ COMMITTED): this statement sees it.
        raced = await _one(conn, _OPEN, {"customer_id": customer_id})
        assert raced is not None, "the conflicting open hand-off is committed"
        return raced
    after = {"customer_id": customer_id, "support_chat_id": support_chat_id, "thread_id": thread_id}
    change = Change("handoff.open", f"handoff:{handoff_id}", None, after)
    await _audit(conn, [change], actor=actor, at=at)
    opened = await _one(conn, _BY_ID, {"handoff_id": handoff_id})
    assert opened is not None
    return opened


async def close_handoff(
    conn: AsyncConnection, handoff_id: int, *, actor: str, at: datetime
) -> Handoff | None:
    """Close an open hand-off with its audit row; None if it was not open.

    Why: a conditional UPDATE (`closed_at IS NULL` + rowcount): of two closes at once, one wins.
    """
    result = await conn.execute(
        _CLOSE, {"handoff_id": handoff_id, "at": utc_text(at), "actor": actor}
    )
    if result.rowcount != 1:
        return None
    change = Change("handoff.close", f"handoff:{handoff_id}", "open", "closed")
    await _audit(conn, [change], actor=actor, at=at)
    return await _one(conn, _BY_ID, {"handoff_id": handoff_id})


async def mark_customer_told(conn: AsyncConnection, handoff_id: int) -> bool:
    """Set the hand-off's "customer told" flag; False when it was set already (conditional
    UPDATE: exactly one caller gets True)."""
    result = await conn.execute(_TOLD, {"handoff_id": handoff_id})
    return result.rowcount == 1


async def claim_relay(
    conn: AsyncConnection,
    handoff_id: int,
    from_chat_id: int,
    from_message_id: int,
    *,
    at: datetime,
) -> RelayClaim:
    """Take a message for relaying; `done` when its copy exists already."""
    claimed = (
        await conn.execute(
            _CLAIM[conn.dialect.name],
            {
                "from_chat_id": from_chat_id,
                "from_message_id": from_message_id,
                "handoff_id": handoff_id,
                "claimed_at": utc_text(at),
            },
        )
    ).first()
    if claimed is not None:
        return RelayClaim(done=False)
    key = {"chat": from_chat_id, "message": from_message_id}
    copy = (await conn.execute(_RELAY_COPY, key)).scalar()
    return RelayClaim(done=copy is not None)


async def finish_relay(
    conn: AsyncConnection,
    from_chat_id: int,
    from_message_id: int,
    to_chat_id: int,
    copy_message_id: int,
) -> None:
    """Record where a relayed message's copy went."""
    await conn.execute(
        _FINISH,
        {
            "chat": from_chat_id,
            "message": from_message_id,
            "to_chat": to_chat_id,
            "copy_id": copy_message_id,
        },
    )


async def reply_chats(conn: AsyncConnection, customer_id: str) -> list[int]:
    """The customer's linked chats not marked unreachable, most recently linked first."""
    rows = await conn.execute(_REPLY_CHATS, {"customer_id": customer_id})
    return [int(chat_id) for chat_id in rows.scalars()]
