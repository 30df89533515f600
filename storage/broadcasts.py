"""The broadcast tables, the segment queries and a broadcast's progress counted in the outbox."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    RowMapping,
    Select,
    Text,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.broadcasts import (
    RATE_WINDOW,
    WITHDRAWN,
    AffectedOrder,
    BroadcastRecord,
    DeliveryCounts,
    NewBroadcast,
    Progress,
    RecipientCopy,
    Segment,
    SegmentCustomer,
    SegmentFilter,
    SegmentGroup,
    SegmentKind,
    copy_key,
    message_from_json,
)
from bot.domain.outbox import OutgoingMessage
from storage.audit import Change, write_changes
from storage.codec import IN_CHUNK, customer_tag_of, utc_text
from storage.outbox import insert_outbox_rows
from storage.schema import (
    broadcast_recipients,
    broadcasts,
    chat_links,
    customers,
    line_etas,
    order_lines,
    orders,
    outbox,
    products,
    unreachable_chats,
)
from storage.sql_functions import in_json_texts

BATCH = 5_000
# Why: 100,000 recipients go in as lists of this many rows (bounded memory and parameters).
INSERT_CHUNK = 1_000

_values = bindparam("values", type_=Text)  # a JSON array of the segment's values
_ids = bindparam("ids", type_=Text)  # a JSON array of customer ids
_tags = bindparam("tags", type_=Text)  # a JSON array of language tags

# Why: constants inline, not as parameters: SQLite uses a partial index (`WHERE status =
# 'open'`) only when the query names the same value.
_OPEN = literal_column("'open'", Text)
_PENDING = literal_column("'pending'", Text)
_SENT_STATUS = literal_column("'sent'", Text)
_FAILED = literal_column("'failed'", Text)
_IN_STOCK = literal_column("'in_stock'", Text)
_ONE = literal_column("1", Integer)
_ZERO = literal_column("0", Integer)

_l = order_lines.alias("l")
_e = line_etas.alias("e")
_c = customers.alias("c")


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _in_segment(kind: SegmentKind) -> ColumnElement[bool]:
    """The orders with an open line a segment is about, by kind (set-based, by index)."""
    if kind is SegmentKind.SKU:
        return _l.c.order_id.in_(
            select(order_lines.c.order_id).where(
                order_lines.c.status == _OPEN, in_json_texts(order_lines.c.sku, _values)
            )
        )
    if kind is SegmentKind.SUPPLIER:
        return _l.c.order_id.in_(
            select(order_lines.c.order_id).where(
                order_lines.c.status == _OPEN,
                order_lines.c.sku.in_(
                    select(products.c.sku).where(in_json_texts(products.c.supplier, _values))
                ),
            )
        )
    return _l.c.order_id.in_(
        select(order_lines.c.order_id).where(
            order_lines.c.status == _OPEN, in_json_texts(order_lines.c.order_id, _values)
        )
    )


def _with_product(ready: bool) -> ColumnElement[bool]:
    """A product template is about the orders with an open line of its product (DESIGN §11)."""
    p = order_lines.alias("p")
    pe = line_etas.alias("pe")
    confidence = pe.c.confidence
    condition = (
        and_(confidence.is_not(None), confidence == _IN_STOCK)
        if ready
        else or_(confidence.is_(None), confidence != _IN_STOCK)
    )
    return _l.c.order_id.in_(
        select(p.c.order_id)
        .select_from(
            p.outerjoin(pe, and_(pe.c.order_id == p.c.order_id, pe.c.line_no == p.c.line_no))
        )
        .where(p.c.status == _OPEN, p.c.sku == bindparam("product_sku", type_=Text), condition)
    )


# Why: a few customers' copies (the preview's samples) need only their own orders looked at.
_OF_CUSTOMERS = _l.c.order_id.in_(
    select(orders.c.order_id).where(in_json_texts(orders.c.customer_id, _ids))
)


def _segment_ctes(
    kind: SegmentKind, product: bool | None, of_customers: bool, jurisdiction: bool
) -> tuple[CTE, CTE]:
    """The segment's orders (with their estimates) and customers, as MATERIALIZED CTEs."""
    not_now = _l.c.ship_now == literal_column("0", Integer)
    ship_date = _e.c.ship_date
    # Why: an order's estimate as `split_order_estimate` (DESIGN §5.6), set-based: the latest ship
    # date of its open lines not shipped ahead (all open lines when every one was), none if any is
    # undated.
    estimate = case(
        (
            _count(not_now) > 0,
            case(
                (
                    _count(and_(not_now, ship_date.is_(None))) == 0,
                    func.max(case((not_now, ship_date))),
                )
            ),
        ),
        else_=case((_count(ship_date.is_(None)) == 0, func.max(ship_date))),
    )
    seg = (
        select(_l.c.order_id, estimate.label("estimate"))
        .select_from(
            _l.outerjoin(_e, and_(_e.c.order_id == _l.c.order_id, _e.c.line_no == _l.c.line_no))
        )
        .where(_l.c.status == _OPEN)
        .group_by(_l.c.order_id)
    )
    if kind is SegmentKind.ALL:
        # Why: `--all` takes the orders with an open backordered line: an open line without a
        # stored ETA counts as backordered, as in `order --json`.
        seg = seg.having(_count(or_(_e.c.confidence.is_(None), _e.c.confidence != _IN_STOCK)) > 0)
    else:
        seg = seg.where(_in_segment(kind))
    if of_customers:
        seg = seg.where(_OF_CUSTOMERS)
    if product is not None:
        seg = seg.where(_with_product(product))
    seg_cte = seg.cte("seg").prefix_with("MATERIALIZED")
    seg_orders = select(
        orders.c.order_id, orders.c.customer_id, orders.c.placed_at_utc, seg_cte.c.estimate
    ).select_from(seg_cte.join(orders, orders.c.order_id == seg_cte.c.order_id))
    if jurisdiction:
        seg_orders = seg_orders.where(
            orders.c.jurisdiction == bindparam("jurisdiction", type_=Text)
        )
    orders_cte = seg_orders.cte("seg_orders").prefix_with("MATERIALIZED")
    k = chat_links.alias("k")
    # Why: the customer's own choice wins over the orders' language, as in `customer_from`; the
    # chat a copy goes to is the most recently linked one that has not blocked the bot, else the
    # most recent.
    chat_id = (
        select(k.c.chat_id)
        .where(k.c.customer_id == _c.c.customer_id)
        .order_by(
            exists().where(unreachable_chats.c.chat_id == k.c.chat_id),
            k.c.linked_at.desc(),
            k.c.chat_id.desc(),
        )
        .limit(1)
        .scalar_subquery()
    )
    seg_customers = (
        select(
            _c.c.customer_id,
            customer_tag_of(_c).label("tag"),
            func.coalesce(_c.c.timezone, "").label("zone"),
            chat_id.label("chat_id"),
        )
        .where(_c.c.customer_id.in_(select(orders_cte.c.customer_id)))
        .cte("seg_customers")
        .prefix_with("MATERIALIZED")
    )
    return orders_cte, seg_customers


def _variant(segment: SegmentFilter) -> tuple[SegmentKind, bool | None, bool]:
    kind = SegmentKind.ORDERS if segment.kind is SegmentKind.PURCHASE_ORDER else segment.kind
    product = segment.product.ready if segment.product is not None else None
    return kind, product, segment.jurisdiction is not None


@cache
def _groups_statement(kind: SegmentKind, product: bool | None, jurisdiction: bool) -> Select[Any]:
    _, seg_customers = _segment_ctes(kind, product, False, jurisdiction)
    s = seg_customers.c
    # Why: grouped by output position (both databases take it), so PostgreSQL need not match
    # expressions holding parameters, and SQLite groups in one pass as before.
    return (
        select(
            s.tag,
            case((s.chat_id.is_not(None), _ONE), else_=_ZERO),
            case((s.chat_id.in_(select(unreachable_chats.c.chat_id)), _ONE), else_=_ZERO),
            func.count(),
            func.min(case((s.chat_id.is_not(None), s.customer_id))),
            s.zone,
        )
        .group_by(*(literal_column(str(n)) for n in (1, 2, 3, 6)))
        .order_by(*(literal_column(str(n)) for n in (1, 2, 3, 6)))
    )


@cache
def _customers_statement(
    kind: SegmentKind,
    product: bool | None,
    jurisdiction: bool,
    of_customers: bool,
    linked_only: bool,
    by_tag: bool,
) -> Select[Any]:
    orders_cte, seg_customers = _segment_ctes(kind, product, of_customers, jurisdiction)
    s, so = seg_customers.c, orders_cte.c
    statement = (
        select(s.customer_id, s.tag, s.chat_id, so.order_id, so.estimate, s.zone)
        .select_from(seg_customers.join(orders_cte, so.customer_id == s.customer_id))
        .order_by(s.customer_id, so.placed_at_utc, so.order_id)
    )
    if linked_only:
        statement = statement.where(s.chat_id.is_not(None))
    if by_tag:
        statement = statement.where(in_json_texts(s.tag, _tags))
    return statement


def _segment_params(
    segment: SegmentFilter, customer_ids: Collection[str] | None = None
) -> dict[str, object]:
    params: dict[str, object] = {"values": json.dumps(list(segment.values))}
    if segment.jurisdiction is not None:
        params["jurisdiction"] = segment.jurisdiction.value
    if customer_ids is not None:
        params["ids"] = json.dumps(sorted(customer_ids))
    if segment.product is not None:
        params["product_sku"] = segment.product.sku
    return params


async def read_segment_groups(conn: AsyncConnection, segment: SegmentFilter) -> list[SegmentGroup]:
    """The segment's customers counted by language tag, linked and held, with a linked sample."""
    statement = _groups_statement(*_variant(segment))
    rows = (await conn.execute(statement, _segment_params(segment))).all()
    return [
        SegmentGroup(
            row[0] or None, bool(row[1]), bool(row[2]), int(row[3]), row[4], row[5] or None
        )
        for row in rows
    ]


async def read_segment_customers(
    conn: AsyncConnection,
    segment: SegmentFilter,
    *,
    languages: Collection[str] | None,
    customer_ids: Collection[str] | None,
    linked_only: bool = True,
) -> AsyncIterator[list[SegmentCustomer]]:
    """The segment's customers (linked ones only, unless told) with their orders and estimates,
    in customer order, in batches of about BATCH customers (one statement, streamed: one
    consistent read)."""
    kind, product, jurisdiction = _variant(segment)
    statement = _customers_statement(
        kind, product, jurisdiction, customer_ids is not None, linked_only, languages is not None
    )
    params = _segment_params(segment, customer_ids)
    if languages is not None:
        params["tags"] = json.dumps(sorted(languages))
    days: dict[str, date] = {}
    batch: list[SegmentCustomer] = []
    current: tuple[str, str, int | None, str] | None = None
    orders_: list[AffectedOrder] = []
    result = await conn.stream(statement, params)
    try:
        async for rows in result.partitions(BATCH):
            for customer_id, tag, chat_id, order_id, estimate, zone in rows:
                if current is None or current[0] != customer_id:
                    if current is not None:
                        batch.append(_customer(current, orders_))
                    current, orders_ = (customer_id, tag, chat_id, zone), []
                day = None
                if estimate is not None:
                    day = days.get(estimate)
                    if day is None:
                        day = days[estimate] = date.fromisoformat(estimate)
                orders_.append(AffectedOrder(order_id, day))
            if len(batch) >= BATCH:
                yield batch
                batch = []
    finally:
        await result.close()
    if current is not None:
        batch.append(_customer(current, orders_))
    if batch:
        yield batch


def _customer(
    row: tuple[str, str, int | None, str], orders_: list[AffectedOrder]
) -> SegmentCustomer:
    customer_id, tag, chat_id, zone = row
    return SegmentCustomer(customer_id, tag or None, chat_id, tuple(orders_), zone or None)


_SUPPLIERS = (
    select(products.c.supplier)
    .distinct()
    .where(products.c.supplier.is_not(None), products.c.supplier != "")
)
_KNOWN_ORDERS = select(orders.c.order_id).where(in_json_texts(orders.c.order_id, _ids))


async def read_suppliers(conn: AsyncConnection) -> list[str]:
    """The distinct supplier names of the products."""
    rows = (await conn.execute(_SUPPLIERS)).scalars()
    return sorted(str(row) for row in rows)


async def read_known_order_ids(conn: AsyncConnection, order_ids: Collection[str]) -> set[str]:
    """Which of these order ids are stored."""
    rows = await conn.execute(_KNOWN_ORDERS, {"ids": json.dumps(sorted(set(order_ids)))})
    return {str(row) for row in rows.scalars()}


_NEW_BROADCAST = broadcasts.insert().returning(broadcasts.c.id)
_RECIPIENT = broadcast_recipients.insert().from_select(
    ["broadcast_id", "outbox_id", "customer_id", "language"],
    select(
        bindparam("broadcast_id", type_=BigInteger),
        outbox.c.id,
        bindparam("customer_id", type_=Text),
        bindparam("language", type_=Text),
    ).where(outbox.c.dedupe_key == bindparam("dedupe_key", type_=Text)),
)
_LINKS = select(chat_links.c.chat_id, chat_links.c.customer_id).where(
    chat_links.c.chat_id.in_(bindparam("chat_ids", expanding=True))
)


async def write_broadcast(
    conn: AsyncConnection,
    broadcast: NewBroadcast,
    copies: Sequence[RecipientCopy],
    *,
    now: datetime,
) -> tuple[int, int]:
    """The broadcast, its outbox copies, who got which language and its audit row; the id and
    the copies queued. Runs inside the caller's transaction (`db.write()`). A copy whose chat is
    no longer linked to its customer (unlinked since the copies were made) is left out."""
    broadcast_id = int(
        (
            await conn.execute(
                _NEW_BROADCAST,
                {
                    "created_at": utc_text(now),
                    "created_by": broadcast.created_by,
                    "segment": _json(broadcast.segment.as_json()),
                    "message": _json(broadcast.message.as_json()),
                    "recipients": 0,
                    "not_linked": broadcast.not_linked,
                    "fallback": broadcast.fallback,
                    "without_product": broadcast.without_product,
                },
            )
        ).scalar_one()
    )
    chat_ids = sorted({copy.chat_id for copy in copies})
    linked: set[tuple[int, str]] = set()
    for start in range(0, len(chat_ids), IN_CHUNK):
        rows = await conn.execute(_LINKS, {"chat_ids": chat_ids[start : start + IN_CHUNK]})
        linked |= {(int(row[0]), str(row[1])) for row in rows}
    kept = [copy for copy in copies if (copy.chat_id, copy.customer_id) in linked]
    queued = await insert_outbox_rows(
        conn,
        (
            OutgoingMessage(
                copy_key(broadcast_id, copy.customer_id),
                copy.chat_id,
                copy.text,
                customer_id=copy.customer_id,
                not_before=copy.not_before,
                broadcast_id=broadcast_id,
            )
            for copy in kept
        ),
        now=now,
    )
    for start in range(0, len(kept), INSERT_CHUNK):
        await conn.execute(
            _RECIPIENT,
            [
                {
                    "broadcast_id": broadcast_id,
                    "customer_id": c.customer_id,
                    "language": c.language,
                    "dedupe_key": copy_key(broadcast_id, c.customer_id),
                }
                for c in kept[start : start + INSERT_CHUNK]
            ],
        )
    await conn.execute(
        update(broadcasts).where(broadcasts.c.id == broadcast_id).values(recipients=queued)
    )
    after = {
        "segment": broadcast.segment.as_json(),
        "message": broadcast.message.as_json(),
        "recipients": queued,
        "not_linked": broadcast.not_linked,
        "fallback": broadcast.fallback,
        "without_product": broadcast.without_product,
    }
    change = Change("broadcast.queue", f"broadcast:{broadcast_id}", None, after)
    await write_changes(conn, [change], actor=broadcast.created_by, at=now)
    return broadcast_id, queued


_RECORD_COLUMNS = (
    broadcasts.c.id,
    broadcasts.c.created_at,
    broadcasts.c.created_by,
    broadcasts.c.segment,
    broadcasts.c.message,
    broadcasts.c.recipients,
    broadcasts.c.not_linked,
    broadcasts.c.fallback,
    broadcasts.c.stopped_at,
    broadcasts.c.stopped_by,
    broadcasts.c.without_product,
)
_RECORD = select(*_RECORD_COLUMNS).where(broadcasts.c.id == bindparam("id"))
_RECORDS = select(*_RECORD_COLUMNS).order_by(broadcasts.c.id.desc()).limit(bindparam("limit"))


async def read_broadcast(conn: AsyncConnection, broadcast_id: int) -> BroadcastRecord | None:
    """A broadcast as recorded, or None."""
    row = (await conn.execute(_RECORD, {"id": broadcast_id})).mappings().first()
    return _record_from(row) if row is not None else None


async def read_broadcasts(conn: AsyncConnection, *, limit: int) -> list[BroadcastRecord]:
    """The latest broadcasts, newest first."""
    rows = (await conn.execute(_RECORDS, {"limit": limit})).mappings()
    return [_record_from(row) for row in rows]


def _progress_statement() -> Select[Any]:
    r, o, b = broadcast_recipients, outbox, broadcasts
    pending = o.c.status == _PENDING
    state = case(
        (
            and_(pending, b.c.stopped_at.is_not(None)),
            # Why: after a stop, a copy a sender had already claimed is on its way (its send may
            # still succeed); any other pending copy is never sent.
            case(
                (
                    and_(
                        o.c.claimed_by.is_not(None),
                        o.c.claim_expires_at > bindparam("clock", type_=Float),
                    ),
                    "in_flight",
                ),
                else_="withdrawn",
            ),
        ),
        (
            pending,
            case(
                (o.c.chat_id.in_(select(unreachable_chats.c.chat_id)), "held"),
                (o.c.not_before > bindparam("now", type_=Text), "waiting"),
                else_="pending",
            ),
        ),
        (o.c.status == _SENT_STATUS, "sent"),
        (
            and_(o.c.status == _FAILED, o.c.last_error == bindparam("withdrawn", type_=Text)),
            "withdrawn",
        ),
        else_="failed",
    )
    # Why: grouped in an outer query: PostgreSQL will not match a GROUP BY expression holding
    # parameters to the selected one.
    states = (
        select(r.c.language, state.label("state"))
        .select_from(r.join(o, o.c.id == r.c.outbox_id).join(b, b.c.id == r.c.broadcast_id))
        .where(r.c.broadcast_id == bindparam("id", type_=BigInteger))
        .subquery("states")
    )
    return select(states.c.language, states.c.state, func.count()).group_by(
        states.c.language, states.c.state
    )


_PROGRESS = _progress_statement()
_SENT = and_(
    outbox.c.broadcast_id == bindparam("id", type_=BigInteger), outbox.c.status == _SENT_STATUS
)
_SEND_TIMES = select(func.min(outbox.c.sent_at), func.max(outbox.c.sent_at)).where(_SENT)
_RECENT_SENDS = (
    select(outbox.c.sent_at)
    .where(_SENT)
    .order_by(outbox.c.sent_at.desc())
    .limit(RATE_WINDOW)
    .subquery("recent")
)
_RECENT = select(func.count(), func.min(_RECENT_SENDS.c.sent_at))


async def read_progress(
    conn: AsyncConnection,
    broadcast_id: int,
    *,
    now: datetime | None = None,
    clock: float | None = None,
) -> Progress:
    """A broadcast's copies by state and language (one statement, so they add up), and the times
    of its first and latest sends. Pending copies held until after `now` (quiet hours) are also
    counted as waiting for morning; without `now`, none are. After a stop, a pending copy with a
    sender's claim live at `clock` (wall-clock epoch seconds, default now) is in flight, any
    other pending copy withdrawn."""
    at = utc_text(now) if now is not None else None
    wall = time.time() if clock is None else clock
    rows = await conn.execute(
        _PROGRESS, {"id": broadcast_id, "withdrawn": WITHDRAWN, "now": at, "clock": wall}
    )
    by_language: dict[str, dict[str, int]] = {}
    for language, state, count in rows:
        by_language.setdefault(str(language), {})[str(state)] = int(count)
    first, last = (await conn.execute(_SEND_TIMES, {"id": broadcast_id})).one()
    recent_sent, recent_first = (await conn.execute(_RECENT, {"id": broadcast_id})).one()
    languages = {language: _counts(states) for language, states in sorted(by_language.items())}
    total: dict[str, int] = {}
    for states in by_language.values():
        for state, count in states.items():
            total[state] = total.get(state, 0) + count
    return Progress(
        counts=_counts(total),
        by_language=languages,
        first_sent_at=datetime.fromisoformat(first) if first else None,
        last_sent_at=datetime.fromisoformat(last) if last else None,
        recent_sent=int(recent_sent or 0),
        recent_first_sent_at=datetime.fromisoformat(recent_first) if recent_first else None,
    )


_WITHDRAW = (
    update(outbox)
    .where(
        outbox.c.broadcast_id == bindparam("b_id", type_=BigInteger),
        outbox.c.status == _PENDING,
        ~and_(
            outbox.c.claimed_by.is_not(None),
            outbox.c.claim_expires_at > bindparam("clock", type_=Float),
        ),
    )
    .values(status="failed", last_error=bindparam("withdrawn", type_=Text))
)
_STOPPED = (
    update(broadcasts)
    .where(broadcasts.c.id == bindparam("b_id", type_=BigInteger))
    .values(
        stopped_at=func.coalesce(broadcasts.c.stopped_at, bindparam("at", type_=Text)),
        stopped_by=func.coalesce(broadcasts.c.stopped_by, bindparam("actor", type_=Text)),
    )
)


async def write_stop(
    conn: AsyncConnection,
    broadcast_id: int,
    *,
    actor: str,
    at: datetime,
    clock: float | None = None,
) -> int:
    """Withdraw the broadcast's pending copies (held ones too) and record the stop, audited,
    inside the caller's transaction (`db.write()`); how many were withdrawn. A copy a sender has
    claimed (claim live at `clock`, wall-clock epoch seconds, default now) stays with it, in
    flight: if its send succeeds it is recorded as sent; if not, it is withdrawn when its claim
    ends (see storage/outbox)."""
    wall = time.time() if clock is None else clock
    # Why: one conditional UPDATE decides and writes each copy (no read first), so a sender's
    # claim taken concurrently under READ COMMITTED either came first (in flight) or finds the
    # copy withdrawn; no lock beyond the rows' own is needed.
    withdrawn = (
        await conn.execute(_WITHDRAW, {"b_id": broadcast_id, "clock": wall, "withdrawn": WITHDRAWN})
    ).rowcount
    await conn.execute(_STOPPED, {"b_id": broadcast_id, "at": utc_text(at), "actor": actor})
    change = Change("broadcast.stop", f"broadcast:{broadcast_id}", None, {"withdrawn": withdrawn})
    await write_changes(conn, [change], actor=actor, at=at)
    return withdrawn


def _counts(states: dict[str, int]) -> DeliveryCounts:
    return DeliveryCounts(
        recipients=sum(states.values()),
        sent=states.get("sent", 0),
        held=states.get("held", 0),
        failed=states.get("failed", 0),
        pending=states.get("pending", 0) + states.get("waiting", 0),
        withdrawn=states.get("withdrawn", 0),
        in_flight=states.get("in_flight", 0),
        waiting_for_morning=states.get("waiting", 0),
    )


def _record_from(row: RowMapping) -> BroadcastRecord:
    return BroadcastRecord(
        broadcast_id=int(row["id"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        created_by=str(row["created_by"]),
        segment=Segment.from_json(json.loads(row["segment"])),
        message=message_from_json(json.loads(row["message"])),
        recipients=int(row["recipients"]),
        not_linked=int(row["not_linked"]),
        fallback=int(row["fallback"]),
        stopped_at=datetime.fromisoformat(row["stopped_at"]) if row["stopped_at"] else None,
        stopped_by=row["stopped_by"],
        without_product=int(row["without_product"]),
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
