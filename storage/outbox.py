"""The outbox and unreachable-chat tables."""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

import aiosqlite

from bot.domain.broadcasts import WITHDRAWN
from bot.domain.notice_delivery import CHAT_UNLINKED
from bot.domain.outbox import (
    Button,
    Delivery,
    Lane,
    OutboxSummary,
    OutgoingMessage,
    QueuedMessage,
    UnreachableChat,
)
from storage.audit import Change, write_changes
from storage.codec import utc_text
from storage.database import sa_connection_for  # TRANSITIONAL
from storage.transaction import transaction


async def insert_outbox_rows(
    conn: aiosqlite.Connection, messages: Iterable[OutgoingMessage], *, now: datetime
) -> int:
    """Queue messages inside the caller's transaction; duplicate dedupe keys are ignored."""
    created = utc_text(now)
    before = conn.total_changes
    # Why: rows are made as SQLite takes them, so a broadcast's 100,000 are never all in memory
    # twice over.
    await conn.executemany(
        """INSERT OR IGNORE INTO outbox (dedupe_key, chat_id, customer_id, text, buttons, urgent,
               not_before, created_at, due_at, broadcast_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (_insert_params(message, created) for message in messages),
    )
    return conn.total_changes - before


def _insert_params(message: OutgoingMessage, created: str) -> tuple[object, ...]:
    not_before = utc_text(message.not_before) if message.not_before else None
    return (
        message.dedupe_key,
        message.chat_id,
        message.customer_id,
        message.text,
        buttons_json(message.buttons),
        int(message.urgent),
        not_before,
        created,
        max(created, not_before or created),
        message.broadcast_id,
    )


def buttons_json(buttons: tuple[tuple[Button, ...], ...]) -> str:
    """Keyboard rows as compact JSON."""
    rows = [[{"text": b.text, "callback_data": b.callback_data} for b in row] for row in buttons]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def buttons_from(raw: str) -> tuple[tuple[Button, ...], ...]:
    """Keyboard rows from their JSON."""
    return tuple(
        tuple(Button(str(b["text"]), str(b["callback_data"])) for b in row)
        for row in json.loads(raw)
    )


async def enqueue_messages(
    conn: aiosqlite.Connection, messages: Sequence[OutgoingMessage], *, now: datetime
) -> int:
    """Queue messages in a transaction of their own."""
    async with transaction(conn):
        return await insert_outbox_rows(conn, messages, now=now)


# Why: a chat one sender is serving is left to it, so its messages keep their order.
_SERVED_ELSEWHERE = """EXISTS (SELECT 1 FROM outbox AS c
    WHERE c.chat_id = {row}.chat_id AND c.claimed_by IS NOT NULL AND c.claimed_by IS NOT :sender
      AND c.status = 'pending' AND c.claim_expires_at > :clock)"""


# Why: a copy of a stopped broadcast left pending (its sender's claim ended without a send) is
# withdrawn: never claimed again (DESIGN §11).
_STOPPED = """EXISTS (SELECT 1 FROM broadcasts AS s
    WHERE s.id = {row}.broadcast_id AND s.stopped_at IS NOT NULL)"""


async def due_messages(
    conn: aiosqlite.Connection,
    *,
    now: datetime,
    after_id: int,
    limit: int,
    sender: str | None = None,
    clock: float | None = None,
    lane: Lane | None = None,
    due_after: datetime | None = None,
) -> list[QueuedMessage]:
    """Pending rows due at `now`, oldest first, except held chats, rows behind a retry in their
    lane and chats another sender than `sender` holds a claim in (live at `clock`, wall-clock
    epoch seconds); only `lane`'s rows when given (None: both), and only rows that fell due
    after `due_after` when given (a quiet-hours row that matured during a long pass)."""
    served_elsewhere = _SERVED_ELSEWHERE.format(row="o")
    lane_filter = {
        None: "",
        # Why: the same expression as the index outbox_pending_lane (migration 0012).
        "first": "AND (o.broadcast_id IS NOT NULL) = 0",
        "broadcast": "AND (o.broadcast_id IS NOT NULL) = 1",
    }[lane]
    matured = "AND o.due_at > :due_after" if due_after is not None else ""
    async with conn.execute(
        f"""SELECT o.id, o.chat_id, o.text, o.buttons, o.attempts, o.broadcast_id FROM outbox AS o
           WHERE o.status = 'pending' AND o.id > :after AND o.due_at <= :now {lane_filter}
             {matured}
             AND NOT EXISTS (SELECT 1 FROM unreachable_chats AS u WHERE u.chat_id = o.chat_id)
             -- Why: a chat's rows keep their order within a lane; lanes do not wait on each other.
             AND NOT EXISTS (SELECT 1 FROM outbox AS p
                 WHERE p.chat_id = o.chat_id AND p.status = 'pending' AND p.id < o.id
                   AND (p.broadcast_id IS NULL) = (o.broadcast_id IS NULL)
                   AND p.next_attempt_at > :now)
             AND NOT {served_elsewhere}
             AND NOT {_STOPPED.format(row="o")}
           ORDER BY o.id LIMIT :limit""",
        {
            "after": after_id,
            "now": utc_text(now),
            "due_after": utc_text(due_after) if due_after is not None else None,
            "limit": limit,
            "sender": sender,
            "clock": time.time() if clock is None else clock,
        },
    ) as cursor:
        rows = await cursor.fetchall()
    return [
        QueuedMessage(row[0], row[1], row[2], buttons_from(row[3]), row[4], row[5]) for row in rows
    ]


async def claim_message(
    conn: aiosqlite.Connection, row_id: int, *, sender: str, clock: float, until: float
) -> bool:
    """Claim a pending row for `sender` until `until` (wall-clock epoch seconds, `clock` now);
    False when another sender holds it, or another row of its chat, with a live claim."""
    async with transaction(conn):
        cursor = await conn.execute(
            f"""UPDATE outbox SET claimed_by = :sender, claim_expires_at = :until
               WHERE id = :id AND status = 'pending'
                 AND (claimed_by IS NULL OR claimed_by = :sender OR claim_expires_at <= :clock)
                 AND NOT {_SERVED_ELSEWHERE.format(row="outbox")}
                 AND NOT {_STOPPED.format(row="outbox")}""",
            {"id": row_id, "sender": sender, "clock": clock, "until": until},
        )
        return cursor.rowcount == 1


async def claimants(conn: aiosqlite.Connection, *, clock: float) -> set[str]:
    """The senders holding a claim that is live at `clock` (wall-clock epoch seconds)."""
    async with conn.execute(
        "SELECT DISTINCT claimed_by FROM outbox WHERE claimed_by IS NOT NULL "
        "AND claim_expires_at > ?",
        (clock,),
    ) as cursor:
        return {str(row[0]) for row in await cursor.fetchall()}


async def release_claims(conn: aiosqlite.Connection, senders: Collection[str]) -> None:
    """Drop every claim of these senders (their rows are free for any sender)."""
    async with transaction(conn):
        await conn.execute(
            """UPDATE outbox SET claimed_by = NULL, claim_expires_at = NULL
               WHERE claimed_by IS NOT NULL
                 AND claimed_by IN (SELECT value FROM json_each(?))""",
            (json.dumps(sorted(senders)),),
        )


async def mark_sent(
    conn: aiosqlite.Connection,
    deliveries: Sequence[Delivery],
    *,
    at: datetime,
    sender: str | None = None,
) -> None:
    """Record successful sends in one transaction (rows `sender` holds; None: unclaimed ones)."""
    sent_at = utc_text(at)
    # Why: the connection is shared; outside a transaction this write could join someone else's.
    async with transaction(conn):
        await conn.executemany(
            """UPDATE outbox SET status = 'sent', sent_at = ?, telegram_message_id = ?,
                   attempts = attempts + 1, last_error = NULL, claimed_by = NULL,
                   claim_expires_at = NULL
               WHERE id = ? AND claimed_by IS ?""",
            [(sent_at, d.telegram_message_id, d.row_id, sender) for d in deliveries],
        )


async def mark_retry(
    conn: aiosqlite.Connection,
    row_id: int,
    *,
    attempts: int,
    next_attempt_at: datetime,
    error: str,
    sender: str | None = None,
) -> None:
    """Record a failed attempt and when to try again (a row `sender` holds; its claim ends); a
    copy of a stopped broadcast is withdrawn instead."""
    retry_at = utc_text(next_attempt_at)
    async with transaction(conn):
        await conn.execute(
            """UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ?,
                   due_at = max(due_at, ?), claimed_by = NULL, claim_expires_at = NULL
               WHERE id = ? AND status = 'pending' AND claimed_by IS ?""",
            (attempts, retry_at, error, retry_at, row_id, sender),
        )
        await conn.execute(
            f"""UPDATE outbox SET status = 'failed', last_error = ?
               WHERE id = ? AND status = 'pending' AND {_STOPPED.format(row="outbox")}""",
            (WITHDRAWN, row_id),
        )


async def mark_failed(
    conn: aiosqlite.Connection,
    row_id: int,
    *,
    attempts: int,
    error: str,
    sender: str | None = None,
) -> None:
    """Give up on a row `sender` holds; it stays for staff to see."""
    async with transaction(conn):
        await conn.execute(
            """UPDATE outbox SET status = 'failed', attempts = ?, last_error = ?,
                   claimed_by = NULL, claim_expires_at = NULL
               WHERE id = ? AND claimed_by IS ?""",
            (attempts, error, row_id, sender),
        )


async def mark_chat_unreachable(
    conn: aiosqlite.Connection, chat_id: int, *, reason: str, at: datetime
) -> None:
    """Hold a chat's messages until it is reachable again."""
    async with transaction(conn):
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO unreachable_chats (chat_id, since, reason) VALUES (?, ?, ?)",
            (chat_id, utc_text(at), reason),
        )
        if cursor.rowcount:
            change = Change("chat.unreachable", f"chat:{chat_id}", None, {"reason": reason})
            await write_changes(
                sa_connection_for(conn),
                [change],
                actor="system",
                at=at,  # TRANSITIONAL
            )


async def mark_chat_reachable(conn: aiosqlite.Connection, chat_id: int, *, at: datetime) -> bool:
    """Release a chat's held messages; False when it was not marked."""
    async with transaction(conn):
        cursor = await conn.execute("DELETE FROM unreachable_chats WHERE chat_id = ?", (chat_id,))
        if not cursor.rowcount:
            return False
        change = Change("chat.reachable", f"chat:{chat_id}", {"unreachable": True}, None)
        await write_changes(
            sa_connection_for(conn),
            [change],
            actor=f"chat:{chat_id}",
            at=at,  # TRANSITIONAL
        )
        return True


async def outbox_summary(conn: aiosqlite.Connection) -> OutboxSummary:
    """Counts by state (pending rows of unreachable chats count as held) and those chats."""
    async with conn.execute(
        """SELECT o.status, o.chat_id IN (SELECT chat_id FROM unreachable_chats), count(*)
           FROM outbox AS o GROUP BY 1, 2"""
    ) as cursor:
        counts = {(row[0], bool(row[1])): int(row[2]) for row in await cursor.fetchall()}
    async with conn.execute(
        """SELECT u.chat_id, u.since, u.reason, l.customer_id, c.name,
               (SELECT count(*) FROM outbox AS o
                WHERE o.chat_id = u.chat_id AND o.status = 'pending')
           FROM unreachable_chats AS u
           LEFT JOIN chat_links AS l ON l.chat_id = u.chat_id
           LEFT JOIN customers AS c ON c.customer_id = l.customer_id
           ORDER BY u.since, u.chat_id"""
    ) as cursor:
        chats = tuple(
            UnreachableChat(
                chat_id=row[0],
                customer_id=row[3],
                customer_name=row[4],
                since=datetime.fromisoformat(row[1]),
                reason=row[2],
                held=row[5],
            )
            for row in await cursor.fetchall()
        )

    def count(status: str) -> int:
        return counts.get((status, False), 0) + counts.get((status, True), 0)

    return OutboxSummary(
        pending=counts.get(("pending", False), 0),
        held=counts.get(("pending", True), 0),
        sent=count("sent"),
        failed=count("failed"),
        unreachable=chats,
    )


async def drop_for_other_customers(
    conn: aiosqlite.Connection, chat_id: int, customer_id: str | None
) -> None:
    """Fail the chat's pending messages for any customer but `customer_id` (inside the caller's
    transaction): a chat that unlinked or linked to someone else gets none of them."""
    await conn.execute(
        """UPDATE outbox SET status = 'failed', last_error = ?
           WHERE chat_id = ? AND status = 'pending' AND customer_id IS NOT NULL
             AND customer_id IS NOT ?""",
        (CHAT_UNLINKED, chat_id, customer_id),
    )
