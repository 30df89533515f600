"""The ratings and backordered_orders tables: CSAT questions, answers and what they are about."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Literal

import aiosqlite

from bot.domain.outbox import OutgoingMessage
from bot.domain.ratings import (
    Asked,
    ClosedOrder,
    Csat,
    Outcome,
    PendingComment,
    Rating,
    RatingChat,
    RatingRequest,
)
from storage.audit import Change, write_changes
from storage.codec import utc_text
from storage.database import sa_connection_for  # TRANSITIONAL
from storage.outbox import insert_outbox_rows
from storage.transaction import transaction

# Why: driven from the linked customers, so the cost follows the chats the bot serves, not every
# open line of the shop; an order already remembered is skipped by its primary key.
_WATCH = """
    INSERT OR IGNORE INTO backordered_orders (order_id, customer_id, backordered_at)
    SELECT DISTINCT o.order_id, o.customer_id, ?
      FROM (SELECT DISTINCT customer_id FROM chat_links) AS c
      JOIN orders AS o ON o.customer_id = c.customer_id
      JOIN line_etas AS e ON e.order_id = o.order_id
      JOIN order_lines AS l ON l.order_id = e.order_id AND l.line_no = e.line_no
     WHERE e.confidence != 'in_stock' AND l.status = 'open'
       AND NOT EXISTS (SELECT 1 FROM backordered_orders AS b WHERE b.order_id = o.order_id)"""
_CLOSE = """
    UPDATE backordered_orders SET closed_at = ?
     WHERE closed_at IS NULL AND rating IS NULL
       AND NOT EXISTS (SELECT 1 FROM order_lines AS l
                        WHERE l.order_id = backordered_orders.order_id AND l.status = 'open')"""
_CLOSED = """
    SELECT b.order_id, b.customer_id, b.closed_at,
           EXISTS (SELECT 1 FROM order_lines AS l
                    WHERE l.order_id = b.order_id AND l.status = 'shipped') AS shipped
      FROM backordered_orders AS b
     WHERE b.rating IS NULL AND b.closed_at IS NOT NULL
     ORDER BY b.closed_at, b.order_id"""
# Why: each customer's most recent link; a chat that blocked the bot is not asked anything.
_CHATS = """
    SELECT customer_id, chat_id, chat_language, customer_language, timezone FROM (
        SELECT l.customer_id, l.chat_id, p.language AS chat_language,
               COALESCE(c.chosen_language, c.language) AS customer_language, c.timezone,
               ROW_NUMBER() OVER (PARTITION BY l.customer_id
                                  ORDER BY l.linked_at DESC, l.chat_id DESC) AS latest
          FROM chat_links AS l
          JOIN customers AS c ON c.customer_id = l.customer_id
          LEFT JOIN chat_prefs AS p ON p.chat_id = l.chat_id
         WHERE l.customer_id IN (SELECT value FROM json_each(?))
           AND NOT EXISTS (SELECT 1 FROM unreachable_chats AS u WHERE u.chat_id = l.chat_id))
     WHERE latest = 1"""
_RATING_COLUMNS = "id, customer_id, subject, chat_id, asked_at, score, comment, answered_at"


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _rating(row: aiosqlite.Row | tuple[object, ...]) -> Rating:
    asked_at = _moment(str(row[4]))
    assert asked_at is not None
    return Rating(
        rating_id=int(str(row[0])),
        customer_id=str(row[1]),
        subject=str(row[2]),
        chat_id=int(str(row[3])),
        asked_at=asked_at,
        score=None if row[5] is None else int(str(row[5])),
        comment=None if row[6] is None else str(row[6]),
        answered_at=_moment(None if row[7] is None else str(row[7])),
    )


async def watch_backorders(conn: aiosqlite.Connection, *, now: datetime) -> int:
    """Remember backordered orders of linked customers; how many were new."""
    async with transaction(conn):
        before = conn.total_changes
        await conn.execute(_WATCH, (utc_text(now),))
        return conn.total_changes - before


async def close_backorders(conn: aiosqlite.Connection, *, now: datetime) -> int:
    """Mark remembered orders without an open line as closed `now`; how many."""
    async with transaction(conn), conn.execute(_CLOSE, (utc_text(now),)) as cursor:
        return max(cursor.rowcount, 0)


async def closed_backorders(conn: aiosqlite.Connection) -> list[ClosedOrder]:
    """Closed remembered orders still to be asked about, oldest closure first."""
    rows = await conn.execute_fetchall(_CLOSED)
    closed: list[ClosedOrder] = []
    for order_id, customer_id, closed_at, shipped in rows:
        moment = _moment(str(closed_at))
        assert moment is not None
        outcome = Outcome.SHIPPED if shipped else Outcome.CANCELLED
        closed.append(ClosedOrder(str(order_id), str(customer_id), moment, outcome))
    return closed


async def give_up_backorders(
    conn: aiosqlite.Connection,
    order_ids: Collection[str],
    *,
    reason: Literal["unreachable", "stale"],
) -> None:
    """These orders will not be asked about."""
    if not order_ids:
        return
    async with transaction(conn):
        await conn.execute(
            "UPDATE backordered_orders SET rating = ? WHERE rating IS NULL"
            " AND order_id IN (SELECT value FROM json_each(?))",
            (reason, json.dumps(sorted(set(order_ids)))),
        )


async def rating_chats(
    conn: aiosqlite.Connection, customer_ids: Collection[str]
) -> dict[str, RatingChat]:
    """Each customer's most recently linked reachable chat and its languages."""
    if not customer_ids:
        return {}
    rows = await conn.execute_fetchall(_CHATS, (json.dumps(sorted(set(customer_ids))),))
    return {
        str(customer_id): RatingChat(
            int(chat_id), chat_language or None, customer_language or None, timezone or None
        )
        for customer_id, chat_id, chat_language, customer_language, timezone in rows
    }


async def queue_ratings(
    conn: aiosqlite.Connection, requests: Sequence[RatingRequest], *, now: datetime
) -> dict[str, Asked]:
    """Record the questions and queue their messages in one transaction (see RatingStore)."""
    asked_at = utc_text(now)
    outcomes: dict[str, Asked] = {}
    async with transaction(conn):
        for request in requests:
            outcomes[request.subject] = await _queue_one(conn, request, asked_at, now)
    return outcomes


async def _queue_one(
    conn: aiosqlite.Connection, request: RatingRequest, asked_at: str, now: datetime
) -> Asked:
    subject = request.subject
    known = await conn.execute_fetchall("SELECT 1 FROM ratings WHERE subject = ?", (subject,))
    if known:
        await _asked(conn, subject)
        return Asked.ALREADY
    if request.gap_since is not None:
        recent = await conn.execute_fetchall(
            "SELECT 1 FROM ratings WHERE customer_id = ? AND asked_at >= ? LIMIT 1",
            (request.customer_id, utc_text(request.gap_since)),
        )
        if recent:
            return Asked.LATER
    async with conn.execute(
        "INSERT INTO ratings (customer_id, subject, chat_id, asked_at) VALUES (?, ?, ?, ?)",
        (request.customer_id, subject, request.chat_id, asked_at),
    ) as cursor:
        rating_id = cursor.lastrowid
    await insert_outbox_rows(conn, [request.message], now=now)
    await _asked(conn, subject)
    after = {"id": rating_id, "chat_id": request.chat_id, "asked_at": asked_at}
    await write_changes(
        sa_connection_for(conn),  # TRANSITIONAL
        [Change("rating.ask", f"rating:{subject}", None, after)],
        actor="system",
        at=now,
    )
    return Asked.ASKED


async def _asked(conn: aiosqlite.Connection, subject: str) -> None:
    """An order's question exists: the order leaves the ones waiting to be asked."""
    if subject.startswith("order:"):
        await conn.execute(
            "UPDATE backordered_orders SET rating = 'asked' WHERE order_id = ? AND rating IS NULL",
            (subject.removeprefix("order:"),),
        )


async def customer_ratings(conn: aiosqlite.Connection, customer_id: str) -> list[Rating]:
    """Every question asked of the customer, oldest first."""
    rows = await conn.execute_fetchall(
        f"SELECT {_RATING_COLUMNS} FROM ratings WHERE customer_id = ? ORDER BY id", (customer_id,)
    )
    return [_rating(row) for row in rows]


async def record_score(
    conn: aiosqlite.Connection,
    rating_id: int,
    score: int,
    *,
    chat_id: int,
    message_id: int | None,
    comment_until: datetime,
    now: datetime,
    alerts: Collection[OutgoingMessage],
) -> bool:
    """The first score counts; its chat's next text is awaited as the comment."""
    async with transaction(conn):
        rows = list(
            await conn.execute_fetchall(
                "SELECT customer_id, subject FROM ratings WHERE id = ? AND score IS NULL",
                (rating_id,),
            )
        )
        if not rows:
            return False
        customer_id, subject = str(rows[0][0]), str(rows[0][1])
        # Why: one comment awaited per chat: the latest score's.
        await conn.execute(
            "UPDATE ratings SET comment_until = NULL WHERE comment_chat_id = ? AND id != ?",
            (chat_id, rating_id),
        )
        await conn.execute(
            """UPDATE ratings SET score = ?, answered_at = ?, comment_chat_id = ?,
                                  comment_until = ?, comment_message_id = ?
                WHERE id = ? AND score IS NULL""",
            (score, utc_text(now), chat_id, utc_text(comment_until), message_id, rating_id),
        )
        await insert_outbox_rows(conn, alerts, now=now)
        change = Change("rating.score", f"rating:{subject}", None, {"score": score})
        await write_changes(
            sa_connection_for(conn), [change], actor=f"customer:{customer_id}", at=now
        )  # TRANSITIONAL
    return True


async def pending_comment(
    conn: aiosqlite.Connection, chat_id: int, *, now: datetime
) -> PendingComment | None:
    """The rating whose comment this chat's next text is, within its window."""
    rows = list(
        await conn.execute_fetchall(
            f"""SELECT {_RATING_COLUMNS}, comment_message_id FROM ratings
                 WHERE comment_chat_id = ? AND comment_until > ?
                 ORDER BY answered_at DESC, id DESC LIMIT 1""",
            (chat_id, utc_text(now)),
        )
    )
    if not rows:
        return None
    row = rows[0]
    return PendingComment(_rating(row), None if row[8] is None else int(row[8]))


async def record_comment(
    conn: aiosqlite.Connection,
    rating_id: int,
    comment: str | None,
    *,
    now: datetime,
    alerts: Collection[OutgoingMessage],
) -> bool:
    """Store the comment (None: skipped) once; False when none was awaited."""
    async with transaction(conn):
        rows = list(
            await conn.execute_fetchall(
                "SELECT customer_id, subject FROM ratings"
                " WHERE id = ? AND comment_until IS NOT NULL",
                (rating_id,),
            )
        )
        if not rows:
            return False
        customer_id, subject = str(rows[0][0]), str(rows[0][1])
        await conn.execute(
            "UPDATE ratings SET comment = ?, comment_until = NULL WHERE id = ?",
            (comment, rating_id),
        )
        await insert_outbox_rows(conn, alerts, now=now)
        action = "rating.comment" if comment is not None else "rating.comment_skipped"
        after = {"comment": comment} if comment is not None else None
        await write_changes(
            sa_connection_for(conn),  # TRANSITIONAL
            [Change(action, f"rating:{subject}", None, after)],
            actor=f"customer:{customer_id}",
            at=now,
        )
    return True


async def stop_awaiting_comment(conn: aiosqlite.Connection, chat_id: int) -> None:
    """The chat's next text is no comment."""
    async with transaction(conn):
        await conn.execute(
            "UPDATE ratings SET comment_until = NULL"
            " WHERE comment_chat_id = ? AND comment_until IS NOT NULL",
            (chat_id,),
        )


async def csat(conn: aiosqlite.Connection, *, since: datetime | None = None) -> Csat:
    """Answered questions (at or after `since`) and their mean score to two decimals."""
    where = "score IS NOT NULL" + (" AND answered_at >= ?" if since is not None else "")
    params = (utc_text(since),) if since is not None else ()
    ((responses, average),) = await conn.execute_fetchall(
        f"SELECT COUNT(*), AVG(score) FROM ratings WHERE {where}", params
    )
    return Csat(int(responses), None if average is None else round(float(average), 2))
