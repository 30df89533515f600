"""The notice_state and notice_log tables, and the one transaction a sweep writes.

Every writer of notice_state locks the orders rows of the states it writes first (`lock_orders`,
in order id order), and a sweep also locks the notice-id mark before that: on PostgreSQL (READ
COMMITTED, writers side by side) a state is then never decided from and overwritten by two
transactions at once. On SQLite `FOR UPDATE` renders nothing; BEGIN IMMEDIATE serializes writers.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import fields
from datetime import date, datetime
from functools import cache
from typing import Any, Protocol

from sqlalchemy import BindParameter, Executable, Table, bindparam, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.delays import ConsentState, Notice, NoticeKind, NoticeState
from bot.domain.model import Customer, Jurisdiction, LineStatus, Order, OrderLine
from bot.domain.notice_store import NoticeChange, NoticeRecord, RecordedSweep, VersionedOrder
from bot.domain.outbox import OutgoingMessage
from storage.audit import Change, write_changes
from storage.codec import (
    IN_CHUNK,
    customer_from,
    date_or_none,
    iso_or_none,
    jurisdiction_or_none,
)
from storage.database import Database
from storage.outbox import PENDING, insert_outbox_rows
from storage.schema import (
    chat_links,
    customers,
    notice_id_mark,
    notice_log,
    notice_state,
    order_lines,
    orders,
    outbox,
    outbox_notices,
)


class Named(Protocol):
    """A row whose values are read by column name (a `RowMapping`, or a driver's row)."""

    def __getitem__(self, key: str, /) -> Any: ...


SYSTEM_ACTOR = "system"
# Why: executemany batches stay small enough for asyncpg's parameter limit and memory.
WRITE_CHUNK = 1000

_STATE_NAMES = (
    "order_id",
    "deadline",
    "communicated_date",
    "communicated_at",
    "consent",
    "awaiting_answer",
    "silence_means",
    "decision_deadline",
    "auto_cancel_on",
    "offered_date",
    "ready_notified",
    "auto_cancelled_on",
    "undelivered",
)
_STATE_COLUMNS = [notice_state.c[name] for name in _STATE_NAMES]
_LOG_NAMES = (
    "id",
    "order_id",
    "customer_id",
    "kind",
    "promised_date",
    "previous_date",
    "revised_date",
    "silence_means",
    "decision_deadline",
    "auto_cancel_on",
    "refund_minor",
    "currency",
    "refund_due",
    "decided_at",
    "chats",
    "dedupe_key",
    "delivery",
    "state_before",
)

_KEYS: BindParameter[Any] = bindparam("keys", expanding=True)
_OPEN_LINE = exists().where(
    order_lines.c.order_id == orders.c.order_id, order_lines.c.status == LineStatus.OPEN.value
)
_HEADERS = select(
    orders.c.order_id,
    orders.c.customer_id,
    orders.c.placed_at,
    orders.c.currency,
    orders.c.promised_ship_date,
    orders.c.jurisdiction,
    orders.c.priority,
    orders.c.version,
    orders.c.placed_at_utc,
).where(_OPEN_LINE)
_HEADERS_OF_CUSTOMER = _HEADERS.where(orders.c.customer_id == bindparam("customer"))
_HEADERS_OF_CUSTOMERS = _HEADERS.where(orders.c.customer_id.in_(_KEYS))
# Why: a staff change's sweep reads only the orders on its SKU, by primary key.
_HEADERS_OF_ORDERS = _HEADERS.where(orders.c.order_id.in_(_KEYS))
_LINES = (
    select(
        order_lines.c.order_id,
        order_lines.c.line_no,
        order_lines.c.sku,
        order_lines.c.quantity,
        order_lines.c.unit_price_minor,
        order_lines.c.status,
        order_lines.c.ship_now,
    )
    .where(order_lines.c.order_id.in_(_KEYS))
    .order_by(order_lines.c.order_id, order_lines.c.line_no)
)
_STATES = select(*_STATE_COLUMNS).where(notice_state.c.order_id.in_(_KEYS))
# Why: a notice waiting to be sent may still be taken back; once its order's dates are seen on
# screen, taking it back keeps them (`withdraw_notices`), so it is marked then. A literal, not a
# bound parameter: SQLite prepared "my orders" again on every run with one (three times slower).
UNSHOWN = (notice_log.c.delivery == PENDING) & notice_log.c.shown_at.is_(None)
_UNSHOWN = select(notice_log.c.order_id).where(notice_log.c.order_id.in_(_KEYS), UNSHOWN).distinct()
_MARK_SHOWN = (
    update(notice_log)
    .where(notice_log.c.order_id.in_(_KEYS), UNSHOWN)
    .values(shown_at=bindparam("at"))
)
_CHATS = (
    select(chat_links.c.customer_id, chat_links.c.chat_id)
    .where(chat_links.c.customer_id.in_(_KEYS))
    .order_by(chat_links.c.chat_id)
)
_CUSTOMERS = select(customers).where(customers.c.customer_id.in_(_KEYS))
# Why: FOR UPDATE renders nothing on SQLite (BEGIN IMMEDIATE already holds every writer off).
_LOCK_ORDERS = (
    select(orders.c.order_id, orders.c.version)
    .where(orders.c.order_id.in_(_KEYS))
    .order_by(orders.c.order_id)
    .with_for_update()
)
_LOCK_MARK = (
    select(notice_id_mark.c.last_id).where(notice_id_mark.c.singleton == 1).with_for_update()
)
_MAX_LOG_ID = select(func.coalesce(func.max(notice_log.c.id), 0))
_RAISE_MARK = (
    update(notice_id_mark)
    .where(notice_id_mark.c.singleton == 1, notice_id_mark.c.last_id < bindparam("mark"))
    .values(last_id=bindparam("mark"))
)
_INSERT_LOG = notice_log.insert().values({name: bindparam(name) for name in _LOG_NAMES})
# Why: named columns, not the whole row: an older database (upgraded in place) may lack later ones.
NOTICE_COLUMNS = (
    notice_log.c.id,
    notice_log.c.order_id,
    notice_log.c.customer_id,
    notice_log.c.kind,
    notice_log.c.promised_date,
    notice_log.c.previous_date,
    notice_log.c.revised_date,
    notice_log.c.silence_means,
    notice_log.c.decision_deadline,
    notice_log.c.auto_cancel_on,
    notice_log.c.refund_minor,
    notice_log.c.currency,
    notice_log.c.refund_due,
    notice_log.c.decided_at,
    notice_log.c.chats,
    notice_log.c.dedupe_key,
    notice_log.c.state_before,
    orders.c.jurisdiction,
    orders.c.version,
)
_HISTORY = (
    select(*NOTICE_COLUMNS, notice_log.c.delivery, notice_log.c.delivery_error)
    .join(orders, orders.c.order_id == notice_log.c.order_id)
    .order_by(notice_log.c.id)
)
_HISTORY_OF_ORDER = _HISTORY.where(notice_log.c.order_id == bindparam("order_id"))

_LINE_STATUSES = {status.value: status for status in LineStatus}
_JURISDICTIONS = {place.value: place for place in Jurisdiction}
_CONSENTS = {consent.value: consent for consent in ConsentState}


@cache
def upsert_state(dialect: str) -> Executable:
    """The dialect's `INSERT … ON CONFLICT (order_id) DO UPDATE` of a notice_state row (every
    column; parameters as `_state_params` gives them)."""
    statement = _insert_for(dialect, notice_state).values(
        {name: bindparam(name) for name in (*_STATE_NAMES, "updated_at")}
    )
    return statement.on_conflict_do_update(
        index_elements=[notice_state.c.order_id],
        set_={name: statement.excluded[name] for name in (*_STATE_NAMES[1:], "updated_at")},
    )


@cache
def _link_notice(dialect: str) -> Executable:
    """Link the outbox row of a dedupe key to a notice (no-op when linked already)."""
    return (
        _insert_for(dialect, outbox_notices)
        .from_select(
            ["outbox_id", "notice_id"],
            select(outbox.c.id, bindparam("notice_id", type_=notice_log.c.id.type)).where(
                outbox.c.dedupe_key == bindparam("key")
            ),
        )
        .on_conflict_do_nothing(index_elements=["notice_id", "outbox_id"])
    )


@cache
def _ensure_mark(dialect: str) -> Executable:
    return (
        _insert_for(dialect, notice_id_mark)
        .values(singleton=1, last_id=0)
        .on_conflict_do_nothing(index_elements=["singleton"])
    )


def _insert_for(dialect: str, table: Table) -> sqlite.Insert | postgresql.Insert:
    """`INSERT` in the dialect named (statements built once per dialect)."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


class _DayCache:
    """ISO date text to `date`, parsed once per distinct text."""

    def __init__(self) -> None:
        self._days: dict[str, date] = {}

    def maybe(self, text: str | None) -> date | None:
        if not text:
            return None
        known = self._days.get(text)
        if known is None:
            known = self._days[text] = date.fromisoformat(text)
        return known


def chunks(keys: Collection[str], size: int = IN_CHUNK) -> Iterator[list[str]]:
    """Distinct keys, sorted, in lists of at most `size` (one expanding IN each)."""
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


async def read_versioned_open_orders(
    conn: AsyncConnection,
    customer_id: str | None,
    *,
    customer_ids: Collection[str] | None = None,
    order_ids: Collection[str] | None = None,
) -> list[VersionedOrder]:
    """Orders with an open line (of one customer, of `customer_ids`, of `order_ids`, or all),
    with their lines and versions; by customer id, placing moment (UTC), order id."""
    if customer_id is not None:
        headers = list((await conn.execute(_HEADERS_OF_CUSTOMER, {"customer": customer_id})).all())
    elif customer_ids is not None:
        headers = [
            row
            for chunk in chunks(customer_ids)
            for row in (await conn.execute(_HEADERS_OF_CUSTOMERS, {"keys": chunk})).all()
        ]
    elif order_ids is not None:
        headers = [
            row
            for chunk in chunks(order_ids)
            for row in (await conn.execute(_HEADERS_OF_ORDERS, {"keys": chunk})).all()
        ]
    else:
        headers = list((await conn.execute(_HEADERS)).all())
    if not headers:
        return []
    # Why: sorted here, not by the database: chunks are read apart, and PostgreSQL's collation
    # would order ids otherwise than SQLite's code point order.
    headers.sort(key=lambda row: (row[1], row[8], row[0]))
    # Why: a staff change's sweep reads tens of thousands of orders; plain tuples and cached
    # dates and statuses keep that decoding from dominating it.
    lines: dict[str, list[OrderLine]] = {row[0]: [] for row in headers}
    status = _LINE_STATUSES
    for chunk in chunks(lines):
        for order_id, line_no, sku, quantity, price, state, ship_now in (
            await conn.execute(_LINES, {"keys": chunk})
        ).all():
            lines[order_id].append(
                OrderLine(order_id, line_no, sku, quantity, price, status[state], bool(ship_now))
            )
    day = _DayCache()
    return [
        VersionedOrder(
            Order(
                order_id=order_id,
                customer_id=customer,
                placed_at=datetime.fromisoformat(placed_at),
                currency=currency,
                promised_ship_date=day.maybe(promised),
                jurisdiction=_JURISDICTIONS[jurisdiction] if jurisdiction else None,
                priority=priority,
                lines=tuple(lines[order_id]),
            ),
            int(version),
        )
        for (
            order_id,
            customer,
            placed_at,
            currency,
            promised,
            jurisdiction,
            priority,
            version,
            _,
        ) in headers
    ]


async def read_notice_states(
    conn: AsyncConnection, order_ids: Collection[str]
) -> dict[str, NoticeState]:
    """Stored notice states of these orders."""
    day = _DayCache().maybe
    consent = _CONSENTS
    # Why: a big sweep reads tens of thousands of states; positional values, cached dates.
    return {
        row[0]: NoticeState(
            order_id=row[0],
            deadline=day(row[1]) if row[1] else None,
            communicated_date=day(row[2]) if row[2] else None,
            communicated_at=datetime.fromisoformat(row[3]) if row[3] else None,
            consent=consent[row[4]],
            awaiting_answer=bool(row[5]),
            silence_means=row[6],
            decision_deadline=day(row[7]) if row[7] else None,
            auto_cancel_on=day(row[8]) if row[8] else None,
            offered_date=day(row[9]) if row[9] else None,
            ready_notified=bool(row[10]),
            auto_cancelled_on=day(row[11]) if row[11] else None,
            undelivered=row[12],
        )
        for chunk in chunks(order_ids)
        for row in (await conn.execute(_STATES, {"keys": chunk})).all()
    }


async def read_unshown_notices(conn: AsyncConnection, order_ids: Collection[str]) -> frozenset[str]:
    """Those of these orders with a notice waiting to be sent whose dates the customer has not
    seen on screen since it was decided."""
    found = {
        str(order_id)
        for chunk in chunks(order_ids)
        for order_id in (await conn.execute(_UNSHOWN, {"keys": chunk})).scalars()
    }
    return frozenset(found)


async def read_customers_with_chats(
    conn: AsyncConnection, customer_ids: Collection[str]
) -> dict[str, tuple[Customer, tuple[int, ...]]]:
    """Customers and the chats linked to each (chats by id)."""
    found: dict[str, tuple[Customer, tuple[int, ...]]] = {}
    for chunk in chunks(customer_ids):
        chats: dict[str, list[int]] = {}
        for customer_id, chat_id in (await conn.execute(_CHATS, {"keys": chunk})).all():
            chats.setdefault(customer_id, []).append(int(chat_id))
        for row in (await conn.execute(_CUSTOMERS, {"keys": chunk})).mappings():
            customer = customer_from(row)
            found[customer.customer_id] = (customer, tuple(chats.get(customer.customer_id, ())))
    return found


async def lock_orders(conn: AsyncConnection, order_ids: Collection[str]) -> dict[str, int]:
    """Lock these orders' rows until the transaction ends (`FOR UPDATE`, in order id order, so
    two writers never wait on each other crosswise); their current versions by order id."""
    return {
        order_id: int(version)
        for chunk in chunks(order_ids)
        for order_id, version in (await conn.execute(_LOCK_ORDERS, {"keys": chunk})).all()
    }


async def write_sweep(
    db: Database,
    changes: Sequence[NoticeChange],
    messages: Sequence[OutgoingMessage],
    *,
    now: datetime,
    read: Mapping[str, NoticeState] | None = None,
) -> RecordedSweep:
    """States, notice history, outbox rows and audit entries, all in one transaction.

    With `read` (the states the sweep decided from, by order id; absent = none stored), a
    customer any of whose orders' states, or whose noticed orders' versions, changed since is
    left out entirely, so two sweeps that read the same states (the bot's and a command
    line's), or a sweep and a customer's answer, never both act on the same state.
    """
    async with db.write() as conn:
        # Why: the mark's row lock makes sweeps take turns (ids below are free only then); the
        # orders' row locks hold off every other writer of these states (answers, "dates
        # seen", settlements) until this commits. With both held, what is compared below
        # cannot change before the write: READ COMMITTED is enough on PostgreSQL.
        mark = await _lock_notice_ids(conn)
        conflicted: frozenset[str] = frozenset()
        if read is not None:
            order_ids = [change.state.order_id for change in changes]
            versions = await lock_orders(conn, order_ids)
            # Why: compared as plain values, not states built again (most of a big sweep's
            # check); equal values are equal states.
            now_stored = await _stored_state_values(conn, order_ids)
            conflicted = frozenset(
                change.customer_id
                for change in changes
                if now_stored.get(change.state.order_id)
                != _state_values(read.get(change.state.order_id))
                or any(
                    versions.get(notice.order_id) != notice.order_version
                    for notice in change.notices
                )
            )
        if conflicted:
            changes = [change for change in changes if change.customer_id not in conflicted]
            messages = [m for m in messages if m.customer_id not in conflicted]
        await _execute_chunked(
            conn, upsert_state(conn.dialect.name), [_state_params(c.state, now) for c in changes]
        )
        logged = [(change, notice) for change in changes for notice in change.notices]
        first = mark + 1
        # Why: the mark is locked, so the ids after it are free; naming them lets one
        # executemany replace a round trip per notice.
        notice_json = [_notice_json(notice) for _, notice in logged]
        await _execute_chunked(
            conn,
            _INSERT_LOG,
            [
                {**_log_params(change, notice, now, described), "id": first + number}
                for number, ((change, notice), described) in enumerate(
                    zip(logged, notice_json, strict=True)
                )
            ],
        )
        if logged:
            await conn.execute(_RAISE_MARK, {"mark": first + len(logged) - 1})
        notice_ids: dict[tuple[str | None, str], int] = {
            (change.dedupe_key, notice.order_id): first + number
            for number, (change, notice) in enumerate(logged)
        }
        queued = await insert_outbox_rows(conn, messages, now=now)
        await link_outbox_notices(conn, messages, notice_ids)
        audit = [
            Change(
                "notice.sent" if change.chats else "notice.undeliverable",
                f"order:{notice.order_id}",
                None,
                {**described, "chats": change.chats},
            )
            for (change, notice), described in zip(logged, notice_json, strict=True)
        ]
        await write_changes(conn, audit, actor=SYSTEM_ACTOR, at=now)
    return RecordedSweep(queued, conflicted)


async def last_notice_id(conn: AsyncConnection) -> int:
    """The highest notice id ever given (0: none): withdrawn notices' ids are never given again,
    so every notice decided later has a larger id (the notice_id_mark table)."""
    value = (
        await conn.execute(
            select(
                func.coalesce(select(func.max(notice_log.c.id)).scalar_subquery(), 0).label(
                    "logged"
                ),
                func.coalesce(select(notice_id_mark.c.last_id).scalar_subquery(), 0).label(
                    "marked"
                ),
            )
        )
    ).one()
    return max(int(value[0]), int(value[1]))


async def _lock_notice_ids(conn: AsyncConnection) -> int:
    """Lock the notice-id mark until the transaction ends (made when missing); the highest
    notice id ever given."""
    await conn.execute(_ensure_mark(conn.dialect.name))
    marked = (await conn.execute(_LOCK_MARK)).scalar_one()
    logged = (await conn.execute(_MAX_LOG_ID)).scalar_one()
    return max(int(marked), int(logged))


async def _stored_state_values(
    conn: AsyncConnection, order_ids: Collection[str]
) -> dict[str, tuple[object, ...]]:
    """The stored notice states of these orders as plain values (`_state_values`' form)."""
    day = date_or_none
    return {
        row[0]: (
            row[0],
            day(row[1]),
            day(row[2]),
            datetime.fromisoformat(row[3]) if row[3] else None,
            row[4],
            bool(row[5]),
            row[6],
            day(row[7]),
            day(row[8]),
            day(row[9]),
            bool(row[10]),
            day(row[11]),
            row[12],
        )
        for chunk in chunks(order_ids)
        for row in (await conn.execute(_STATES, {"keys": chunk})).all()
    }


def _state_values(state: NoticeState | None) -> tuple[object, ...] | None:
    """A state as the plain values `_stored_state_values` reads (None for none): equal values
    are equal states (`_state_from`)."""
    if state is None:
        return None
    return (
        state.order_id,
        state.deadline,
        state.communicated_date,
        state.communicated_at,
        state.consent.value,
        state.awaiting_answer,
        state.silence_means,
        state.decision_deadline,
        state.auto_cancel_on,
        state.offered_date,
        state.ready_notified,
        state.auto_cancelled_on,
        state.undelivered,
    )


async def save_states(
    db: Database,
    states: Sequence[NoticeState],
    *,
    action: str,
    actor: str,
    at: datetime,
    expected: Mapping[str, NoticeState] | None = None,
    versions: Mapping[str, int] | None = None,
    shown: Collection[str] = (),
) -> tuple[str, ...]:
    """Store changed notice states with an audit entry each (before and after); the order ids
    of the states NOT stored because, since the caller read them, the stored state differs from
    `expected` (absent: none stored) or the order's version from `versions` (when given). The
    waiting notices of the orders in `shown` whose states are stored are marked shown at `at`."""
    async with db.write() as conn:
        order_ids = [state.order_id for state in states]
        # Why: the decision a state records (an answer, dates seen) was made from what the
        # caller read; under the orders' row locks (PostgreSQL READ COMMITTED: no sweep or
        # other writer of these states can commit in between) it is checked and written.
        current = await lock_orders(conn, order_ids)
        before = await read_notice_states(conn, order_ids)
        refused = {
            order_id
            for order_id in order_ids
            if (expected is not None and before.get(order_id) != expected.get(order_id))
            or (versions is not None and current.get(order_id) != versions.get(order_id))
        }
        kept = [state for state in states if state.order_id not in refused]
        await _execute_chunked(
            conn, upsert_state(conn.dialect.name), [_state_params(state, at) for state in kept]
        )
        seen = [state.order_id for state in kept if state.order_id in shown]
        for chunk in chunks(seen):
            await conn.execute(_MARK_SHOWN, {"keys": chunk, "at": at.isoformat()})
        audit = [
            Change(
                action,
                f"order:{state.order_id}",
                _state_json(before[state.order_id]) if state.order_id in before else None,
                _state_json(state),
            )
            for state in kept
        ]
        await write_changes(conn, audit, actor=actor, at=at)
    return tuple(sorted(refused))


async def read_notice_history(conn: AsyncConnection, order_id: str | None) -> list[NoticeRecord]:
    """Notices decided, oldest first (of one order, or all)."""
    if order_id is None:
        result = await conn.execute(_HISTORY)
    else:
        result = await conn.execute(_HISTORY_OF_ORDER, {"order_id": order_id})
    return [
        NoticeRecord(
            order_id=row["order_id"],
            customer_id=row["customer_id"],
            notice=notice_from(row),
            decided_at=datetime.fromisoformat(row["decided_at"]),
            chats=row["chats"],
            dedupe_key=row["dedupe_key"],
            notice_id=row["id"],
            delivery=row["delivery"],
            delivery_error=row["delivery_error"],
        )
        for row in result.mappings()
    ]


def notice_from(row: Named) -> Notice:
    """A notice from a notice_log row joined with its order's jurisdiction and version."""
    return Notice(
        kind=NoticeKind(row["kind"]),
        order_id=row["order_id"],
        jurisdiction=jurisdiction_or_none(row["jurisdiction"]),
        promised_date=date.fromisoformat(row["promised_date"]),
        previous_date=date_or_none(row["previous_date"]),
        revised_date=date_or_none(row["revised_date"]),
        silence_means=row["silence_means"],
        decision_deadline=date_or_none(row["decision_deadline"]),
        auto_cancel_on=date_or_none(row["auto_cancel_on"]),
        refund_minor=int(row["refund_minor"]),
        currency=row["currency"],
        refund_due=date_or_none(row["refund_due"]),
        order_version=int(row["version"]),
    )


def _state_from(row: Named) -> NoticeState:
    """A notice state from a row with notice_state's column names."""
    communicated_at = row["communicated_at"]
    return NoticeState(
        order_id=row["order_id"],
        deadline=date_or_none(row["deadline"]),
        communicated_date=date_or_none(row["communicated_date"]),
        communicated_at=datetime.fromisoformat(communicated_at) if communicated_at else None,
        consent=ConsentState(row["consent"]),
        awaiting_answer=bool(row["awaiting_answer"]),
        silence_means=row["silence_means"],
        decision_deadline=date_or_none(row["decision_deadline"]),
        auto_cancel_on=date_or_none(row["auto_cancel_on"]),
        offered_date=date_or_none(row["offered_date"]),
        ready_notified=bool(row["ready_notified"]),
        auto_cancelled_on=date_or_none(row["auto_cancelled_on"]),
        undelivered=row["undelivered"],
    )


def state_json(state: NoticeState) -> dict[str, object]:
    """A notice state as its audit (and state_before) JSON values."""
    return {
        "deadline": iso_or_none(state.deadline),
        "communicated_date": iso_or_none(state.communicated_date),
        "communicated_at": state.communicated_at.isoformat() if state.communicated_at else None,
        "consent": state.consent.value,
        "awaiting_answer": state.awaiting_answer,
        "silence_means": state.silence_means,
        "decision_deadline": iso_or_none(state.decision_deadline),
        "auto_cancel_on": iso_or_none(state.auto_cancel_on),
        "offered_date": iso_or_none(state.offered_date),
        "ready_notified": state.ready_notified,
        "auto_cancelled_on": iso_or_none(state.auto_cancelled_on),
        "undelivered": state.undelivered,
    }


_state_json = state_json


def state_params(state: NoticeState, now: datetime) -> dict[str, object]:
    """The parameters of `upsert_state` for one state written at `now`."""
    return {
        **_state_json(state),
        "order_id": state.order_id,
        "awaiting_answer": int(state.awaiting_answer),
        "ready_notified": int(state.ready_notified),
        "updated_at": now.isoformat(),
    }


_state_params = state_params


def _notice_json(notice: Notice) -> dict[str, object]:
    # Why: a notice's fields are flat values; asdict's deep copy is most of a big sweep's write.
    return {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key in _NOTICE_FIELDS
        for value in (getattr(notice, key),)
    }


_NOTICE_FIELDS = tuple(
    field.name
    for field in fields(Notice)
    if field.name not in ("order_id", "jurisdiction", "order_version")
)


def _log_params(
    change: NoticeChange,
    notice: Notice,
    now: datetime,
    described: dict[str, object],
) -> dict[str, object]:
    before = change.before
    return {
        **described,
        "kind": notice.kind.value,
        "order_id": notice.order_id,
        "customer_id": change.customer_id,
        "decided_at": now.isoformat(),
        "chats": change.chats,
        "dedupe_key": change.dedupe_key,
        # Why: a notice with no chat to carry it is settled like a failed send: undelivered.
        "delivery": "pending",
        "state_before": json.dumps(_state_json(before)) if before is not None else None,
    }


async def link_outbox_notices(
    conn: AsyncConnection,
    messages: Sequence[OutgoingMessage],
    notice_ids: dict[tuple[str | None, str], int],
) -> None:
    """Record which notices each queued message carries (inside the caller's transaction)."""
    links: list[dict[str, object]] = []
    for message in messages:
        for order_id in message.notice_orders:
            notice_id = notice_ids.get((message.notice_key, order_id))
            if notice_id is not None:
                links.append({"notice_id": notice_id, "key": message.dedupe_key})
    await link_notices(conn, links)


async def link_notices(conn: AsyncConnection, links: Sequence[dict[str, object]]) -> None:
    """Link each `{"notice_id", "key"}`: the outbox row of dedupe key `key` carries the notice
    (already linked: nothing)."""
    await _execute_chunked(conn, _link_notice(conn.dialect.name), links)


def state_from_json(order_id: str, raw: str) -> NoticeState:
    """A notice state from its audit JSON."""
    values = json.loads(raw)
    at = values.get("communicated_at")
    return NoticeState(
        order_id=order_id,
        deadline=date_or_none(values.get("deadline")),
        communicated_date=date_or_none(values.get("communicated_date")),
        communicated_at=datetime.fromisoformat(at) if at else None,
        consent=ConsentState(values.get("consent", "none")),
        awaiting_answer=bool(values.get("awaiting_answer")),
        silence_means=values.get("silence_means", "nothing"),
        decision_deadline=date_or_none(values.get("decision_deadline")),
        auto_cancel_on=date_or_none(values.get("auto_cancel_on")),
        offered_date=date_or_none(values.get("offered_date")),
        ready_notified=bool(values.get("ready_notified")),
        auto_cancelled_on=date_or_none(values.get("auto_cancelled_on")),
        undelivered=values.get("undelivered"),
    )


async def _execute_chunked(
    conn: AsyncConnection, statement: Executable, rows: Sequence[Mapping[str, object]]
) -> None:
    """Run `statement` once per parameter set, `WRITE_CHUNK` sets per executemany."""
    for start in range(0, len(rows), WRITE_CHUNK):
        await conn.execute(statement, list(rows[start : start + WRITE_CHUNK]))
