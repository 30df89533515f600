"""The support_topics, handoffs and handoff_relays tables (DESIGN §12 hand-off)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.domain.handoffs import Handoff, RelayClaim
from storage.audit import Change, write_changes
from storage.codec import utc_text
from storage.database import sa_connection_for  # TRANSITIONAL
from storage.transaction import transaction

_COLUMNS = """id, customer_id, support_chat_id, thread_id, opened_at, opened_by, closed_at,
              closed_by, customer_told"""


def _moment(text: object) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _handoff(row: Sequence[object]) -> Handoff:
    return Handoff(
        handoff_id=int(str(row[0])),
        customer_id=str(row[1]),
        support_chat_id=int(str(row[2])),
        thread_id=int(str(row[3])),
        opened_at=_moment(row[4]),
        opened_by=str(row[5]),
        closed_at=_moment(row[6]) if row[6] is not None else None,
        closed_by=str(row[7]) if row[7] is not None else None,
        customer_told=bool(row[8]),
    )


async def _one(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]) -> Handoff | None:
    async with conn.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    return _handoff(tuple(row)) if row is not None else None


async def support_thread(
    conn: aiosqlite.Connection, support_chat_id: int, customer_id: str
) -> int | None:
    """The customer's topic in that support chat."""
    async with conn.execute(
        "SELECT thread_id FROM support_topics WHERE support_chat_id = ? AND customer_id = ?",
        (support_chat_id, customer_id),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row is not None else None


async def save_support_thread(
    conn: aiosqlite.Connection,
    support_chat_id: int,
    customer_id: str,
    thread_id: int,
    *,
    at: datetime,
) -> None:
    """Remember (or replace) the customer's topic in that support chat."""
    async with transaction(conn):
        await conn.execute(
            """INSERT INTO support_topics (support_chat_id, customer_id, thread_id, created_at)
               VALUES (?, ?, ?, ?)
               ON CONFLICT (support_chat_id, customer_id)
               DO UPDATE SET thread_id = excluded.thread_id, created_at = excluded.created_at""",
            (support_chat_id, customer_id, thread_id, utc_text(at)),
        )


async def latest_handoff(conn: aiosqlite.Connection, customer_id: str) -> Handoff | None:
    """The customer's most recent hand-off."""
    return await _one(
        conn,
        f"SELECT {_COLUMNS} FROM handoffs WHERE customer_id = ? ORDER BY id DESC LIMIT 1",
        (customer_id,),
    )


async def handoff_in_thread(
    conn: aiosqlite.Connection, support_chat_id: int, thread_id: int
) -> Handoff | None:
    """The most recent hand-off held in a topic."""
    return await _one(
        conn,
        f"""SELECT {_COLUMNS} FROM handoffs WHERE support_chat_id = ? AND thread_id = ?
            ORDER BY id DESC LIMIT 1""",
        (support_chat_id, thread_id),
    )


async def open_handoff(
    conn: aiosqlite.Connection,
    customer_id: str,
    support_chat_id: int,
    thread_id: int,
    *,
    actor: str,
    at: datetime,
) -> Handoff:
    """Start a hand-off with its audit row; the open one if the customer has one."""
    async with transaction(conn):
        current = await _one(
            conn,
            f"SELECT {_COLUMNS} FROM handoffs WHERE customer_id = ? AND closed_at IS NULL",
            (customer_id,),
        )
        if current is not None:
            return current
        cursor = await conn.execute(
            """INSERT INTO handoffs (customer_id, support_chat_id, thread_id, opened_at, opened_by)
               VALUES (?, ?, ?, ?, ?)""",
            (customer_id, support_chat_id, thread_id, utc_text(at), actor),
        )
        handoff_id = int(cursor.lastrowid or 0)
        after = {
            "customer_id": customer_id,
            "support_chat_id": support_chat_id,
            "thread_id": thread_id,
        }
        await write_changes(
            sa_connection_for(conn),  # TRANSITIONAL
            [Change("handoff.open", f"handoff:{handoff_id}", None, after)],
            actor=actor,
            at=at,
        )
    opened = await _one(conn, f"SELECT {_COLUMNS} FROM handoffs WHERE id = ?", (handoff_id,))
    assert opened is not None
    return opened


async def close_handoff(
    conn: aiosqlite.Connection, handoff_id: int, *, actor: str, at: datetime
) -> Handoff | None:
    """Close an open hand-off with its audit row; None if it was not open."""
    async with transaction(conn):
        cursor = await conn.execute(
            """UPDATE handoffs SET closed_at = ?, closed_by = ?
                WHERE id = ? AND closed_at IS NULL""",
            (utc_text(at), actor, handoff_id),
        )
        if cursor.rowcount != 1:
            return None
        change = Change("handoff.close", f"handoff:{handoff_id}", "open", "closed")
        await write_changes(sa_connection_for(conn), [change], actor=actor, at=at)  # TRANSITIONAL
    return await _one(conn, f"SELECT {_COLUMNS} FROM handoffs WHERE id = ?", (handoff_id,))


async def mark_customer_told(conn: aiosqlite.Connection, handoff_id: int) -> bool:
    """Set the hand-off's "customer told" flag; False when it was set already."""
    async with transaction(conn):
        cursor = await conn.execute(
            "UPDATE handoffs SET customer_told = 1 WHERE id = ? AND customer_told = 0",
            (handoff_id,),
        )
        return cursor.rowcount == 1


async def claim_relay(
    conn: aiosqlite.Connection,
    handoff_id: int,
    from_chat_id: int,
    from_message_id: int,
    *,
    at: datetime,
) -> RelayClaim:
    """Take a message for relaying; `done` when its copy exists already."""
    async with transaction(conn):
        await conn.execute(
            """INSERT OR IGNORE INTO handoff_relays
                   (from_chat_id, from_message_id, handoff_id, claimed_at)
               VALUES (?, ?, ?, ?)""",
            (from_chat_id, from_message_id, handoff_id, utc_text(at)),
        )
        async with conn.execute(
            """SELECT copy_message_id FROM handoff_relays
                WHERE from_chat_id = ? AND from_message_id = ?""",
            (from_chat_id, from_message_id),
        ) as cursor:
            row = await cursor.fetchone()
    return RelayClaim(done=row is not None and row[0] is not None)


async def finish_relay(
    conn: aiosqlite.Connection,
    from_chat_id: int,
    from_message_id: int,
    to_chat_id: int,
    copy_message_id: int,
) -> None:
    """Record where a relayed message's copy went."""
    async with transaction(conn):
        await conn.execute(
            """UPDATE handoff_relays SET to_chat_id = ?, copy_message_id = ?
                WHERE from_chat_id = ? AND from_message_id = ?""",
            (to_chat_id, copy_message_id, from_chat_id, from_message_id),
        )


async def reply_chats(conn: aiosqlite.Connection, customer_id: str) -> list[int]:
    """The customer's linked chats not marked unreachable, most recently linked first."""
    async with conn.execute(
        """SELECT l.chat_id FROM chat_links AS l
            WHERE l.customer_id = ?
              AND NOT EXISTS (SELECT 1 FROM unreachable_chats AS u WHERE u.chat_id = l.chat_id)
            ORDER BY l.linked_at DESC, l.chat_id DESC""",
        (customer_id,),
    ) as cursor:
        rows = await cursor.fetchall()
    return [int(row[0]) for row in rows]
