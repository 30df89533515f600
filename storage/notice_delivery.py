"""Notices on their way: the outbox rows carrying each, and the transaction that settles them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Text,
    bindparam,
    cast,
    delete,
    exists,
    func,
    select,
    union,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.alerts import RaisedAlert
from bot.domain.delays import NoticeState
from bot.domain.notice_delivery import (
    AlertedNotice,
    CarrierRow,
    PendingNotice,
    Settlement,
    WithdrawnNotice,
    restored,
)
from bot.domain.outbox import UndeliveredNoticeRow
from storage.alerts import record_alerts
from storage.audit import Change, write_changes
from storage.codec import utc_text
from storage.database import Database
from storage.notices import (
    NOTICE_COLUMNS,
    chunks,
    link_notices,
    lock_orders,
    notice_from,
    read_notice_states,
    state_from_json,
    state_json,
    state_params,
    upsert_state,
)
from storage.outbox import insert_outbox_rows
from storage.schema import (
    alerts,
    customers,
    notice_log,
    notice_state,
    orders,
    outbox,
    outbox_notices,
    unreachable_chats,
)

_KEYS: BindParameter[Any] = bindparam("keys", expanding=True)
_later = notice_log.alias("later")
_PENDING = (
    select(
        *NOTICE_COLUMNS,
        ~exists()
        .where(_later.c.order_id == notice_log.c.order_id, _later.c.id > notice_log.c.id)
        .label("latest"),
    )
    .join(orders, orders.c.order_id == notice_log.c.order_id)
    .where(notice_log.c.delivery == "pending")
)
_held_link = outbox_notices.alias("held_link")
_held_row = outbox.alias("held_row")
# Why: a sweep looks only at notices held for later; reading the rest (most of a busy shop's
# pending notices, due now) and dropping them in Python was most of a staff change's time.
_HELD = (
    exists()
    .select_from(_held_link.join(_held_row, _held_row.c.id == _held_link.c.outbox_id))
    .where(
        _held_link.c.notice_id == notice_log.c.id,
        _held_row.c.status == "pending",
        _held_row.c.due_at > bindparam("held", type_=Text),
    )
)
_carried = outbox_notices.alias("carried")
_CARRIERS = (
    select(
        outbox_notices.c.notice_id,
        outbox.c.id,
        outbox.c.chat_id,
        outbox.c.status,
        func.coalesce(outbox.c.last_error, unreachable_chats.c.reason),
        unreachable_chats.c.chat_id.is_not(None),
        select(func.count())
        .select_from(_carried)
        .where(_carried.c.outbox_id == outbox.c.id)
        .scalar_subquery(),
        outbox.c.due_at,
    )
    .join(outbox, outbox.c.id == outbox_notices.c.outbox_id)
    .outerjoin(unreachable_chats, unreachable_chats.c.chat_id == outbox.c.chat_id)
    .where(outbox_notices.c.notice_id.in_(_KEYS))
    .order_by(outbox.c.id)
)
_DELIVERED = (
    update(notice_log)
    .where(notice_log.c.id == bindparam("notice_id"))
    .values(delivery="delivered", settled_at=bindparam("at"))
)
_UNLINK = delete(outbox_notices).where(
    outbox_notices.c.notice_id == bindparam("notice_id"),
    outbox_notices.c.outbox_id == bindparam("row_id"),
)
_UNDELIVERED = (
    update(notice_log)
    .where(notice_log.c.id == bindparam("notice_id"))
    .values(
        delivery="undelivered",
        delivery_error=bindparam("error"),
        settled_at=bindparam("at"),
        retried_at=bindparam("retried_at"),
    )
)
# Why: a notice held for a blocked chat must not arrive later, stale, as if valid.
_DROP_HELD = (
    update(outbox)
    .where(outbox.c.id == bindparam("row_id"), outbox.c.status == "pending")
    .values(status="dropped_unreachable")
)
_not_being_sent = (outbox.c.claimed_by.is_(None)) | (
    outbox.c.claim_expires_at <= bindparam("clock")
)
# Why: locked, so a dispatcher's claim (FOR UPDATE SKIP LOCKED) passes them by until this
# transaction ends, and a row claimed first is not counted free (PostgreSQL READ COMMITTED
# re-checks the condition on the claimed row).
_FREE_ROWS = (
    select(outbox.c.id)
    .where(
        outbox.c.id.in_(_KEYS),
        outbox.c.status == "pending",
        outbox.c.due_at > bindparam("now", type_=Text),
        _not_being_sent,
    )
    .with_for_update()
)
_linked = outbox_notices.alias("linked")
# Why: a row goes once no notice it carries is left (a digest's other notices included).
_DROP_WITHDRAWN_ROWS = delete(outbox).where(
    outbox.c.id.in_(_KEYS),
    outbox.c.status == "pending",
    _not_being_sent,
    ~exists().where(_linked.c.outbox_id == outbox.c.id),
)
_SHOWN = select(notice_log.c.id).where(
    notice_log.c.id.in_(_KEYS), notice_log.c.shown_at.is_not(None)
)
_alert_b = alerts.alias("b")
_delivered_later = notice_log.alias("d")
_ALERTED = (
    select(*NOTICE_COLUMNS, notice_log.c.delivery_error)
    .select_from(alerts)
    # Why: compared as text; casting every alert's subject would fail on other kinds' subjects.
    .join(notice_log, cast(notice_log.c.id, Text) == alerts.c.subject)
    .join(orders, orders.c.order_id == notice_log.c.order_id)
    .where(
        alerts.c.kind == "notice_undelivered",
        alerts.c.target.in_(_KEYS),
        notice_log.c.delivery == "undelivered",
        notice_log.c.order_id == alerts.c.target,
        notice_log.c.id
        == select(func.max(cast(_alert_b.c.subject, BigInteger)))
        .where(_alert_b.c.kind == "notice_undelivered", _alert_b.c.target == alerts.c.target)
        .scalar_subquery(),
        # Why: once a notice of the order reached the customer, a later failure is news again.
        ~exists().where(
            _delivered_later.c.order_id == notice_log.c.order_id,
            _delivered_later.c.id > notice_log.c.id,
            _delivered_later.c.delivery == "delivered",
        ),
    )
)
_newest = notice_log.alias("newest")
_UNDELIVERED_NOTICES = (
    select(
        notice_log.c.customer_id,
        customers.c.name,
        notice_log.c.order_id,
        notice_log.c.kind,
        notice_log.c.delivery_error,
        notice_log.c.decided_at,
    )
    .outerjoin(customers, customers.c.customer_id == notice_log.c.customer_id)
    .where(
        notice_log.c.delivery == "undelivered",
        notice_log.c.retried_at.is_(None),
        # Why: a later notice of the same order supersedes this one.
        notice_log.c.id
        == select(func.max(_newest.c.id))
        .where(_newest.c.order_id == notice_log.c.order_id)
        .scalar_subquery(),
    )
    .order_by(notice_log.c.id.desc())
)
_customer = bindparam("customer", type_=Text)
_RETRY_ORDERS = union(
    select(notice_log.c.order_id).where(
        notice_log.c.customer_id == _customer,
        notice_log.c.delivery == "undelivered",
        notice_log.c.retried_at.is_(None),
    ),
    select(notice_state.c.order_id)
    .join(orders, orders.c.order_id == notice_state.c.order_id)
    .where(orders.c.customer_id == _customer, notice_state.c.undelivered.is_not(None)),
)
_CUSTOMER_ORDERS = select(orders.c.order_id).where(orders.c.customer_id == _customer)
_MARK_RETRIED = (
    update(notice_log)
    .where(
        notice_log.c.customer_id == _customer,
        notice_log.c.delivery == "undelivered",
        notice_log.c.retried_at.is_(None),
    )
    .values(retried_at=bindparam("at"))
)
# Why: the marker only stops the sweep repeating a notice that would fail the same way.
_CLEAR_UNDELIVERED = (
    update(notice_state)
    .where(
        notice_state.c.undelivered.is_not(None),
        notice_state.c.order_id.in_(_CUSTOMER_ORDERS),
    )
    .values(undelivered=None, updated_at=bindparam("at"))
)


async def read_pending_notices(
    conn: AsyncConnection,
    *,
    customer_ids: Collection[str] | None = None,
    held_after: datetime | None = None,
) -> list[PendingNotice]:
    """Notices not known to be delivered yet, oldest first, with the rows carrying each: of
    `customer_ids` only, and only those with a row still pending and due after `held_after`,
    when given."""
    query = _PENDING
    params: dict[str, object] = {}
    if held_after is not None:
        query = query.where(_HELD)
        params["held"] = utc_text(held_after)
    if customer_ids is None:
        notices = list((await conn.execute(query.order_by(notice_log.c.id), params)).mappings())
    else:
        query = query.where(notice_log.c.customer_id.in_(_KEYS))
        notices = [
            row
            for chunk in chunks(customer_ids)
            for row in (await conn.execute(query, {**params, "keys": chunk})).mappings()
        ]
        notices.sort(key=lambda row: int(row["id"]))
    if not notices:
        return []
    rows: dict[int, list[CarrierRow]] = {int(row["id"]): [] for row in notices}
    carriers = [
        row
        for start in range(0, len(rows), 900)
        for row in (await conn.execute(_CARRIERS, {"keys": list(rows)[start : start + 900]})).all()
    ]
    carriers.sort(key=lambda row: int(row[1]))
    for row in carriers:
        rows[int(row[0])].append(
            CarrierRow(
                row_id=int(row[1]),
                chat_id=int(row[2]),
                status=str(row[3]),
                error=row[4],
                chat_unreachable=bool(row[5]),
                notices=int(row[6]),
                due_at=datetime.fromisoformat(row[7]) if row[7] else None,
            )
        )
    return [
        PendingNotice(
            notice_id=int(row["id"]),
            customer_id=row["customer_id"],
            notice=notice_from(row),
            before=state_from_json(row["order_id"], row["state_before"])
            if row["state_before"]
            else None,
            rows=tuple(rows[int(row["id"])]),
            latest=bool(row["latest"]),
        )
        for row in notices
    ]


async def write_settlement(db: Database, settlement: Settlement, *, now: datetime) -> int:
    """Delivered and undelivered notices, resends, reverted states and staff alerts, at once."""
    at = now.isoformat()
    async with db.write() as conn:
        # Why: the states reverted below were decided from what was read before this
        # transaction; the orders' row locks keep a sweep or an answer from writing them in
        # between (PostgreSQL READ COMMITTED), as every writer of notice_state does.
        await lock_orders(conn, [gone.order_id for gone in settlement.undelivered if gone.state])
        seen = await _seen_since(
            conn, [(gone.notice_id, gone.order_id) for gone in settlement.undelivered if gone.state]
        )
        if settlement.delivered:
            await conn.execute(
                _DELIVERED,
                [{"notice_id": notice_id, "at": at} for notice_id in settlement.delivered],
            )
        for resend in settlement.resends:
            if resend.failed_rows:
                await conn.execute(
                    _UNLINK,
                    [
                        {"notice_id": resend.notice_id, "row_id": row_id}
                        for row_id in resend.failed_rows
                    ],
                )
            await insert_outbox_rows(conn, resend.messages, now=now)
            await link_notices(
                conn,
                [
                    {"notice_id": resend.notice_id, "key": message.dedupe_key}
                    for message in resend.messages
                ],
            )
        audit: list[Change] = []
        for gone in settlement.undelivered:
            await conn.execute(
                _UNDELIVERED,
                {
                    "error": gone.error,
                    "at": at,
                    "retried_at": at if gone.retry else None,
                    "notice_id": gone.notice_id,
                },
            )
            if gone.held_rows:
                await conn.execute(_DROP_HELD, [{"row_id": row_id} for row_id in gone.held_rows])
            after: dict[str, object] = {"error": gone.error}
            if gone.state is not None:
                state = restored(gone.state, seen.get(gone.notice_id))
                await conn.execute(upsert_state(conn.dialect.name), state_params(state, now))
                after |= {"state": state_json(state)}
            audit.append(Change("notice.undelivered", f"order:{gone.order_id}", None, after))
        queued = await insert_outbox_rows(conn, settlement.alerts, now=now)
        await record_alerts(conn, [RaisedAlert(key, ()) for key in settlement.alert_keys], now=now)
        await write_changes(conn, audit, actor="system", at=now)
    return queued


async def withdraw_notices(
    db: Database,
    withdrawn: Sequence[WithdrawnNotice],
    *,
    now: datetime,
    clock: float,
) -> tuple[str, ...]:
    """Take back queued notices whose rows are all still held past `now` and not being sent
    (claims live at `clock`, epoch seconds): rows, links and history deleted, states restored
    (with the dates the customer saw on screen since: `restored`), audited."""
    taken: list[str] = []
    async with db.write() as conn:
        # Why: the restored states were decided from an earlier read; locked as every writer
        # of notice_state locks them (PostgreSQL READ COMMITTED).
        await lock_orders(conn, [notice.order_id for notice in withdrawn if notice.state])
        seen = await _seen_since(
            conn, [(notice.notice_id, notice.order_id) for notice in withdrawn if notice.state]
        )
        for notice in withdrawn:
            free = (
                await conn.execute(
                    _FREE_ROWS, {"keys": list(notice.rows), "now": utc_text(now), "clock": clock}
                )
            ).all()
            if len(free) != len(notice.rows):
                # Why: a row sent, due now or on its way: the settling job records it delivered.
                continue
            await conn.execute(
                delete(outbox_notices).where(outbox_notices.c.notice_id == notice.notice_id)
            )
            await conn.execute(delete(notice_log).where(notice_log.c.id == notice.notice_id))
            if notice.state is not None:
                state = restored(notice.state, seen.get(notice.notice_id))
                await conn.execute(upsert_state(conn.dialect.name), state_params(state, now))
            taken.append(notice.order_id)
            await write_changes(
                conn,
                [
                    Change(
                        "notice.withdrawn",
                        f"order:{notice.order_id}",
                        None,
                        {"reason": notice.reason, "rows": list(notice.rows)},
                    )
                ],
                actor="system",
                at=now,
            )
        rows = sorted({row for notice in withdrawn for row in notice.rows})
        for start in range(0, len(rows), 900):
            await conn.execute(
                _DROP_WITHDRAWN_ROWS, {"keys": rows[start : start + 900], "clock": clock}
            )
    return tuple(taken)


async def _seen_since(
    conn: AsyncConnection, notices: Collection[tuple[int, str]]
) -> dict[int, NoticeState]:
    """By notice id, of these (notice id, order id): the order's state now, when the customer
    saw its dates on screen while the notice waited (`restored`). Read under the caller's
    orders' row locks, so a look committed since the caller's read counts too."""
    ids = sorted({notice_id for notice_id, _ in notices})
    shown = {
        int(notice_id)
        for start in range(0, len(ids), 900)
        for notice_id in (await conn.execute(_SHOWN, {"keys": ids[start : start + 900]})).scalars()
    }
    if not shown:
        return {}
    orders = {notice_id: order_id for notice_id, order_id in notices if notice_id in shown}
    states = await read_notice_states(conn, set(orders.values()))
    return {
        notice_id: states[order_id] for notice_id, order_id in orders.items() if order_id in states
    }


async def read_alerted_notices(
    conn: AsyncConnection, order_ids: Collection[str]
) -> dict[str, AlertedNotice]:
    """By order id: each order's latest undelivered notice staff were alerted about (the
    alerts table), unless a notice of that order was delivered after it."""
    return {
        row["order_id"]: AlertedNotice(
            notice=notice_from(row),
            error=row["delivery_error"] or "",
            ship_by=state_from_json(row["order_id"], row["state_before"]).deadline
            if row["state_before"]
            else None,
        )
        for chunk in chunks(order_ids)
        for row in (await conn.execute(_ALERTED, {"keys": chunk})).mappings()
    }


async def read_undelivered_notices(conn: AsyncConnection) -> list[UndeliveredNoticeRow]:
    """Each order's latest notice when no chat received it, newest first, with its customer."""
    return [
        UndeliveredNoticeRow(
            customer_id=row[0],
            customer_name=row[1],
            order_id=row[2],
            kind=row[3],
            error=row[4] or "",
            decided_at=datetime.fromisoformat(row[5]),
        )
        for row in (await conn.execute(_UNDELIVERED_NOTICES)).all()
    ]


async def retry_undelivered(db: Database, customer_id: str, *, at: datetime) -> tuple[str, ...]:
    """Hand a customer's undelivered notices back to the sweep (audited); their order ids."""
    async with db.write() as conn:
        # Why: clearing the marker writes notice states; their orders are locked first, as
        # every writer of notice_state does (PostgreSQL READ COMMITTED).
        mine = (await conn.execute(_CUSTOMER_ORDERS, {"customer": customer_id})).scalars()
        await lock_orders(conn, list(mine))
        found = (await conn.execute(_RETRY_ORDERS, {"customer": customer_id})).scalars()
        order_ids = tuple(sorted(str(order_id) for order_id in found))
        if not order_ids:
            return ()
        await conn.execute(_MARK_RETRIED, {"customer": customer_id, "at": at.isoformat()})
        await conn.execute(_CLEAR_UNDELIVERED, {"customer": customer_id, "at": at.isoformat()})
        audit = [
            Change("notice.retry", f"order:{order_id}", None, {"customer_id": customer_id})
            for order_id in order_ids
        ]
        await write_changes(conn, audit, actor="system", at=at)
    return order_ids
