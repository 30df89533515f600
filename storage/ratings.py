"""The ratings and backordered_orders tables: CSAT questions, answers and what they are about.

Functions take a connection inside the caller's transaction (`Database.write()`/`read()`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import RowMapping, Text, bindparam, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

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
from storage import bulk
from storage.audit import Change, write_changes
from storage.codec import IN_CHUNK, utc_text
from storage.outbox import insert_outbox_rows
from storage.schema import (
    backordered_orders,
    chat_links,
    chat_prefs,
    customers,
    line_etas,
    order_lines,
    orders,
    ratings,
    unreachable_chats,
)

_linked = select(chat_links.c.customer_id).distinct().subquery("c")
# Why: driven from the linked customers, so the cost follows the chats the bot serves, not every
# open line of the shop; an order already remembered is skipped (and, should two passes meet,
# its primary key makes the second insert nothing).
_WATCH_ROWS = (
    select(orders.c.order_id, orders.c.customer_id, bindparam("now", type_=Text))
    .distinct()
    .select_from(_linked)
    .join(orders, orders.c.customer_id == _linked.c.customer_id)
    .join(line_etas, line_etas.c.order_id == orders.c.order_id)
    .join(
        order_lines,
        (order_lines.c.order_id == line_etas.c.order_id)
        & (order_lines.c.line_no == line_etas.c.line_no),
    )
    .where(
        line_etas.c.confidence != "in_stock",
        order_lines.c.status == "open",
        ~exists().where(backordered_orders.c.order_id == orders.c.order_id),
    )
)


def _watch(insert: Any) -> Any:
    return (
        insert(backordered_orders)
        .from_select(["order_id", "customer_id", "backordered_at"], _WATCH_ROWS)
        .on_conflict_do_nothing(index_elements=[backordered_orders.c.order_id])
    )


_WATCH = {"sqlite": _watch(sqlite.insert), "postgresql": _watch(postgresql.insert)}
_CLOSE = (
    update(backordered_orders)
    .where(
        backordered_orders.c.closed_at.is_(None),
        backordered_orders.c.rating.is_(None),
        ~exists().where(
            order_lines.c.order_id == backordered_orders.c.order_id,
            order_lines.c.status == "open",
        ),
    )
    .values(closed_at=bindparam("now"))
)
_CLOSED = (
    select(
        backordered_orders.c.order_id,
        backordered_orders.c.customer_id,
        backordered_orders.c.closed_at,
        exists()
        .where(
            order_lines.c.order_id == backordered_orders.c.order_id,
            order_lines.c.status == "shipped",
        )
        .label("shipped"),
    )
    .where(backordered_orders.c.rating.is_(None), backordered_orders.c.closed_at.is_not(None))
    .order_by(backordered_orders.c.closed_at, backordered_orders.c.order_id)
)
_GIVE_UP = (
    update(backordered_orders)
    .where(
        backordered_orders.c.rating.is_(None),
        backordered_orders.c.order_id.in_(bindparam("orders", expanding=True)),
    )
    .values(rating=bindparam("reason"))
)
# Why: each customer's most recent link; a chat that blocked the bot is not asked anything.
_latest = (
    select(
        chat_links.c.customer_id,
        chat_links.c.chat_id,
        chat_prefs.c.language.label("chat_language"),
        func.coalesce(customers.c.chosen_language, customers.c.language).label("customer_language"),
        customers.c.timezone,
        func.row_number()
        .over(
            partition_by=chat_links.c.customer_id,
            order_by=(chat_links.c.linked_at.desc(), chat_links.c.chat_id.desc()),
        )
        .label("latest"),
    )
    .join(customers, customers.c.customer_id == chat_links.c.customer_id)
    .outerjoin(chat_prefs, chat_prefs.c.chat_id == chat_links.c.chat_id)
    .where(
        chat_links.c.customer_id.in_(bindparam("customers", expanding=True)),
        ~exists().where(unreachable_chats.c.chat_id == chat_links.c.chat_id),
    )
    .subquery("latest_links")
)
_CHATS = select(
    _latest.c.customer_id,
    _latest.c.chat_id,
    _latest.c.chat_language,
    _latest.c.customer_language,
    _latest.c.timezone,
).where(_latest.c.latest == 1)

_RATING = select(
    ratings.c.id,
    ratings.c.customer_id,
    ratings.c.subject,
    ratings.c.chat_id,
    ratings.c.asked_at,
    ratings.c.score,
    ratings.c.comment,
    ratings.c.answered_at,
)
_CUSTOMER_RATINGS = _RATING.where(ratings.c.customer_id == bindparam("customer")).order_by(
    ratings.c.id
)
_PENDING = (
    _RATING.add_columns(ratings.c.comment_message_id)
    .where(
        ratings.c.comment_chat_id == bindparam("chat"),
        ratings.c.comment_until > bindparam("now"),
    )
    .order_by(ratings.c.answered_at.desc(), ratings.c.id.desc())
    .limit(1)
)
_KNOWN = select(ratings.c.subject).where(
    ratings.c.subject.in_(bindparam("subjects", expanding=True))
)
# Why (PostgreSQL, READ COMMITTED): two transactions asking one customer at once (the rating pass
# on the leader, a closed hand-off on another instance) would both see no question yet; the
# customers' row locks (taken in key order, so two batches cannot deadlock) make the second wait
# and then see the first's questions (same subject: ALREADY; another: the one-a-day gap).
# SQLite: BEGIN IMMEDIATE already serializes writers, so it skips the statement.
_LOCK_CUSTOMERS = (
    select(customers.c.customer_id)
    .where(customers.c.customer_id.in_(bindparam("customers", expanding=True)))
    .order_by(customers.c.customer_id)
    .with_for_update()
)
_RECENT = (
    select(ratings.c.customer_id)
    .distinct()
    .where(
        ratings.c.customer_id.in_(bindparam("customers", expanding=True)),
        ratings.c.asked_at >= bindparam("since"),
    )
)


def _ask(insert: Any) -> Any:
    # Why: the subject is UNIQUE; a question asked by another transaction meanwhile makes this
    # insert nothing instead of failing (a failed statement aborts a PostgreSQL transaction).
    return (
        insert(ratings)
        .values(
            customer_id=bindparam("customer_id"),
            subject=bindparam("subject"),
            chat_id=bindparam("chat_id"),
            asked_at=bindparam("asked_at"),
        )
        .on_conflict_do_nothing(index_elements=[ratings.c.subject])
        .returning(ratings.c.id, ratings.c.subject)
    )


_ASK = {"sqlite": _ask(sqlite.insert), "postgresql": _ask(postgresql.insert)}
_ASKED = (
    update(backordered_orders)
    .where(
        backordered_orders.c.order_id.in_(bindparam("orders", expanding=True)),
        backordered_orders.c.rating.is_(None),
    )
    .values(rating="asked")
)
# Why: the first score counts: the conditional UPDATE (`score IS NULL`) lets exactly one answer
# through on both databases, however many arrive at once.
_SCORE = (
    update(ratings)
    .where(ratings.c.id == bindparam("rating"), ratings.c.score.is_(None))
    .values(
        score=bindparam("new_score"),
        answered_at=bindparam("now"),
        comment_chat_id=bindparam("chat"),
        comment_until=bindparam("until"),
        comment_message_id=bindparam("message"),
    )
    .returning(ratings.c.customer_id, ratings.c.subject)
)
# Why: one comment awaited per chat: the latest score's.
_OTHERS_DONE = (
    update(ratings)
    .where(ratings.c.comment_chat_id == bindparam("chat"), ratings.c.id != bindparam("rating"))
    .values(comment_until=None)
)
_COMMENT = (
    update(ratings)
    .where(ratings.c.id == bindparam("rating"), ratings.c.comment_until.is_not(None))
    .values(comment=bindparam("text"), comment_until=None)
    .returning(ratings.c.customer_id, ratings.c.subject)
)
_STOP_AWAITING = (
    update(ratings)
    .where(ratings.c.comment_chat_id == bindparam("chat"), ratings.c.comment_until.is_not(None))
    .values(comment_until=None)
)
_CSAT = select(func.count(), func.avg(ratings.c.score)).where(ratings.c.score.is_not(None))
_CSAT_SINCE = _CSAT.where(ratings.c.answered_at >= bindparam("since"))


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _rating(row: RowMapping | Mapping[str, Any]) -> Rating:
    asked_at = _moment(str(row["asked_at"]))
    assert asked_at is not None
    return Rating(
        rating_id=int(row["id"]),
        customer_id=str(row["customer_id"]),
        subject=str(row["subject"]),
        chat_id=int(row["chat_id"]),
        asked_at=asked_at,
        score=None if row["score"] is None else int(row["score"]),
        comment=None if row["comment"] is None else str(row["comment"]),
        answered_at=_moment(None if row["answered_at"] is None else str(row["answered_at"])),
    )


async def _audit(conn: AsyncConnection, changes: list[Change], *, actor: str, at: datetime) -> None:
    await write_changes(conn, changes, actor=actor, at=at)


async def _queue_messages(
    conn: AsyncConnection, messages: Collection[OutgoingMessage], *, now: datetime
) -> None:
    await insert_outbox_rows(conn, messages, now=now)


async def watch_backorders(conn: AsyncConnection, *, now: datetime) -> int:
    """Remember backordered orders of linked customers; how many were new."""
    result = await conn.execute(_WATCH[conn.dialect.name], {"now": utc_text(now)})
    # Why: one INSERT ... SELECT reports the rows it inserted as its rowcount on both drivers
    # (SQLite's changes(), PostgreSQL's command tag); RETURNING would ship every new key back,
    # 1.7x slower on a first pass remembering 74,000 orders.
    return max(result.rowcount, 0)


async def close_backorders(conn: AsyncConnection, *, now: datetime) -> int:
    """Mark remembered orders without an open line as closed `now`; how many."""
    result = await conn.execute(_CLOSE, {"now": utc_text(now)})
    return max(result.rowcount, 0)


async def closed_backorders(conn: AsyncConnection) -> list[ClosedOrder]:
    """Closed remembered orders still to be asked about, oldest closure first."""
    closed: list[ClosedOrder] = []
    for order_id, customer_id, closed_at, shipped in await conn.execute(_CLOSED):
        moment = _moment(str(closed_at))
        assert moment is not None
        outcome = Outcome.SHIPPED if shipped else Outcome.CANCELLED
        closed.append(ClosedOrder(str(order_id), str(customer_id), moment, outcome))
    return closed


async def give_up_backorders(
    conn: AsyncConnection,
    order_ids: Collection[str],
    *,
    reason: Literal["unreachable", "stale"],
) -> None:
    """These orders will not be asked about."""
    keys = sorted(set(order_ids))
    for start in range(0, len(keys), IN_CHUNK):
        await conn.execute(_GIVE_UP, {"orders": keys[start : start + IN_CHUNK], "reason": reason})


async def rating_chats(
    conn: AsyncConnection, customer_ids: Collection[str]
) -> dict[str, RatingChat]:
    """Each customer's most recently linked reachable chat and its languages."""
    keys = sorted(set(customer_ids))
    chats: dict[str, RatingChat] = {}
    for start in range(0, len(keys), IN_CHUNK):
        rows = await conn.execute(_CHATS, {"customers": keys[start : start + IN_CHUNK]})
        for customer_id, chat_id, chat_language, customer_language, timezone in rows:
            chats[str(customer_id)] = RatingChat(
                int(chat_id), chat_language or None, customer_language or None, timezone or None
            )
    return chats


async def queue_ratings(
    conn: AsyncConnection, requests: Sequence[RatingRequest], *, now: datetime
) -> dict[str, Asked]:
    """Record the questions and queue their messages, inside the caller's write transaction
    (see RatingStore); by subject. The requests are decided in order, as if one by one: a
    subject asked before (or earlier in the list) is ALREADY; a customer asked at or after the
    request's `gap_since` (in the database or earlier in the list) is LATER; else ASKED.

    Why set-based: a pass after a busy day queues thousands; a few statements serve them all.
    """
    asked_at = utc_text(now)
    customer_ids = sorted({request.customer_id for request in requests})
    if conn.dialect.name == "postgresql":
        for chunk in _chunks(customer_ids):
            await conn.execute(_LOCK_CUSTOMERS, {"customers": chunk})
    known: set[str] = set()
    for chunk in _chunks(sorted({request.subject for request in requests})):
        known.update((await conn.execute(_KNOWN, {"subjects": chunk})).scalars())
    recent: dict[str, set[str]] = {}
    for gap in {utc_text(r.gap_since) for r in requests if r.gap_since is not None}:
        recent[gap] = set()
        for chunk in _chunks(customer_ids):
            rows = await conn.execute(_RECENT, {"customers": chunk, "since": gap})
            recent[gap].update(rows.scalars())
    outcomes: dict[str, Asked] = {}
    asking: list[RatingRequest] = []
    for request in requests:
        since = None if request.gap_since is None else utc_text(request.gap_since)
        if request.subject in known:
            outcomes[request.subject] = Asked.ALREADY
        elif since is not None and request.customer_id in recent[since]:
            outcomes[request.subject] = Asked.LATER
        else:
            outcomes[request.subject] = Asked.ASKED
            asking.append(request)
            known.add(request.subject)
            for moment, customers_asked in recent.items():
                if asked_at >= moment:
                    customers_asked.add(request.customer_id)
    rating_ids = await _insert_questions(conn, asking, asked_at)
    asked = [request for request in asking if request.subject in rating_ids]
    for request in asking:
        if request.subject not in rating_ids:
            outcomes[request.subject] = Asked.ALREADY  # asked by another transaction meanwhile
    if asked:
        await _queue_messages(conn, [request.message for request in asked], now=now)
    orders = sorted(
        subject.removeprefix("order:")
        for subject, outcome in outcomes.items()
        if outcome is not Asked.LATER and subject.startswith("order:")
    )
    for chunk in _chunks(orders):
        await conn.execute(_ASKED, {"orders": chunk})
    if asked:
        changes = [
            Change(
                "rating.ask",
                f"rating:{request.subject}",
                None,
                {
                    "id": rating_ids[request.subject],
                    "chat_id": request.chat_id,
                    "asked_at": asked_at,
                },
            )
            for request in asked
        ]
        await _audit(conn, changes, actor="system", at=now)
    return outcomes


async def _insert_questions(
    conn: AsyncConnection, requests: Sequence[RatingRequest], asked_at: str
) -> dict[str, int]:
    """Insert the questions; the new rows' ids by subject (a subject already there: none)."""
    ids: dict[str, int] = {}
    for start in range(0, len(requests), _ROWS_PER_INSERT):
        rows = [
            {
                "customer_id": request.customer_id,
                "subject": request.subject,
                "chat_id": request.chat_id,
                "asked_at": asked_at,
            }
            for request in requests[start : start + _ROWS_PER_INSERT]
        ]
        result = await conn.execute(_ASK[conn.dialect.name], rows)
        ids.update({str(subject): int(rating_id) for rating_id, subject in result})
    return ids


_ROWS_PER_INSERT = 1000


def _chunks(keys: Sequence[str]) -> list[Sequence[str]]:
    return [keys[start : start + IN_CHUNK] for start in range(0, len(keys), IN_CHUNK)]


async def customer_ratings(conn: AsyncConnection, customer_id: str) -> list[Rating]:
    """Every question asked of the customer, oldest first."""
    rows = await conn.execute(_CUSTOMER_RATINGS, {"customer": customer_id})
    return [_rating(row) for row in rows.mappings()]


async def record_score(
    conn: AsyncConnection,
    rating_id: int,
    score: int,
    *,
    chat_id: int,
    message_id: int | None,
    comment_until: datetime,
    now: datetime,
    alerts: Collection[OutgoingMessage],
) -> bool:
    """The first score counts (inside the caller's write transaction); its chat's next text is
    awaited as the comment. False when the question was scored already."""
    scored = (
        await conn.execute(
            _SCORE,
            {
                "rating": rating_id,
                "new_score": score,
                "now": utc_text(now),
                "chat": chat_id,
                "until": utc_text(comment_until),
                "message": message_id,
            },
        )
    ).first()
    if scored is None:
        return False
    customer_id, subject = str(scored[0]), str(scored[1])
    await conn.execute(_OTHERS_DONE, {"chat": chat_id, "rating": rating_id})
    await _queue_messages(conn, alerts, now=now)
    change = Change("rating.score", f"rating:{subject}", None, {"score": score})
    await _audit(conn, [change], actor=f"customer:{customer_id}", at=now)
    return True


async def pending_comment(
    conn: AsyncConnection, chat_id: int, *, now: datetime
) -> PendingComment | None:
    """The rating whose comment this chat's next text is, within its window."""
    # Why: asked on every text a customer sends (the rating comment handler), so the driver's path.
    found = await bulk.fetch_rows(conn, _PENDING, {"chat": chat_id, "now": utc_text(now)})
    if not found:
        return None
    row = dict(zip(_PENDING.selected_columns.keys(), found[0], strict=True))
    message_id = row["comment_message_id"]
    return PendingComment(_rating(row), None if message_id is None else int(message_id))


async def record_comment(
    conn: AsyncConnection,
    rating_id: int,
    comment: str | None,
    *,
    now: datetime,
    alerts: Collection[OutgoingMessage],
) -> bool:
    """Store the comment (None: skipped) once, inside the caller's write transaction; False when
    none was awaited (conditional UPDATE: of two at once, one counts)."""
    awaited = (await conn.execute(_COMMENT, {"rating": rating_id, "text": comment})).first()
    if awaited is None:
        return False
    customer_id, subject = str(awaited[0]), str(awaited[1])
    await _queue_messages(conn, alerts, now=now)
    action = "rating.comment" if comment is not None else "rating.comment_skipped"
    after = {"comment": comment} if comment is not None else None
    change = Change(action, f"rating:{subject}", None, after)
    await _audit(conn, [change], actor=f"customer:{customer_id}", at=now)
    return True


async def stop_awaiting_comment(conn: AsyncConnection, chat_id: int) -> None:
    """The chat's next text is no comment."""
    await conn.execute(_STOP_AWAITING, {"chat": chat_id})


async def csat(conn: AsyncConnection, *, since: datetime | None = None) -> Csat:
    """Answered questions (at or after `since`) and their mean score to two decimals."""
    if since is None:
        row = (await conn.execute(_CSAT)).one()
    else:
        row = (await conn.execute(_CSAT_SINCE, {"since": utc_text(since)})).one()
    responses, average = row
    return Csat(int(responses), None if average is None else round(float(average), 2))
