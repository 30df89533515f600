"""The outbox and unreachable-chat tables.

Senders (one per bot process) claim a row before sending it and record the send against their
claim. On PostgreSQL the claim chooses its row `FOR UPDATE SKIP LOCKED`: two senders claiming at
once never both get a row, and neither waits for the other. A chat one sender serves (a live claim
on any of its pending rows) is left to it; on PostgreSQL that check sees committed claims only,
so two senders claiming two different rows of one chat in the same instant could both succeed
(the rows are still sent once each; only their order across the two senders is not kept).
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    delete,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

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
from storage import bulk
from storage.audit import Change, write_changes
from storage.codec import utc_text
from storage.database import Database
from storage.schema import broadcasts, chat_links, customers, outbox, unreachable_chats
from storage.sql_functions import greatest

# Why: a literal, not a parameter: SQLite uses the partial indexes `WHERE status = 'pending'` only
# for a query whose own condition says so.
PENDING: ColumnElement[str] = literal_column("'pending'")

# Why: a broadcast's 100,000 rows are made and sent a chunk at a time, never all in memory.
INSERT_CHUNK = 1000

_QUEUE = {
    "sqlite": sqlite.insert(outbox)
    .on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
    .returning(outbox.c.id),
    "postgresql": postgresql.insert(outbox)
    .on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
    .returning(outbox.c.id),
}


async def insert_outbox_rows(
    conn: AsyncConnection,
    messages: Iterable[OutgoingMessage],
    *,
    now: datetime,
) -> int:
    """Queue messages inside the caller's transaction; the number of rows inserted (a message
    whose dedupe key is queued already is ignored). `messages` may be a generator: it is read
    `INSERT_CHUNK` at a time."""
    created = utc_text(now)
    stmt = _QUEUE[conn.dialect.name]
    inserted = 0
    for chunk in _chunks(_insert_params(message, created) for message in messages):
        inserted += len((await conn.execute(stmt, chunk)).all())
    return inserted


def _chunks(rows: Iterable[dict[str, object]]) -> Iterator[list[dict[str, object]]]:
    it = iter(rows)
    while chunk := list(islice(it, INSERT_CHUNK)):
        yield chunk


def _insert_params(message: OutgoingMessage, created: str) -> dict[str, object]:
    not_before = utc_text(message.not_before) if message.not_before else None
    return {
        "dedupe_key": message.dedupe_key,
        "chat_id": message.chat_id,
        "customer_id": message.customer_id,
        "text": message.text,
        "buttons": buttons_json(message.buttons),
        "urgent": int(message.urgent),
        "not_before": not_before,
        "created_at": created,
        "due_at": max(created, not_before or created),
        "broadcast_id": message.broadcast_id,
    }


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
    db: Database, messages: Sequence[OutgoingMessage], *, now: datetime
) -> int:
    """Queue messages in a transaction of their own; the number of rows inserted."""
    async with db.write() as conn:
        return await insert_outbox_rows(conn, messages, now=now)


def _served_elsewhere(row: Any) -> ColumnElement[bool]:
    """A live claim of another sender than :sender on a pending row of `row`'s chat."""
    # Why: a chat one sender is serving is left to it, so its messages keep their order.
    other = outbox.alias("c")
    return exists().where(
        other.c.chat_id == row.c.chat_id,
        other.c.claimed_by.is_not(None),
        other.c.claimed_by.is_distinct_from(bindparam("sender")),
        other.c.status == PENDING,
        other.c.claim_expires_at > bindparam("clock"),
    )


def _stopped(row: Any) -> ColumnElement[bool]:
    """`row` is a copy of a stopped broadcast."""
    # Why: a copy of a stopped broadcast left pending (its sender's claim ended without a send)
    # is withdrawn: never claimed again (DESIGN §11).
    return exists().where(
        broadcasts.c.id == row.c.broadcast_id, broadcasts.c.stopped_at.is_not(None)
    )


def _due(lane: Lane | None, matured: bool) -> Select[Any]:
    o = outbox.alias("o")
    earlier = outbox.alias("p")
    lanes: dict[Lane | None, ColumnElement[bool]] = {
        None: true(),
        # Why: the same expression as the index outbox_pending_lane (migration 0012).
        "first": o.c.broadcast_id.is_not(None) == false(),
        "broadcast": o.c.broadcast_id.is_not(None) == true(),
    }
    return (
        select(o.c.id, o.c.chat_id, o.c.text, o.c.buttons, o.c.attempts, o.c.broadcast_id)
        .where(
            o.c.status == PENDING,
            o.c.id > bindparam("after"),
            o.c.due_at <= bindparam("now"),
            lanes[lane],
            o.c.due_at > bindparam("due_after") if matured else true(),
            ~exists().where(unreachable_chats.c.chat_id == o.c.chat_id),
            # Why: a chat's rows keep their order within a lane; lanes do not wait on each other.
            ~exists().where(
                earlier.c.chat_id == o.c.chat_id,
                earlier.c.status == PENDING,
                earlier.c.id < o.c.id,
                earlier.c.broadcast_id.is_(None) == o.c.broadcast_id.is_(None),
                earlier.c.next_attempt_at > bindparam("now"),
            ),
            ~_served_elsewhere(o),
            ~_stopped(o),
        )
        .order_by(o.c.id)
        .limit(bindparam("limit"))
    )


# Why: the dispatcher runs these on every pass; built once, compiled once per dialect.
_DUE = {
    (lane, matured): _due(lane, matured)
    for lane in (None, "first", "broadcast")
    for matured in (False, True)
}


async def due_messages(
    conn: AsyncConnection,
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
    params: dict[str, object] = {
        "after": after_id,
        "now": utc_text(now),
        "limit": limit,
        "sender": sender,
        "clock": float(time.time() if clock is None else clock),
    }
    if due_after is not None:
        params["due_after"] = utc_text(due_after)
    found = await bulk.fetch_rows(conn, _DUE[lane, due_after is not None], params)
    return [
        QueuedMessage(row_id, chat_id, text, buttons_from(buttons), attempts, broadcast_id)
        for row_id, chat_id, text, buttons, attempts, broadcast_id in found
    ]


def _claim() -> Any:
    candidate = outbox.alias("x")
    # Why: PostgreSQL runs claims of several senders at once (READ COMMITTED). The row is locked
    # as it is chosen and a row another transaction holds is skipped, not waited for: a second
    # claimer gets nothing, and once the first commits, its claim shows in the conditions. SQLite
    # renders no FOR UPDATE: BEGIN IMMEDIATE already runs one claim at a time.
    claimable = (
        select(candidate.c.id)
        .where(
            candidate.c.id == bindparam("row_id"),
            candidate.c.status == PENDING,
            or_(
                candidate.c.claimed_by.is_(None),
                candidate.c.claimed_by == bindparam("sender"),
                candidate.c.claim_expires_at <= bindparam("clock"),
            ),
            ~_served_elsewhere(candidate),
            ~_stopped(candidate),
        )
        .with_for_update(skip_locked=True, of=candidate)
    )
    return (
        update(outbox)
        .where(outbox.c.id.in_(claimable.scalar_subquery()))
        .values(claimed_by=bindparam("sender"), claim_expires_at=bindparam("until"))
    )


_CLAIM = _claim()


async def claim_message(
    db: Database, row_id: int, *, sender: str, clock: float, until: float
) -> bool:
    """Claim a pending row for `sender` until `until` (wall-clock epoch seconds, `clock` now);
    False when another sender holds it, or another row of its chat, with a live claim, or is
    claiming it at this moment."""
    async with db.write() as conn:
        claimed = await bulk.changed(
            conn,
            _CLAIM,
            {"row_id": row_id, "sender": sender, "clock": float(clock), "until": float(until)},
        )
        return claimed == 1


_CLAIMANTS = (
    select(outbox.c.claimed_by)
    .distinct()
    .where(outbox.c.claimed_by.is_not(None), outbox.c.claim_expires_at > bindparam("clock"))
)


async def claimants(conn: AsyncConnection, *, clock: float) -> set[str]:
    """The senders holding a claim that is live at `clock` (wall-clock epoch seconds)."""
    return {
        str(holder)
        for holder in (await conn.execute(_CLAIMANTS, {"clock": float(clock)})).scalars()
    }


_RELEASE = (
    update(outbox)
    .where(
        outbox.c.claimed_by.is_not(None),
        outbox.c.claimed_by.in_(bindparam("senders", expanding=True)),
    )
    .values(claimed_by=None, claim_expires_at=None)
)


async def release_claims(db: Database, senders: Collection[str]) -> None:
    """Drop every claim of these senders (their rows are free for any sender)."""
    async with db.write() as conn:
        await conn.execute(_RELEASE, {"senders": sorted(senders)})


_SENT = (
    update(outbox)
    .where(
        outbox.c.id == bindparam("row_id"),
        outbox.c.claimed_by.is_not_distinct_from(bindparam("sender")),
    )
    .values(
        status="sent",
        sent_at=bindparam("sent_at"),
        telegram_message_id=bindparam("message_id"),
        attempts=outbox.c.attempts + 1,
        last_error=None,
        claimed_by=None,
        claim_expires_at=None,
    )
)


async def mark_sent(
    db: Database,
    deliveries: Sequence[Delivery],
    *,
    at: datetime,
    sender: str | None = None,
) -> None:
    """Record successful sends in one transaction (rows `sender` holds; None: unclaimed ones)."""
    if not deliveries:
        return
    sent_at = utc_text(at)
    async with db.write() as conn:
        await bulk.for_each(
            conn,
            _SENT,
            [
                {
                    "sent_at": sent_at,
                    "message_id": d.telegram_message_id,
                    "row_id": d.row_id,
                    "sender": sender,
                }
                for d in deliveries
            ],
        )


_RETRY = (
    update(outbox)
    .where(
        outbox.c.id == bindparam("row_id"),
        outbox.c.status == PENDING,
        outbox.c.claimed_by.is_not_distinct_from(bindparam("sender")),
    )
    .values(
        attempts=bindparam("attempts"),
        next_attempt_at=bindparam("retry_at"),
        last_error=bindparam("error"),
        due_at=greatest(outbox.c.due_at, bindparam("retry_at")),
        claimed_by=None,
        claim_expires_at=None,
    )
)
_WITHDRAW_STOPPED = (
    update(outbox)
    .where(outbox.c.id == bindparam("row_id"), outbox.c.status == PENDING, _stopped(outbox))
    .values(status="failed", last_error=WITHDRAWN)
)


async def mark_retry(
    db: Database,
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
    async with db.write() as conn:
        await conn.execute(
            _RETRY,
            {
                "row_id": row_id,
                "attempts": attempts,
                "retry_at": retry_at,
                "error": error,
                "sender": sender,
            },
        )
        await conn.execute(_WITHDRAW_STOPPED, {"row_id": row_id})


_FAILED = (
    update(outbox)
    .where(
        outbox.c.id == bindparam("row_id"),
        outbox.c.claimed_by.is_not_distinct_from(bindparam("sender")),
    )
    .values(
        status="failed",
        attempts=bindparam("attempts"),
        last_error=bindparam("error"),
        claimed_by=None,
        claim_expires_at=None,
    )
)


async def mark_failed(
    db: Database,
    row_id: int,
    *,
    attempts: int,
    error: str,
    sender: str | None = None,
) -> None:
    """Give up on a row `sender` holds; it stays for staff to see."""
    async with db.write() as conn:
        await conn.execute(
            _FAILED, {"row_id": row_id, "attempts": attempts, "error": error, "sender": sender}
        )


_HOLD = {
    "sqlite": sqlite.insert(unreachable_chats)
    .on_conflict_do_nothing(index_elements=[unreachable_chats.c.chat_id])
    .returning(unreachable_chats.c.chat_id),
    "postgresql": postgresql.insert(unreachable_chats)
    .on_conflict_do_nothing(index_elements=[unreachable_chats.c.chat_id])
    .returning(unreachable_chats.c.chat_id),
}


async def mark_chat_unreachable(db: Database, chat_id: int, *, reason: str, at: datetime) -> None:
    """Hold a chat's messages until it is reachable again (audited when it was reachable)."""
    async with db.write() as conn:
        held = (
            await conn.execute(
                _HOLD[conn.dialect.name],
                {"chat_id": chat_id, "since": utc_text(at), "reason": reason},
            )
        ).first()
        if held is not None:
            change = Change("chat.unreachable", f"chat:{chat_id}", None, {"reason": reason})
            await write_changes(conn, [change], actor="system", at=at)


async def mark_chat_reachable(db: Database, chat_id: int, *, at: datetime) -> bool:
    """Release a chat's held messages (audited); False when it was not marked."""
    async with db.write() as conn:
        result = await conn.execute(
            delete(unreachable_chats).where(unreachable_chats.c.chat_id == chat_id)
        )
        if not result.rowcount:
            return False
        change = Change("chat.reachable", f"chat:{chat_id}", {"unreachable": True}, None)
        await write_changes(conn, [change], actor=f"chat:{chat_id}", at=at)
        return True


async def outbox_backlog(conn: AsyncConnection) -> int:
    """How many outbox rows are pending (held rows of unreachable chats included)."""
    count = await conn.scalar(select(func.count()).where(outbox.c.status == PENDING))
    return int(count or 0)


async def outbox_summary(conn: AsyncConnection) -> OutboxSummary:
    """Counts by state (pending rows of unreachable chats count as held) and those chats."""
    flagged = select(
        outbox.c.status,
        outbox.c.chat_id.in_(select(unreachable_chats.c.chat_id)).label("held"),
    ).subquery()
    counts = {
        (status, bool(held)): int(number)
        for status, held, number in await conn.execute(
            select(flagged.c.status, flagged.c.held, func.count()).group_by(
                flagged.c.status, flagged.c.held
            )
        )
    }
    held_rows = (
        select(func.count())
        .where(outbox.c.chat_id == unreachable_chats.c.chat_id, outbox.c.status == PENDING)
        .scalar_subquery()
    )
    rows = await conn.execute(
        select(
            unreachable_chats.c.chat_id,
            unreachable_chats.c.since,
            unreachable_chats.c.reason,
            chat_links.c.customer_id,
            customers.c.name,
            held_rows,
        )
        .select_from(
            unreachable_chats.outerjoin(
                chat_links, chat_links.c.chat_id == unreachable_chats.c.chat_id
            ).outerjoin(customers, customers.c.customer_id == chat_links.c.customer_id)
        )
        .order_by(unreachable_chats.c.since, unreachable_chats.c.chat_id)
    )
    chats = tuple(
        UnreachableChat(
            chat_id=chat_id,
            customer_id=customer_id,
            customer_name=name,
            since=datetime.fromisoformat(since),
            reason=reason,
            held=held,
        )
        for chat_id, since, reason, customer_id, name, held in rows
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


_DROP_FOR_OTHERS = (
    update(outbox)
    .where(
        outbox.c.chat_id == bindparam("chat"),
        outbox.c.status == PENDING,
        outbox.c.customer_id.is_not(None),
        outbox.c.customer_id.is_distinct_from(bindparam("customer")),
    )
    .values(status="failed", last_error=CHAT_UNLINKED)
)


async def drop_for_other_customers(
    conn: AsyncConnection, chat_id: int, customer_id: str | None
) -> None:
    """Fail the chat's pending messages for any customer but `customer_id` (inside the caller's
    transaction): a chat that unlinked or linked to someone else gets none of them."""
    await conn.execute(_DROP_FOR_OTHERS, {"chat": chat_id, "customer": customer_id})
