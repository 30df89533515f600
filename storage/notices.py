"""The notice_state and notice_log tables, and the one transaction a sweep writes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any

import aiosqlite

from bot.domain.delays import ConsentState, Notice, NoticeKind, NoticeState
from bot.domain.model import Customer, Jurisdiction, LineStatus, Order, OrderLine
from bot.domain.notice_store import NoticeChange, NoticeRecord, RecordedSweep, VersionedOrder
from bot.domain.outbox import OutgoingMessage
from storage.audit import Change, write_changes
from storage.codec import customer_from, date_or_none, iso_or_none, jurisdiction_or_none
from storage.outbox import insert_outbox_rows
from storage.transaction import transaction

SYSTEM_ACTOR = "system"
_IN_JSON = "IN (SELECT value FROM json_each(?))"
_STATE_COLUMNS = (
    "order_id, deadline, communicated_date, communicated_at, consent, awaiting_answer,"
    " silence_means, decision_deadline, auto_cancel_on, offered_date, ready_notified,"
    " auto_cancelled_on, undelivered, updated_at"
)
_STATE_VALUES = _STATE_COLUMNS.removesuffix(", updated_at")
_UPSERT_STATE = f"""
    INSERT INTO notice_state ({_STATE_COLUMNS})
    VALUES (:order_id, :deadline, :communicated_date, :communicated_at, :consent,
        :awaiting_answer, :silence_means, :decision_deadline, :auto_cancel_on, :offered_date,
        :ready_notified, :auto_cancelled_on, :undelivered, :updated_at)
    ON CONFLICT (order_id) DO UPDATE SET deadline = excluded.deadline,
        communicated_date = excluded.communicated_date,
        communicated_at = excluded.communicated_at, consent = excluded.consent,
        awaiting_answer = excluded.awaiting_answer, silence_means = excluded.silence_means,
        decision_deadline = excluded.decision_deadline, auto_cancel_on = excluded.auto_cancel_on,
        offered_date = excluded.offered_date, ready_notified = excluded.ready_notified,
        auto_cancelled_on = excluded.auto_cancelled_on, undelivered = excluded.undelivered,
        updated_at = excluded.updated_at"""
_INSERT_LOG = """
    INSERT INTO notice_log (order_id, customer_id, kind, promised_date, previous_date,
        revised_date, silence_means, decision_deadline, auto_cancel_on, refund_minor, currency,
        refund_due, decided_at, chats, dedupe_key, delivery, state_before)
    VALUES (:order_id, :customer_id, :kind, :promised_date, :previous_date, :revised_date,
        :silence_means, :decision_deadline, :auto_cancel_on, :refund_minor, :currency,
        :refund_due, :decided_at, :chats, :dedupe_key, :delivery, :state_before)"""
_INSERT_LOG_WITH_ID = _INSERT_LOG.replace("(order_id,", "(id, order_id,", 1).replace(
    "VALUES (", "VALUES (:id, ", 1
)
_OPEN_ORDERS = """
    SELECT o.order_id, o.customer_id, o.placed_at, o.currency, o.promised_ship_date,
           o.jurisdiction, o.priority, o.version
      FROM orders AS o
     WHERE EXISTS (SELECT 1 FROM order_lines AS l
                    WHERE l.order_id = o.order_id AND l.status = 'open') {and_customer}
     ORDER BY o.customer_id, o.placed_at_utc, o.order_id"""

_LINE_COLUMNS = "order_id, line_no, sku, quantity, unit_price_minor, status, ship_now"
_LINE_STATUSES = {status.value: status for status in LineStatus}
_JURISDICTIONS = {place.value: place for place in Jurisdiction}
_CONSENTS = {consent.value: consent for consent in ConsentState}


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


async def read_versioned_open_orders(
    conn: aiosqlite.Connection,
    customer_id: str | None,
    *,
    customer_ids: Collection[str] | None = None,
    order_ids: Collection[str] | None = None,
) -> list[VersionedOrder]:
    """Orders with an open line (of one customer, of `customer_ids`, of `order_ids`, or all),
    with their lines and versions."""
    and_customer = ""
    params: tuple[str, ...] = ()
    if customer_id is not None:
        and_customer, params = "AND o.customer_id = ?", (customer_id,)
    elif customer_ids is not None:
        and_customer = f"AND o.customer_id {_IN_JSON}"
        params = (json.dumps(sorted(set(customer_ids))),)
    elif order_ids is not None:
        # Why: a staff change's sweep reads only the orders on its SKU, by primary key.
        and_customer = f"AND o.order_id {_IN_JSON}"
        params = (json.dumps(sorted(set(order_ids))),)
    headers = await _tuples(conn, _OPEN_ORDERS.format(and_customer=and_customer), params)
    if not headers:
        return []
    # Why: a staff change's sweep reads tens of thousands of orders; plain tuples and cached
    # dates and statuses keep that decoding from dominating it.
    lines: dict[str, list[OrderLine]] = {row[0]: [] for row in headers}
    status = _LINE_STATUSES
    for order_id, line_no, sku, quantity, price, state, ship_now in await _tuples(
        conn,
        f"SELECT {_LINE_COLUMNS} FROM order_lines WHERE order_id {_IN_JSON}"
        " ORDER BY order_id, line_no",
        (json.dumps(list(lines)),),
    ):
        lines[order_id].append(
            OrderLine(order_id, line_no, sku, quantity, price, status[state], bool(ship_now))
        )
    day = _DayCache()
    return [
        VersionedOrder(
            Order(
                order_id=order_id,
                customer_id=customer_id,
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
            customer_id,
            placed_at,
            currency,
            promised,
            jurisdiction,
            priority,
            version,
        ) in headers
    ]


async def read_notice_states(
    conn: aiosqlite.Connection, order_ids: Collection[str]
) -> dict[str, NoticeState]:
    """Stored notice states of these orders."""
    if not order_ids:
        return {}
    rows = await _tuples(
        conn,
        f"SELECT {_STATE_VALUES} FROM notice_state WHERE order_id {_IN_JSON}",
        (json.dumps(sorted(set(order_ids))),),
    )
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
        for row in rows
    }


async def read_customers_with_chats(
    conn: aiosqlite.Connection, customer_ids: Collection[str]
) -> dict[str, tuple[Customer, tuple[int, ...]]]:
    """Customers and the chats linked to each."""
    if not customer_ids:
        return {}
    keys = (json.dumps(sorted(set(customer_ids))),)
    chats: dict[str, list[int]] = {}
    for row in await _all(
        conn,
        f"SELECT customer_id, chat_id FROM chat_links WHERE customer_id {_IN_JSON}"
        " ORDER BY chat_id",
        keys,
    ):
        chats.setdefault(row["customer_id"], []).append(int(row["chat_id"]))
    return {
        row["customer_id"]: (customer_from(row), tuple(chats.get(row["customer_id"], ())))
        for row in await _all(conn, f"SELECT * FROM customers WHERE customer_id {_IN_JSON}", keys)
    }


async def write_sweep(
    conn: aiosqlite.Connection,
    changes: Sequence[NoticeChange],
    messages: Sequence[OutgoingMessage],
    *,
    now: datetime,
    read: Mapping[str, NoticeState] | None = None,
) -> RecordedSweep:
    """States, notice history, outbox rows and audit entries, all in one transaction.

    With `read` (the states the sweep decided from, by order id; absent = none stored), a
    customer any of whose orders' states changed since is left out entirely, so two sweeps that
    read the same states (the bot's and a command line's) never both queue the same notice.
    """
    async with transaction(conn):
        conflicted: frozenset[str] = frozenset()
        if read is not None:
            # Why: compared as plain values, not states built again (most of a big sweep's
            # check); equal values are equal states.
            now_stored = await _stored_state_values(conn, [c.state.order_id for c in changes])
            conflicted = frozenset(
                change.customer_id
                for change in changes
                if now_stored.get(change.state.order_id)
                != _state_values(read.get(change.state.order_id))
            )
        if conflicted:
            changes = [change for change in changes if change.customer_id not in conflicted]
            messages = [m for m in messages if m.customer_id not in conflicted]
        await conn.executemany(_UPSERT_STATE, [_state_params(c.state, now) for c in changes])
        logged = [(change, notice) for change in changes for notice in change.notices]
        first = await last_notice_id(conn) + 1
        # Why: inside this write transaction nobody else inserts, so the ids after the mark are
        # free; naming them lets one executemany replace a round trip per notice.
        notice_json = [_notice_json(notice) for _, notice in logged]
        await conn.executemany(
            _INSERT_LOG_WITH_ID,
            [
                {**_log_params(change, notice, now, described), "id": first + number}
                for number, ((change, notice), described) in enumerate(
                    zip(logged, notice_json, strict=True)
                )
            ],
        )
        if logged:
            await conn.execute(
                "UPDATE notice_id_mark SET last_id = ? WHERE last_id < ?",
                (first + len(logged) - 1, first + len(logged) - 1),
            )
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


async def last_notice_id(conn: aiosqlite.Connection) -> int:
    """The highest notice id ever given (0: none): withdrawn notices' ids are never given again,
    so every notice decided later has a larger id (migration 0016)."""
    async with conn.execute(
        "SELECT max(COALESCE((SELECT max(id) FROM notice_log), 0),"
        " COALESCE((SELECT last_id FROM notice_id_mark), 0))"
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _stored_state_values(
    conn: aiosqlite.Connection, order_ids: Collection[str]
) -> dict[str, tuple[object, ...]]:
    """The stored notice states of these orders as plain values (`_state_values`' form)."""
    if not order_ids:
        return {}
    rows = await _all(
        conn,
        f"SELECT {_STATE_VALUES} FROM notice_state WHERE order_id {_IN_JSON}",
        (json.dumps(sorted(set(order_ids))),),
    )
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
        for row in rows
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
    conn: aiosqlite.Connection,
    states: Sequence[NoticeState],
    *,
    action: str,
    actor: str,
    at: datetime,
) -> None:
    """Store changed notice states with an audit entry each (before and after)."""
    async with transaction(conn):
        before = await read_notice_states(conn, [state.order_id for state in states])
        await conn.executemany(_UPSERT_STATE, [_state_params(state, at) for state in states])
        audit = [
            Change(
                action,
                f"order:{state.order_id}",
                _state_json(before[state.order_id]) if state.order_id in before else None,
                _state_json(state),
            )
            for state in states
        ]
        await write_changes(conn, audit, actor=actor, at=at)


async def read_notice_history(
    conn: aiosqlite.Connection, order_id: str | None
) -> list[NoticeRecord]:
    """Notices decided, oldest first (of one order, or all)."""
    where = "" if order_id is None else " WHERE l.order_id = ?"
    params: tuple[str, ...] = () if order_id is None else (order_id,)
    rows = await _all(
        conn,
        "SELECT l.*, o.jurisdiction, o.version FROM notice_log AS l"
        " JOIN orders AS o ON o.order_id = l.order_id" + where + " ORDER BY l.id",
        params,
    )
    return [
        NoticeRecord(
            order_id=row["order_id"],
            customer_id=row["customer_id"],
            notice=_notice_from(row),
            decided_at=datetime.fromisoformat(row["decided_at"]),
            chats=row["chats"],
            dedupe_key=row["dedupe_key"],
            notice_id=row["id"],
            delivery=row["delivery"],
            delivery_error=row["delivery_error"],
        )
        for row in rows
    ]


def _notice_from(row: sqlite3.Row) -> Notice:
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
        refund_minor=row["refund_minor"],
        currency=row["currency"],
        refund_due=date_or_none(row["refund_due"]),
        order_version=row["version"],
    )


def _state_from(row: sqlite3.Row) -> NoticeState:
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


def _state_json(state: NoticeState) -> dict[str, object]:
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


def _state_params(state: NoticeState, now: datetime) -> dict[str, object]:
    return {
        **_state_json(state),
        "order_id": state.order_id,
        "awaiting_answer": int(state.awaiting_answer),
        "ready_notified": int(state.ready_notified),
        "updated_at": now.isoformat(),
    }


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
    conn: aiosqlite.Connection,
    messages: Sequence[OutgoingMessage],
    notice_ids: dict[tuple[str | None, str], int],
) -> None:
    """Record which notices each queued message carries (inside the caller's transaction)."""
    links: list[tuple[str, int]] = []
    for message in messages:
        for order_id in message.notice_orders:
            notice_id = notice_ids.get((message.notice_key, order_id))
            if notice_id is not None:
                links.append((message.dedupe_key, notice_id))
    await conn.executemany(
        """INSERT OR IGNORE INTO outbox_notices (outbox_id, notice_id)
           SELECT id, ? FROM outbox WHERE dedupe_key = ?""",
        [(notice_id, key) for key, notice_id in links],
    )


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


async def _tuples(conn: aiosqlite.Connection, query: str, params: Any = ()) -> list[Any]:
    """A query's rows as plain tuples (no Row objects)."""
    cursor = await conn.cursor()
    cursor.row_factory = None
    try:
        await cursor.execute(query, params)
        return list(await cursor.fetchall())
    finally:
        await cursor.close()


async def _all(conn: aiosqlite.Connection, query: str, params: Any = ()) -> list[sqlite3.Row]:
    async with conn.execute(query, params) as cursor:
        return list(await cursor.fetchall())
