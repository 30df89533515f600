"""The alerts table, and what the alert checks read: overdue refunds, blocked questions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Literal, cast

import aiosqlite

from bot.domain.actions import RefundReason, RefundRecord
from bot.domain.alerts import (
    AlertKey,
    AlertKind,
    AlertRecord,
    BlockedQuestion,
    DueRefund,
    RaisedAlert,
)
from bot.domain.refunds import RefundAlreadyPaid, RefundPaid
from storage.audit import Change, write_changes
from storage.codec import date_or_none, utc_text
from storage.database import sa_connection_for  # TRANSITIONAL
from storage.events import append_event
from storage.outbox import insert_outbox_rows
from storage.transaction import transaction

_KNOWN = """
    SELECT subject FROM alerts WHERE kind = ? AND subject IN (SELECT value FROM json_each(?))"""
_RECORD = """
    INSERT OR IGNORE INTO alerts (kind, subject, target, handle, created_at)
    VALUES (?, ?, ?, ?, ?)"""
_BY_HANDLE = "SELECT id, kind, subject, target, created_at FROM alerts WHERE handle = ?"
_OVERDUE_REFUNDS = """
    SELECT r.id, r.order_id, o.customer_id, c.name, r.amount_minor, r.currency, r.due_date
      FROM refunds r
      JOIN orders o ON o.order_id = r.order_id
      JOIN customers c ON c.customer_id = o.customer_id
     WHERE r.status = 'due' AND r.due_date < ?
     ORDER BY r.due_date, r.id"""
_REFUND = """
    SELECT r.id, r.order_id, r.line_no, r.amount_minor, r.currency, r.due_date, r.status,
           r.reason, r.paid_at, r.paid_by
      FROM refunds r WHERE r.id = ?"""
# Why: "blocked" means every linked chat is unreachable; a customer with no chat at all is the
# undelivered-notice alert's case, and one reachable chat still carries the question. CROSS JOIN
# fixes the order: from the (few) unreachable chats to their customers' orders, never a scan of
# every order or chat. An order with a notice still on its way is left for settling to decide
# (undelivered, its state goes back to the question before it; the sweep tick looks again).
_BLOCKED_QUESTIONS = """
    WITH blocked (customer_id) AS MATERIALIZED (
        SELECT DISTINCT l.customer_id
          FROM unreachable_chats u
         CROSS JOIN chat_links l ON l.chat_id = u.chat_id
         WHERE NOT EXISTS (SELECT 1 FROM chat_links other
                            WHERE other.customer_id = l.customer_id
                              AND other.chat_id NOT IN (SELECT chat_id FROM unreachable_chats)))
    SELECT c.customer_id, c.name, c.email, c.phone, o.order_id, o.jurisdiction, s.silence_means,
           s.decision_deadline, s.auto_cancel_on, s.communicated_at
      FROM blocked b
     CROSS JOIN orders o ON o.customer_id = b.customer_id
     CROSS JOIN notice_state s ON s.order_id = o.order_id
      JOIN customers c ON c.customer_id = b.customer_id
     WHERE s.awaiting_answer = 1
       AND EXISTS (SELECT 1 FROM order_lines ol
                    WHERE ol.order_id = s.order_id AND ol.status = 'open')
       AND NOT EXISTS (SELECT 1 FROM notice_log n
                        WHERE n.order_id = s.order_id AND n.delivery = 'pending')
     ORDER BY c.customer_id, o.order_id"""
_UNREACHABLE_MARK = (
    "SELECT count(*), coalesce(max(since), ''), coalesce(sum(chat_id), 0) FROM unreachable_chats"
)


async def known_alerts(
    conn: aiosqlite.Connection, kind: AlertKind, subjects: Collection[str]
) -> set[str]:
    """Which of these subjects of `kind` were already raised."""
    if not subjects:
        return set()
    rows = await conn.execute_fetchall(_KNOWN, (kind.value, json.dumps(sorted(set(subjects)))))
    return {str(row[0]) for row in rows}


async def record_alerts(
    conn: aiosqlite.Connection, alerts: Sequence[RaisedAlert], *, now: datetime
) -> tuple[AlertKey, ...]:
    """Record each alert not raised before and queue its messages, in one transaction."""
    raised: list[AlertKey] = []
    created = utc_text(now)
    async with transaction(conn):
        for alert in alerts:
            key = alert.key
            async with conn.execute(
                _RECORD, (key.kind.value, key.subject, key.target, key.handle, created)
            ) as cursor:
                if cursor.rowcount != 1:
                    continue
            raised.append(key)
            await insert_outbox_rows(conn, alert.messages, now=now)
    return tuple(raised)


async def alert_by_handle(conn: aiosqlite.Connection, handle: str) -> AlertRecord | None:
    """The alert whose button carries this handle."""
    rows = list(await conn.execute_fetchall(_BY_HANDLE, (handle,)))
    if not rows:
        return None
    alert_id, kind, subject, target, created_at = rows[0]
    return AlertRecord(
        int(alert_id),
        AlertKey(AlertKind(str(kind)), str(subject), str(target)),
        datetime.fromisoformat(str(created_at).replace("Z", "+00:00")),
    )


async def read_due_refunds(
    conn: aiosqlite.Connection, before: date | None = None
) -> list[DueRefund]:
    """Refunds with status `due` (whose due date is before `before`, when given), oldest due
    first."""
    # Why: every ISO date sorts before "9999-99-99"; no date given means every due refund.
    limit = before.isoformat() if before is not None else "9999-99-99"
    rows = await conn.execute_fetchall(_OVERDUE_REFUNDS, (limit,))
    return [
        DueRefund(
            refund_id=int(row[0]),
            order_id=str(row[1]),
            customer_id=str(row[2]),
            customer_name=str(row[3]),
            amount_minor=int(row[4]),
            currency=str(row[5]),
            due_date=date.fromisoformat(str(row[6])),
        )
        for row in rows
    ]


async def read_blocked_questions(conn: aiosqlite.Connection) -> list[BlockedQuestion]:
    """Open delay questions of customers whose linked chats are all unreachable."""
    async with conn.execute(_BLOCKED_QUESTIONS) as cursor:
        cursor.row_factory = sqlite3.Row
        rows = list(await cursor.fetchall())
    return [
        BlockedQuestion(
            customer_id=str(row["customer_id"]),
            customer_name=str(row["name"]),
            order_id=str(row["order_id"]),
            jurisdiction=row["jurisdiction"],
            silence_means=str(row["silence_means"]),
            decision_deadline=date_or_none(row["decision_deadline"]),
            auto_cancel_on=date_or_none(row["auto_cancel_on"]),
            asked=str(row["communicated_at"] or row["decision_deadline"] or ""),
            email=row["email"] or None,
            phone=row["phone"] or None,
        )
        for row in rows
    ]


async def read_unreachable_mark(conn: aiosqlite.Connection) -> str:
    """Count, latest `since` and id sum of the unreachable chats: changes with any of them."""
    rows = list(await conn.execute_fetchall(_UNREACHABLE_MARK))
    count, since, ids = rows[0]
    return f"{count}:{since}:{ids}"


async def mark_refund_paid(
    conn: aiosqlite.Connection, refund_id: int, *, actor: str, at: datetime
) -> RefundPaid | RefundAlreadyPaid | None:
    """Set a due refund paid with its audit row and `refund.paid` event, in one transaction;
    what it was when already paid; None when there is no such refund."""
    async with transaction(conn):
        async with conn.execute(_REFUND, (refund_id,)) as cursor:
            cursor.row_factory = sqlite3.Row
            row = await cursor.fetchone()
        if row is None:
            return None
        refund = _refund(row)
        if row["status"] == "paid":
            return RefundAlreadyPaid(
                refund,
                paid_by=row["paid_by"],
                paid_at=datetime.fromisoformat(row["paid_at"]) if row["paid_at"] else None,
            )
        await conn.execute(
            "UPDATE refunds SET status = 'paid', paid_at = ?, paid_by = ? WHERE id = ?",
            (at.isoformat(), actor, refund_id),
        )
        change = Change("refund.paid", f"refund:{refund_id}", {"status": "due"}, {"status": "paid"})
        await write_changes(sa_connection_for(conn), [change], actor=actor, at=at)  # TRANSITIONAL
        await append_event(
            conn,
            "refund.paid",
            refund.order_id,
            {
                "order_id": refund.order_id,
                "line_no": refund.line_no,
                "amount_minor": refund.amount_minor,
                "currency": refund.currency,
                "due_date": refund.due_date.isoformat(),
                "reason": refund.reason,
                "actor": actor,
                "at": at.isoformat(),
            },
            at=at,
        )
    return RefundPaid(refund, paid_by=actor, paid_at=at)


def _refund(row: sqlite3.Row) -> RefundRecord:
    return RefundRecord(
        order_id=str(row["order_id"]),
        line_no=int(row["line_no"]),
        amount_minor=int(row["amount_minor"]),
        currency=str(row["currency"]),
        due_date=date.fromisoformat(row["due_date"]),
        status=cast(Literal["due", "paid"], row["status"]),
        reason=cast(RefundReason, row["reason"]),
    )
