"""The alerts table, and what the alert checks read: overdue refunds, blocked questions."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Text,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

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
from storage.codec import date_or_none, refund_from, utc_text
from storage.database import insert
from storage.events import append_event
from storage.outbox import insert_outbox_rows
from storage.schema import (
    alerts,
    chat_links,
    customers,
    notice_log,
    notice_state,
    order_lines,
    orders,
    refunds,
    unreachable_chats,
)
from storage.sql_functions import in_json_texts

# Why: constants inline, not as parameters: SQLite uses a partial index (`WHERE status =
# 'open'`) only when the query names the same value.
_OPEN = literal_column("'open'", Text)
_PENDING = literal_column("'pending'", Text)
_DUE = literal_column("'due'", Text)

_CHUNK = 1_000  # alerts per INSERT statement
_KNOWN = select(alerts.c.subject).where(
    alerts.c.kind == bindparam("kind", type_=Text),
    in_json_texts(alerts.c.subject, bindparam("subjects", type_=Text)),
)
_BY_HANDLE = select(
    alerts.c.id, alerts.c.kind, alerts.c.subject, alerts.c.target, alerts.c.created_at
).where(alerts.c.handle == bindparam("handle", type_=Text))
_DUE_REFUNDS = (
    select(
        refunds.c.id,
        refunds.c.order_id,
        orders.c.customer_id,
        customers.c.name,
        refunds.c.amount_minor,
        refunds.c.currency,
        refunds.c.due_date,
    )
    .select_from(
        refunds.join(orders, orders.c.order_id == refunds.c.order_id).join(
            customers, customers.c.customer_id == orders.c.customer_id
        )
    )
    .where(refunds.c.status == _DUE)
    .order_by(refunds.c.due_date, refunds.c.id)
)
_DUE_BEFORE = _DUE_REFUNDS.where(refunds.c.due_date < bindparam("before", type_=Text))
# Why: FOR UPDATE (nothing on SQLite, whose BEGIN IMMEDIATE already serialises writers): under
# PostgreSQL's READ COMMITTED a second staff member's press waits for the first to commit, then
# reads the refund as paid; it is paid, audited and announced once.
_REFUND = (
    select(
        refunds.c.id,
        refunds.c.order_id,
        refunds.c.line_no,
        refunds.c.amount_minor,
        refunds.c.currency,
        refunds.c.due_date,
        refunds.c.status,
        refunds.c.reason,
        refunds.c.paid_at,
        refunds.c.paid_by,
    )
    .where(refunds.c.id == bindparam("id"))
    .with_for_update()
)
_PAY = (
    update(refunds)
    .where(refunds.c.id == bindparam("b_id"))
    .values(status="paid", paid_at=bindparam("paid_at"), paid_by=bindparam("paid_by"))
)


def _blocked_questions() -> Any:
    # Why: "blocked" means every linked chat is unreachable; a customer with no chat at all is
    # the undelivered-notice alert's case, and one reachable chat still carries the question.
    # The CTE starts from the (few) unreachable chats to their customers' orders, never a scan of
    # every order or chat. An order with a notice still on its way is left for settling to decide
    # (undelivered, its state goes back to the question before it; the sweep tick looks again).
    link, other = chat_links.alias("l"), chat_links.alias("other")
    unreachable = select(unreachable_chats.c.chat_id)
    # Why: written as IN (subquery) over keys so that both planners walk from the few unreachable
    # chats (by primary key) and then the blocked customers' orders (by index).
    blocked = (
        select(link.c.customer_id)
        .distinct()
        .where(
            link.c.chat_id.in_(unreachable),
            ~exists().where(
                other.c.customer_id == link.c.customer_id, other.c.chat_id.not_in(unreachable)
            ),
        )
        .cte("blocked")
        .prefix_with("MATERIALIZED")
    )
    s = notice_state
    return (
        select(
            customers.c.customer_id,
            customers.c.name,
            customers.c.email,
            customers.c.phone,
            orders.c.order_id,
            orders.c.jurisdiction,
            s.c.silence_means,
            s.c.decision_deadline,
            s.c.auto_cancel_on,
            s.c.communicated_at,
        )
        .select_from(
            orders.join(s, s.c.order_id == orders.c.order_id).join(
                customers, customers.c.customer_id == orders.c.customer_id
            )
        )
        .where(
            orders.c.customer_id.in_(select(blocked.c.customer_id)),
            s.c.awaiting_answer == literal_column("1", Integer),
            exists().where(order_lines.c.order_id == s.c.order_id, order_lines.c.status == _OPEN),
            ~exists().where(
                notice_log.c.order_id == s.c.order_id, notice_log.c.delivery == _PENDING
            ),
        )
        .order_by(customers.c.customer_id, orders.c.order_id)
    )


_BLOCKED_QUESTIONS = _blocked_questions()
_UNREACHABLE_MARK = select(
    func.count(),
    func.coalesce(func.max(unreachable_chats.c.since), ""),
    func.coalesce(func.sum(unreachable_chats.c.chat_id), 0),
)


async def known_alerts(
    conn: AsyncConnection, kind: AlertKind, subjects: Collection[str]
) -> set[str]:
    """Which of these subjects of `kind` were already raised."""
    if not subjects:
        return set()
    rows = await conn.execute(
        _KNOWN, {"kind": kind.value, "subjects": json.dumps(sorted(set(subjects)))}
    )
    return {str(subject) for subject in rows.scalars()}


async def record_alerts(
    conn: AsyncConnection, alerts_: Sequence[RaisedAlert], *, now: datetime
) -> tuple[AlertKey, ...]:
    """Record each alert not raised before and queue its messages, inside the caller's
    transaction (`db.write()`); the keys of those raised now."""
    created = utc_text(now)
    # Why: ON CONFLICT DO NOTHING + RETURNING says which alerts are new without a failed statement
    # (that would abort a PostgreSQL transaction). Two instances raising the same alert at once:
    # the second insert waits on the unique (kind, subject) until the first commits, then returns
    # no row, so each alert is raised and its messages queued once, at any isolation. Rows go in
    # sorted by (kind, subject), so two such inserts take their locks in one order (no deadlock).
    ordered = sorted(alerts_, key=lambda alert: (alert.key.kind.value, alert.key.subject))
    statement = (
        insert(conn, alerts).on_conflict_do_nothing().returning(alerts.c.kind, alerts.c.subject)
    )
    new: set[tuple[str, str]] = set()
    for start in range(0, len(ordered), _CHUNK):
        rows = await conn.execute(
            statement,
            [
                {
                    "kind": alert.key.kind.value,
                    "subject": alert.key.subject,
                    "target": alert.key.target,
                    "handle": alert.key.handle,
                    "created_at": created,
                }
                for alert in ordered[start : start + _CHUNK]
            ],
        )
        new |= {(str(kind), str(subject)) for kind, subject in rows}
    raised = []
    for alert in alerts_:
        identity = (alert.key.kind.value, alert.key.subject)
        if identity in new:
            new.discard(identity)  # Why: an alert given twice is raised once, as before.
            raised.append(alert)
    messages = [message for alert in raised for message in alert.messages]
    if messages:
        await insert_outbox_rows(conn, messages, now=now)
    return tuple(alert.key for alert in raised)


async def alert_by_handle(conn: AsyncConnection, handle: str) -> AlertRecord | None:
    """The alert whose button carries this handle."""
    row = (await conn.execute(_BY_HANDLE, {"handle": handle})).first()
    if row is None:
        return None
    alert_id, kind, subject, target, created_at = row
    return AlertRecord(
        int(alert_id),
        AlertKey(AlertKind(str(kind)), str(subject), str(target)),
        datetime.fromisoformat(str(created_at).replace("Z", "+00:00")),
    )


async def read_due_refunds(conn: AsyncConnection, before: date | None = None) -> list[DueRefund]:
    """Refunds with status `due` (whose due date is before `before`, when given), oldest due
    first."""
    if before is None:
        rows = await conn.execute(_DUE_REFUNDS)
    else:
        rows = await conn.execute(_DUE_BEFORE, {"before": before.isoformat()})
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


async def read_blocked_questions(conn: AsyncConnection) -> list[BlockedQuestion]:
    """Open delay questions of customers whose linked chats are all unreachable."""
    rows = (await conn.execute(_BLOCKED_QUESTIONS)).mappings()
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


async def read_unreachable_mark(conn: AsyncConnection) -> str:
    """Count, latest `since` and id sum of the unreachable chats: changes with any of them."""
    count, since, ids = (await conn.execute(_UNREACHABLE_MARK)).one()
    return f"{count}:{since}:{ids}"


async def mark_refund_paid(
    conn: AsyncConnection, refund_id: int, *, actor: str, at: datetime
) -> RefundPaid | RefundAlreadyPaid | None:
    """Set a due refund paid with its audit row and `refund.paid` event, inside the caller's
    transaction (`db.write()`); what it was when already paid; None when there is no such
    refund."""
    row = (await conn.execute(_REFUND, {"id": refund_id})).mappings().first()
    if row is None:
        return None
    refund = refund_from(row)
    if row["status"] == "paid":
        return RefundAlreadyPaid(
            refund,
            paid_by=row["paid_by"],
            paid_at=datetime.fromisoformat(row["paid_at"]) if row["paid_at"] else None,
        )
    await conn.execute(_PAY, {"b_id": refund_id, "paid_at": at.isoformat(), "paid_by": actor})
    change = Change("refund.paid", f"refund:{refund_id}", {"status": "due"}, {"status": "paid"})
    await write_changes(conn, [change], actor=actor, at=at)
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
