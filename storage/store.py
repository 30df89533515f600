"""The Store protocol on SQLite or PostgreSQL (SQLAlchemy Core; migrated to the newest on open)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Executable,
    RowMapping,
    Table,
    Text,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

import storage.actions as action_tables
import storage.alerts as alert_tables
import storage.broadcast_drafts as draft_tables
import storage.broadcasts as broadcast_tables
import storage.chat_profile as chat_profile_table
import storage.chat_state as chat_state_table
import storage.eta_marks as eta_mark_table
import storage.etas as eta_tables
import storage.events as event_tables
import storage.handoffs as handoff_tables
import storage.ingest as ingest_tables
import storage.link_guard as link_guard_tables
import storage.link_targets as link_target_table
import storage.notice_delivery as notice_delivery_tables
import storage.notices as notice_tables
import storage.open_orders as open_order_table
import storage.outbox as outbox_tables
import storage.overdue_supply as overdue_tables
import storage.ratings as rating_tables
import storage.schema as schema
import storage.staff_cards as staff_card_tables
import storage.staff_prompts as staff_prompt_table
import storage.stats as stats_tables
import storage.supply_changes as supply_tables
import storage.update_inbox as update_inbox_table
from bot.domain.actions import (
    ActionResult,
    Decide,
    OrderChange,
    OrderState,
    RefundRecord,
)
from bot.domain.alerts import (
    AlertKey,
    AlertKind,
    AlertRecord,
    BlockedQuestion,
    DueRefund,
    RaisedAlert,
)
from bot.domain.broadcast_drafts import Draft, ProgressMessage
from bot.domain.broadcasts import (
    BroadcastRecord,
    NewBroadcast,
    Progress,
    RecipientCopy,
    SegmentCustomer,
    SegmentFilter,
    SegmentGroup,
)
from bot.domain.chat_profile import ChatProfile
from bot.domain.chat_state import ConversationKey, StoredConversation
from bot.domain.delays import NoticeState
from bot.domain.eta import EtaQueue
from bot.domain.events import Event
from bot.domain.handles import handle
from bot.domain.handoffs import Handoff, RelayClaim
from bot.domain.ingest import StoredAnswer
from bot.domain.link_guard import ChatLink, LockoutAlerts, OrderLockout
from bot.domain.model import Customer, LineEta, Order, OrderLine, Product, PurchaseOrder
from bot.domain.notice_delivery import AlertedNotice, PendingNotice, Settlement, WithdrawnNotice
from bot.domain.notice_store import NoticeChange, NoticeRecord, RecordedSweep, VersionedOrder
from bot.domain.open_orders import OpenOrders
from bot.domain.order_number import order_key
from bot.domain.outbox import Delivery, Lane, OutboxSummary, OutgoingMessage, QueuedMessage
from bot.domain.ratings import (
    Asked,
    ClosedOrder,
    Csat,
    PendingComment,
    Rating,
    RatingChat,
    RatingRequest,
)
from bot.domain.refunds import RefundAlreadyPaid, RefundPaid
from bot.domain.staff_prompts import StaffPrompt
from bot.domain.store import AuditEntry, RecomputeMarks, SkuBook
from bot.domain.supply_changes import Refused
from bot.domain.supply_store import (
    DecidedNotice,
    ProductRule,
    PurchaseOrderRule,
    SupplyWrite,
    WaitingLine,
)
from bot.domain.update_inbox import InboxedUpdate, NewestUpdate
from storage.audit import Change, changed, read_entries, write_changes
from storage.bulk import key_chunks, upsert_rows
from storage.codec import (
    OPEN,
    customer_from,
    customer_params,
    date_or_none,
    digits_of,
    imported_customer_from,
    iso_or_none,
    jurisdiction_or_none,
    line_from,
    line_params,
    product_from,
    product_params,
    purchase_order_from,
    purchase_order_params,
    row_dict,
    utc_text,
)
from storage.database import Database
from storage.database import insert as dialect_insert
from storage.migrate import migrate
from storage.schema import products, purchase_orders
from storage.sql_functions import bytewise, in_keys


async def open_store(target: Path | str) -> SqlStore:
    """Open the store at `target` (a SQLite path or a `postgresql://` URL), upgraded to head.

    Every start runs `alembic upgrade head` in one transaction (storage/migrate.py): a fresh
    database gets the whole schema, an older one (an old SQLite file too) the revisions it lacks.
    """
    database = await Database.open(target)
    try:
        await migrate(database)
    except BaseException:
        await database.close()
        raise
    return SqlStore(database)


class SqlStore:
    """The store on SQLite or PostgreSQL; every mutation is one audited transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database

    @property
    def database(self) -> Database:
        """The engine and transactions (storage helpers, tests, benchmarks)."""
        return self._db

    async def close(self) -> None:
        """Close every connection."""
        await self._db.close()

    # --- import ---
    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[object]:
        """One transaction around several writes of this task: all of them commit or none."""
        async with self._db.write() as conn:
            if conn.dialect.name == "postgresql":
                # Why: an import's lookups take hundreds of keys a query; a generic plan of the
                # prepared statement, made while the tables were small (the first requests of a
                # bulk push), scans the whole table for them (bench `ingest`).
                await conn.execute(_CUSTOM_PLANS)
            yield conn

    async def known_skus(self) -> set[str]:
        """SKUs of all stored products."""
        async with self._db.read() as conn:
            return set((await conn.scalars(_ALL_SKUS)).all())

    async def upsert_products(
        self, products: Sequence[Product], *, actor: str, at: datetime
    ) -> None:
        """Insert or update products by SKU."""
        params = [product_params(product) for product in products]
        async with self._db.write() as conn:
            before = {
                row["sku"]: row_dict(row)
                for row in await _rows_in(conn, _PRODUCTS_IN, _keys(params, "sku"))
            }
            await _execute_chunked(conn, _upsert(conn, schema.products, ("sku",)), params)
            changes = [
                change
                for new in params
                for change in changed(
                    "product.upsert", f"product:{new['sku']}", before.get(str(new["sku"])), new
                )
            ]
            await write_changes(conn, changes, actor=actor, at=at)
            await eta_mark_table.mark_skus(
                conn,
                _keys(params, "sku"),
            )

    async def upsert_orders(
        self, customers: Sequence[Customer], orders: Sequence[Order], *, actor: str, at: datetime
    ) -> None:
        """Insert or update customers, orders and their lines by key."""
        async with self._db.write() as conn:
            changes = await _upsert_customers(conn, customers)
            changes += await _upsert_order_rows(conn, orders)
            await action_tables.bump_order_versions(conn, changes)
            await write_changes(conn, changes, actor=actor, at=at)
            # Why: a line moved to another SKU frees units of the SKU it had before.
            await eta_mark_table.mark_skus(conn, _line_skus(changes))

    async def upsert_purchase_orders(
        self, purchase_orders: Sequence[PurchaseOrder], *, actor: str, at: datetime
    ) -> None:
        """Insert or update purchase orders by po_id."""
        params = [purchase_order_params(po) for po in purchase_orders]
        async with self._db.write() as conn:
            before = {
                row["po_id"]: row_dict(row)
                for row in await _rows_in(conn, _PURCHASE_ORDERS_IN, _keys(params, "po_id"))
            }
            await _execute_chunked(conn, _upsert(conn, schema.purchase_orders, ("po_id",)), params)
            changes = [
                change
                for new in params
                for change in changed(
                    "purchase_order.upsert",
                    f"purchase_order:{new['po_id']}",
                    before.get(str(new["po_id"])),
                    new,
                )
            ]
            await write_changes(conn, changes, actor=actor, at=at)
            # Why: a purchase order moved to another SKU no longer supplies the one it had.
            moved_from = [str(old["sku"]) for old in before.values()]
            await eta_mark_table.mark_skus(
                conn,
                _keys(params, "sku") + moved_from,
            )

    # --- ETA ---
    async def sku_books(self, skus: Collection[str] | None = None) -> list[SkuBook]:
        """Supply and open demand per SKU (all SKUs when `skus` is None)."""
        async with self._db.stream() as conn:
            return await eta_tables.read_sku_books(conn, skus)

    async def save_etas(
        self,
        etas: Sequence[LineEta],
        *,
        skus: Collection[str] | None,
        computed_on: date,
        seen: int | None = None,
    ) -> None:
        """Replace the stored ETAs of those SKUs (all when None) with `etas`; with `seen`, SKUs
        changed after it are left alone and the others' recompute marks cleared."""
        async with self._db.write() as conn:
            await eta_tables.write_etas(conn, etas, skus=skus, computed_on=computed_on, seen=seen)

    async def eta_marks(self) -> RecomputeMarks:
        """The SKUs marked as changed and not recomputed since (written with every change)."""
        async with self._db.read() as conn:
            return await eta_mark_table.read_marks(conn)

    async def line_etas(self, order_ids: Collection[str]) -> dict[tuple[str, int], LineEta]:
        """Stored ETAs of the lines of these orders, keyed by (order_id, line_no)."""
        async with self._db.read() as conn:
            return await eta_tables.read_line_etas(conn, order_ids)

    async def eta_queues(self, skus: Collection[str]) -> list[EtaQueue]:
        """Each SKU's supply and open lines in serving order (DESIGN §5.2), with stored ETAs."""
        async with self._db.read() as conn:
            return await eta_tables.read_eta_queues(conn, skus)

    async def save_moved_etas(
        self,
        etas: Sequence[LineEta],
        *,
        skus: Collection[str],
        computed_on: date,
        seen: int | None = None,
        gone: Mapping[str, Sequence[tuple[str, int]]] | None = None,
    ) -> int:
        """Write these ETAs and drop those SKUs' rows of lines no longer open (for a SKU in
        `gone`, those lines); return how many. With `seen`, as `save_etas`: SKUs changed after it
        are left alone, others' marks cleared."""
        async with self._db.write() as conn:
            return await eta_tables.write_moved_etas(
                conn, etas, skus=skus, computed_on=computed_on, seen=seen, gone=gone
            )

    # --- overdue supply ---
    async def overdue_purchase_order_skus(self, today: date) -> list[str]:
        """SKUs with a non-cancelled purchase order expected before `today` and units to come."""
        async with self._db.read() as conn:
            return await overdue_tables.read_overdue_skus(conn, today)

    async def order_customers(self, order_ids: Collection[str]) -> dict[str, str]:
        """The customer_id of each of these orders, by order_id."""
        async with self._db.read() as conn:
            return await overdue_tables.read_order_customers(conn, order_ids)

    # --- reading ---
    async def get_order(self, order_id: str) -> Order | None:
        """One order with all its lines."""
        async with self._db.read() as conn:
            headers = (await conn.execute(_ORDER, {"order_id": order_id})).mappings().all()
            orders = await _orders_with_lines(conn, headers)
        return orders[0] if orders else None

    async def get_orders(self, order_ids: Collection[str]) -> dict[str, Order]:
        """Orders by id with all their lines (the ones stored; unknown ids are left out)."""
        async with self._db.read() as conn:
            headers = await _rows_in(conn, _ORDERS_IN, list(order_ids))
            orders = await _orders_with_lines(conn, headers)
        return {order.order_id: order for order in orders}

    async def order_ids_by_key(self, key: str) -> list[str]:
        """Ids of the orders whose lookup key (bot.domain.order_number) is `key`, in id order."""
        async with self._db.read() as conn:
            return [str(order_id) for order_id in await conn.scalars(_IDS_BY_KEY, {"key": key})]

    async def order_ids_by_handle(self, order_handle: str) -> list[str]:
        """Ids of the orders whose short handle (bot.domain.handles) is `order_handle`."""
        async with self._db.read() as conn:
            ids = await conn.scalars(_IDS_BY_HANDLE, {"handle": order_handle})
            return [str(order_id) for order_id in ids]

    async def open_orders(self, customer_id: str) -> list[Order]:
        """A customer's orders that still have an open line, newest first, with all lines."""
        async with self._db.read() as conn:
            result = await conn.execute(_OPEN_ORDERS, {"customer_id": customer_id})
            return await _orders_with_lines(conn, result.mappings().all())

    async def customer_order_ids(self, customer_id: str) -> list[str]:
        """Every order id of a customer, open or closed."""
        async with self._db.read() as conn:
            ids = await conn.scalars(_CUSTOMER_ORDER_IDS, {"customer_id": customer_id})
            return [str(order_id) for order_id in ids]

    async def customer_open_orders(self, customer_id: str) -> OpenOrders:
        """A customer's open orders, newest first, with their ETAs and product names."""
        async with self._db.read() as conn:
            return await open_order_table.read_open_orders(conn, customer_id)

    async def get_customer(self, customer_id: str) -> Customer | None:
        """One customer."""
        async with self._db.read() as conn:
            result = await conn.execute(_CUSTOMER, {"customer_id": customer_id})
            row = result.mappings().first()
        return customer_from(row) if row is not None else None

    async def link_targets(self) -> list[tuple[Customer, str]]:
        """(customer, newest open order id) for every customer with an open order."""
        async with self._db.read() as conn:
            return await link_target_table.read_link_targets(conn)

    async def customers_by_phone(self, phone_digits: str) -> list[Customer]:
        """Customers whose phone, reduced to digits, ends with or equals `phone_digits`."""
        digits = digits_of(phone_digits)
        if digits is None:
            return []
        async with self._db.read() as conn:
            result = await conn.execute(_CUSTOMERS_BY_PHONE, {"digits": digits})
            return [customer_from(row) for row in result.mappings()]

    async def get_products(self, skus: Collection[str]) -> dict[str, Product]:
        """Products by SKU."""
        async with self._db.read() as conn:
            rows = await _rows_in(conn, _PRODUCTS_IN, list(skus))
        return {row["sku"]: product_from(row) for row in rows}

    async def get_purchase_orders(self, po_ids: Collection[str]) -> dict[str, PurchaseOrder]:
        """Purchase orders by po_id."""
        async with self._db.read() as conn:
            rows = await _rows_in(conn, _PURCHASE_ORDERS_IN, list(po_ids))
        return {row["po_id"]: purchase_order_from(row) for row in rows}

    async def imported_customers(self, customer_ids: Collection[str]) -> dict[str, Customer]:
        """Customers by id as the orders CSV set them (imported language, not the chosen one)."""
        async with self._db.read() as conn:
            rows = await _rows_in(conn, _CUSTOMERS_IN, list(customer_ids))
        return {row["customer_id"]: imported_customer_from(row) for row in rows}

    # --- chats ---
    async def chat_profile(self, chat_id: int) -> ChatProfile:
        """The chat's linked customer, that customer's language and the chat's language."""
        async with self._db.read() as conn:
            return await chat_profile_table.read_chat_profile(conn, chat_id)

    async def linked_customer(self, chat_id: int) -> str | None:
        """The customer a chat is linked to."""
        async with self._db.read() as conn:
            customer_id = await conn.scalar(_LINKED_CUSTOMER, {"chat_id": chat_id})
        return None if customer_id is None else str(customer_id)

    async def link_chat(
        self, chat_id: int, customer_id: str, *, via: str, actor: str, at: datetime
    ) -> None:
        """Link a chat to a customer (replacing any earlier link of that chat)."""
        await self.link_chat_announced(
            chat_id, customer_id, via=via, actor=actor, at=at, messages=()
        )

    async def link_chat_announced(
        self,
        chat_id: int,
        customer_id: str,
        *,
        via: str,
        actor: str,
        at: datetime,
        messages: Sequence[OutgoingMessage],
    ) -> None:
        """`link_chat`, queueing `messages` (telling the customer's other chats) with it."""
        async with self._db.write() as conn:
            # Why: locked (PostgreSQL) so the audit's "before" is the link this one replaces.
            result = await conn.execute(_CHAT_LINK_FOR_UPDATE, {"chat_id": chat_id})
            row = result.mappings().first()
            after = {"customer_id": customer_id, "via": via, "linked_at": at.isoformat()}
            await conn.execute(
                _upsert(conn, schema.chat_links, ("chat_id",)), {"chat_id": chat_id, **after}
            )
            await outbox_tables.drop_for_other_customers(conn, chat_id, customer_id)
            before = row_dict(row) if row is not None else None
            change = Change("chat.link", f"chat:{chat_id}", before, after)
            await write_changes(conn, [change], actor=actor, at=at)
            await outbox_tables.insert_outbox_rows(conn, messages, now=at)

    async def unlink_chat(self, chat_id: int, *, actor: str, at: datetime) -> bool:
        """Make a chat forget its customer (audited); False when it was not linked."""
        return await self._unlink(chat_id, None, actor=actor, at=at)

    async def _unlink(
        self, chat_id: int, link: tuple[str, str] | None, *, actor: str, at: datetime
    ) -> bool:
        """Unlink the chat (when `link` is given, only while its (customer_id, linked_at) stand)."""
        async with self._db.write() as conn:
            # Why: the link decided on stays locked (PostgreSQL) until it is deleted.
            result = await conn.execute(_CHAT_LINK_FOR_UPDATE, {"chat_id": chat_id})
            row = result.mappings().first()
            if row is None or (link is not None and (row["customer_id"], row["linked_at"]) != link):
                return False
            await conn.execute(_DELETE_CHAT_LINK, {"chat_id": chat_id})
            await outbox_tables.drop_for_other_customers(conn, chat_id, None)
            change = Change("chat.unlink", f"chat:{chat_id}", row_dict(row), None)
            await write_changes(conn, [change], actor=actor, at=at)
        return True

    async def record_link_failure(self, chat_id: int, *, at: datetime) -> None:
        """Remember one failed linking attempt."""
        async with self._db.write() as conn:
            await _write_link_failure(conn, chat_id, at=at)

    async def link_failures_since(self, chat_id: int, since: datetime) -> int:
        """Failed linking attempts of a chat since a moment."""
        async with self._db.read() as conn:
            count = await conn.scalar(
                _LINK_FAILURES, {"chat_id": chat_id, "since": utc_text(since)}
            )
        return int(count or 0)

    async def record_order_link_failure(
        self,
        chat_id: int,
        order_key: str,
        *,
        at: datetime,
        since: datetime,
        limit: int,
        alerts: LockoutAlerts,
    ) -> OrderLockout | None:
        """In one transaction: a failed attempt of the chat and of the typed order number.

        When the number has `limit` failures since `since` and no lockout began since then, a
        lockout begins: returned, and the messages `alerts` makes of it are queued.
        """
        async with self._db.write() as conn:
            await _write_link_failure(conn, chat_id, at=at)
            return await link_guard_tables.record_order_failure(
                conn, chat_id, order_key, at=at, since=since, limit=limit, alerts=alerts
            )

    async def order_link_failures_since(self, order_key: str, since: datetime) -> int:
        """Failed attempts with this typed order number since a moment, from any chat."""
        async with self._db.read() as conn:
            return await link_guard_tables.order_failures_since(conn, order_key, since)

    async def customer_chat_links(self, customer_id: str) -> list[ChatLink]:
        """The chats linked to a customer, oldest link first."""
        async with self._db.read() as conn:
            return await link_guard_tables.read_chat_links(conn, customer_id)

    async def unlink_customer_chat(
        self, chat_id: int, customer_id: str, linked_at: datetime, *, actor: str, at: datetime
    ) -> bool:
        """Unlink a chat (audited) only while that very link still stands; False otherwise."""
        link = (customer_id, linked_at.isoformat())
        return await self._unlink(chat_id, link, actor=actor, at=at)

    async def chat_language(self, chat_id: int) -> str | None:
        """Language chosen in a chat; it wins in that chat, linked or not (DESIGN §7)."""
        async with self._db.read() as conn:
            language: str | None = await conn.scalar(_CHAT_LANGUAGE, {"chat_id": chat_id})
        return language

    async def set_chat_language(
        self, chat_id: int, language: str, *, actor: str, at: datetime
    ) -> None:
        """Save a language choice for a chat."""
        async with self._db.write() as conn:
            before = await conn.scalar(_CHAT_LANGUAGE, {"chat_id": chat_id})
            await conn.execute(
                _upsert(conn, schema.chat_prefs, ("chat_id",)),
                {"chat_id": chat_id, "language": language},
            )
            change = Change("chat.language", f"chat:{chat_id}", before, language)
            await write_changes(conn, [change], actor=actor, at=at)

    async def set_customer_language(
        self, customer_id: str, language: str, *, actor: str, at: datetime
    ) -> None:
        """Save a customer's language choice."""
        async with self._db.write() as conn:
            # Why: locked (PostgreSQL) so the audit's "before" is the choice this one replaces.
            result = await conn.execute(_CHOSEN_LANGUAGE_FOR_UPDATE, {"customer_id": customer_id})
            row = result.first()
            if row is None:
                raise KeyError(f"no customer {customer_id!r}")
            await conn.execute(_SET_CHOSEN_LANGUAGE, {"id": customer_id, "chosen": language})
            change = Change("customer.language", f"customer:{customer_id}", row[0], language)
            await write_changes(conn, [change], actor=actor, at=at)

    # --- misc ---
    async def get_setting(self, key: str) -> str | None:
        """A stored setting."""
        async with self._db.read() as conn:
            value = await conn.scalar(_SETTING, {"key": key})
        return None if value is None else str(value)

    async def set_setting(self, key: str, value: str) -> None:
        """Store a setting (not audited: settings hold secrets such as the link secret)."""
        async with self._db.write() as conn:
            await conn.execute(
                _upsert(conn, schema.settings, ("key",)), {"key": key, "value": value}
            )

    async def audit_entries(self, entity: str | None = None) -> list[AuditEntry]:
        """Audit log, oldest first, optionally for one entity."""
        async with self._db.read() as conn:
            return await read_entries(conn, entity)

    # --- update inbox (record before acknowledging, then handle) ---
    async def record_updates(self, updates: Sequence[InboxedUpdate], *, now: datetime) -> list[int]:
        """Record a batch in one transaction; the ids not recorded before, in the batch's order."""
        return await update_inbox_table.record_updates(self._db, updates, now=now)

    async def unhandled_updates(self) -> list[InboxedUpdate]:
        """Every recorded update not yet marked handled, in update_id order."""
        async with self._db.read() as conn:
            return await update_inbox_table.unhandled_updates(conn)

    async def mark_updates_handled(self, update_ids: Sequence[int], *, now: datetime) -> None:
        """Mark updates handled in one transaction (ids never recorded are ignored)."""
        await update_inbox_table.mark_updates_handled(self._db, update_ids, now=now)

    async def newest_update(self) -> NewestUpdate | None:
        """The highest recorded update id (None while the inbox is empty)."""
        async with self._db.read() as conn:
            return await update_inbox_table.newest_update(conn)

    async def prune_handled_updates(self, *, before: datetime) -> int:
        """Delete rows handled before `before`, except the newest row; the number deleted."""
        return await update_inbox_table.prune_handled_updates(self._db, before=before)

    # --- shop events (webhook delivery) ---
    async def events_after(self, event_id: int, *, limit: int) -> list[Event]:
        """Up to `limit` events with an id above `event_id`, in id order."""
        async with self._db.read() as conn:
            return await event_tables.events_after(conn, event_id, limit=limit)

    async def delivered_event_id(self) -> int:
        """The id of the last event the webhook acknowledged (0 before the first)."""
        async with self._db.read() as conn:
            return await event_tables.delivered_event_id(conn)

    async def mark_event_delivered(self, event_id: int) -> None:
        """Remember that the webhook acknowledged every event up to `event_id`."""
        await event_tables.mark_event_delivered(self._db, event_id)

    # --- customer actions ---
    async def order_state(self, order_id: str) -> OrderState | None:
        """An order with its version, preference and line facts."""
        async with self._db.read() as conn:
            return await action_tables.read_order_state(conn, order_id)

    async def apply_order_change(
        self, order_id: str, decide: Decide, *, actor: str, at: datetime
    ) -> OrderChange | ActionResult:
        """In one transaction: re-read the order, let `decide` plan, write the plan with audit."""
        return await action_tables.apply_order_change(
            self._db, order_id, decide, actor=actor, at=at
        )

    async def products_in_category(self, category: str, currency: str) -> list[Product]:
        """Products of one category priced in one currency."""
        async with self._db.read() as conn:
            return await action_tables.read_products_in_category(conn, category, currency)

    async def refunds(self, order_ids: Collection[str] | None = None) -> list[RefundRecord]:
        """Refund obligations, oldest first (of these orders, or all)."""
        async with self._db.read() as conn:
            return await action_tables.read_refunds(conn, order_ids)

    # --- outbox ---
    async def enqueue_messages(self, messages: list[OutgoingMessage], *, now: datetime) -> int:
        """Queue messages in one transaction (duplicate dedupe keys ignored); rows inserted."""
        return await outbox_tables.enqueue_messages(self._db, messages, now=now)

    async def due_messages(
        self,
        *,
        now: datetime,
        after_id: int,
        limit: int,
        sender: str | None = None,
        clock: float | None = None,
        lane: Lane | None = None,
        due_after: datetime | None = None,
    ) -> list[QueuedMessage]:
        """Pending rows due at `now` with id > after_id, oldest first, skipping held chats and
        chats another sender than `sender` is serving (claims live at `clock`, epoch seconds);
        only `lane`'s rows when given, only rows fallen due after `due_after` when given."""
        async with self._db.read() as conn:
            return await outbox_tables.due_messages(
                conn,
                now=now,
                after_id=after_id,
                limit=limit,
                sender=sender,
                clock=clock,
                lane=lane,
                due_after=due_after,
            )

    async def claim_message(self, row_id: int, *, sender: str, clock: float, until: float) -> bool:
        """Claim a pending row for `sender` until `until`; False when another sender serves it."""
        return await outbox_tables.claim_message(
            self._db, row_id, sender=sender, clock=clock, until=until
        )

    async def outbox_claimants(self, *, clock: float) -> set[str]:
        """The senders holding a claim that is live at `clock` (wall-clock epoch seconds)."""
        async with self._db.read() as conn:
            return await outbox_tables.claimants(conn, clock=clock)

    async def release_claims(self, senders: Collection[str]) -> None:
        """Drop every claim of these senders."""
        await outbox_tables.release_claims(self._db, senders)

    async def mark_sent(
        self, deliveries: Sequence[Delivery], *, at: datetime, sender: str | None = None
    ) -> None:
        """Record successful sends (one transaction) of rows `sender` holds (None: unclaimed)."""
        await outbox_tables.mark_sent(self._db, deliveries, at=at, sender=sender)

    async def mark_retry(
        self,
        row_id: int,
        *,
        attempts: int,
        next_attempt_at: datetime,
        error: str,
        sender: str | None = None,
    ) -> None:
        """Record a failed attempt that will be tried again (a row `sender` holds)."""
        await outbox_tables.mark_retry(
            self._db,
            row_id,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            error=error,
            sender=sender,
        )

    async def mark_failed(
        self, row_id: int, *, attempts: int, error: str, sender: str | None = None
    ) -> None:
        """Give up on a row `sender` holds."""
        await outbox_tables.mark_failed(
            self._db, row_id, attempts=attempts, error=error, sender=sender
        )

    async def mark_chat_unreachable(self, chat_id: int, *, reason: str, at: datetime) -> None:
        """Hold every message to a chat (audited)."""
        await outbox_tables.mark_chat_unreachable(self._db, chat_id, reason=reason, at=at)

    async def mark_chat_reachable(self, chat_id: int, *, at: datetime) -> bool:
        """Release a chat's held messages (audited); False when it was not unreachable."""
        return await outbox_tables.mark_chat_reachable(self._db, chat_id, at=at)

    async def outbox_backlog(self) -> int:
        """Pending outbox rows (held ones too): one count on the `outbox_pending` index."""
        async with self._db.read() as conn:
            return await outbox_tables.outbox_backlog(conn)

    async def outbox_summary(self) -> OutboxSummary:
        """Counts by state, the unreachable chats and the notices no chat received."""
        async with self._db.read() as conn:
            summary = await outbox_tables.outbox_summary(conn)
            undelivered = await notice_delivery_tables.read_undelivered_notices(conn)
        return replace(summary, undelivered_notices=tuple(undelivered))

    # --- staff alerts and refunds ---
    async def known_alerts(self, kind: AlertKind, subjects: Collection[str]) -> set[str]:
        """Which of these subjects of `kind` were already raised."""
        async with self._db.read() as conn:
            return await alert_tables.known_alerts(conn, kind, subjects)

    async def record_alerts(
        self, alerts: Sequence[RaisedAlert], *, now: datetime
    ) -> tuple[AlertKey, ...]:
        """Record the alerts not raised before and queue their messages, in one transaction."""
        async with self._db.write() as conn:
            return await alert_tables.record_alerts(conn, alerts, now=now)

    async def alert_by_handle(self, handle_: str) -> AlertRecord | None:
        """The alert whose button carries this handle."""
        async with self._db.read() as conn:
            return await alert_tables.alert_by_handle(conn, handle_)

    async def due_refunds(self, before: date | None = None) -> list[DueRefund]:
        """Refunds with status `due` (due before `before`, when given), oldest due first."""
        async with self._db.read() as conn:
            return await alert_tables.read_due_refunds(conn, before)

    async def blocked_questions(self) -> list[BlockedQuestion]:
        """Open delay questions of customers whose linked chats are all unreachable."""
        async with self._db.read() as conn:
            return await alert_tables.read_blocked_questions(conn)

    async def unreachable_mark(self) -> str:
        """A value that changes whenever a chat becomes unreachable or reachable again."""
        async with self._db.read() as conn:
            return await alert_tables.read_unreachable_mark(conn)

    async def mark_refund_paid(
        self, refund_id: int, *, actor: str, at: datetime
    ) -> RefundPaid | RefundAlreadyPaid | None:
        """Set a due refund paid (audited, `refund.paid` event) in one transaction."""
        async with self._db.write() as conn:
            return await alert_tables.mark_refund_paid(conn, refund_id, actor=actor, at=at)

    # --- staff chats ---
    async def set_staff_prompt(self, prompt: StaffPrompt) -> None:
        """Open `prompt` in its chat, replacing any other."""
        async with self._db.write() as conn:
            await staff_prompt_table.set_prompt(conn, prompt)

    async def staff_prompt(
        self, chat_id: int, user_id: int, *, now: datetime
    ) -> StaffPrompt | None:
        """The chat's open question for this user, unless it expired by `now`."""
        async with self._db.read() as conn:
            return await staff_prompt_table.read_prompt(conn, chat_id, user_id, now=now)

    async def clear_staff_prompt(self, chat_id: int) -> None:
        """Close the chat's question, if any."""
        async with self._db.write() as conn:
            await staff_prompt_table.clear_prompt(conn, chat_id)

    # --- conversation state (PTB persistence, bot/persistence.py) ---
    async def conversations(self, name: str, *, since: datetime) -> dict[ConversationKey, object]:
        """Every state of the conversation `name` written at or after `since`."""
        async with self._db.read() as conn:
            return await chat_state_table.handler_states(conn, name, since=since)

    async def chat_conversations(
        self, chat_id: int, *, since: datetime
    ) -> list[StoredConversation]:
        """The states of every conversation of `chat_id` written at or after `since`."""
        async with self._db.read() as conn:
            return await chat_state_table.chat_states(conn, chat_id, since=since)

    async def save_conversation(
        self, name: str, key: ConversationKey, state: object | None, *, at: datetime
    ) -> None:
        """Store the state (JSON-able) of one conversation; None: it ended (forget it)."""
        async with self._db.write() as conn:
            await chat_state_table.save_state(conn, name, key, state, at=at)

    async def chat_data(self, chat_id: int, *, since: datetime) -> dict[str, object]:
        """The chat's data written at or after `since` ({} when none)."""
        async with self._db.read() as conn:
            return await chat_state_table.data_of_chat(conn, chat_id, since=since)

    async def all_chat_data(self, *, since: datetime) -> dict[int, dict[str, object]]:
        """The data of every chat written at or after `since`."""
        async with self._db.read() as conn:
            return await chat_state_table.all_data(conn, since=since)

    async def save_chat_data(
        self, chat_id: int, data: Mapping[str, object], *, at: datetime
    ) -> None:
        """Store the chat's data (JSON-able); empty: forget it."""
        async with self._db.write() as conn:
            await chat_state_table.save_data(conn, chat_id, data, at=at)

    async def prune_chat_state(self, *, before: datetime) -> int:
        """Forget conversation states and chat data written before `before`; rows deleted."""
        async with self._db.write() as conn:
            return await chat_state_table.prune(conn, before=before)

    async def earlier_unhandled_updates(self, chat_id: int, update_id: int) -> list[int]:
        """The chat's updates before `update_id` recorded in the inbox and not handled yet."""
        async with self._db.read() as conn:
            return await update_inbox_table.earlier_unhandled(conn, chat_id, update_id)

    async def notice_holds(self, notice_ids: Collection[int]) -> dict[int, datetime]:
        """For each of these notices whose message still waits under a hold (quiet hours), the
        earliest moment (UTC) it may go; the others are left out."""
        async with self._db.read() as conn:
            return await staff_card_tables.read_notice_holds(conn, notice_ids)

    # --- hand-off (DESIGN §12) ---
    async def support_thread(self, support_chat_id: int, customer_id: str) -> int | None:
        """The customer's topic in that support chat, if one was ever created."""
        async with self._db.read() as conn:
            return await handoff_tables.support_thread(conn, support_chat_id, customer_id)

    async def save_support_thread(
        self, support_chat_id: int, customer_id: str, thread_id: int, *, at: datetime
    ) -> None:
        """Remember the customer's topic in that support chat."""
        async with self._db.write() as conn:
            await handoff_tables.save_support_thread(
                conn, support_chat_id, customer_id, thread_id, at=at
            )

    async def latest_handoff(self, customer_id: str) -> Handoff | None:
        """The customer's most recent hand-off (open or closed), if any."""
        async with self._db.read() as conn:
            return await handoff_tables.latest_handoff(conn, customer_id)

    async def handoff_in_thread(self, support_chat_id: int, thread_id: int) -> Handoff | None:
        """The most recent hand-off held in that topic, if any."""
        async with self._db.read() as conn:
            return await handoff_tables.handoff_in_thread(conn, support_chat_id, thread_id)

    async def open_handoff(
        self, customer_id: str, support_chat_id: int, thread_id: int, *, actor: str, at: datetime
    ) -> Handoff:
        """Start a hand-off (audited); the customer's open one if there is one already."""
        async with self._db.write() as conn:
            return await handoff_tables.open_handoff(
                conn, customer_id, support_chat_id, thread_id, actor=actor, at=at
            )

    async def close_handoff(self, handoff_id: int, *, actor: str, at: datetime) -> Handoff | None:
        """Close an open hand-off (audited); None if it was not open."""
        async with self._db.write() as conn:
            return await handoff_tables.close_handoff(conn, handoff_id, actor=actor, at=at)

    async def mark_customer_told(self, handoff_id: int) -> bool:
        """Record that the customer was told their message reached the team; False if already."""
        async with self._db.write() as conn:
            return await handoff_tables.mark_customer_told(conn, handoff_id)

    async def claim_relay(
        self, handoff_id: int, from_chat_id: int, from_message_id: int, *, at: datetime
    ) -> RelayClaim:
        """Take a message for relaying, or learn that its copy was already made."""
        async with self._db.write() as conn:
            return await handoff_tables.claim_relay(
                conn, handoff_id, from_chat_id, from_message_id, at=at
            )

    async def finish_relay(
        self, from_chat_id: int, from_message_id: int, to_chat_id: int, copy_message_id: int
    ) -> None:
        """Record the copy of a relayed message."""
        async with self._db.write() as conn:
            await handoff_tables.finish_relay(
                conn, from_chat_id, from_message_id, to_chat_id, copy_message_id
            )

    async def reply_chats(self, customer_id: str) -> list[int]:
        """The customer's linked chats the bot can write to, most recently linked first."""
        async with self._db.read() as conn:
            return await handoff_tables.reply_chats(conn, customer_id)

    async def find_purchase_order_id(self, typed: str) -> str | None:
        """The stored po_id staff meant by `typed`: an exact match, else the one matching it
        without regard to case (ASCII, SQLite's NOCASE); None when none does or several do."""
        return await self._find_key(purchase_orders.c.po_id, typed)

    async def find_sku(self, typed: str) -> str | None:
        """As `find_purchase_order_id`, for a product's SKU."""
        return await self._find_key(products.c.sku, typed)

    async def _find_key(self, column: ColumnElement[str], typed: str) -> str | None:
        # Why: lower() folds ASCII on SQLite as NOCASE did (and all cased letters on PostgreSQL);
        # the exact match, if any, sorts first.
        query = (
            select(column)
            .where(func.lower(column) == func.lower(typed))
            .order_by((column == typed).desc())
            .limit(2)
        )
        async with self._db.read() as conn:
            found = list((await conn.execute(query)).scalars())
        if found and (str(found[0]) == typed or len(found) == 1):
            return str(found[0])
        return None

    async def purchase_order_ids(self) -> list[str]:
        """Every purchase order id (staff buttons resolve their handles among them)."""
        async with self._db.read() as conn:
            found = await conn.execute(select(purchase_orders.c.po_id))
        return [str(po_id) for po_id in found.scalars()]

    # --- staff supply changes ---
    async def change_purchase_order(
        self, po_id: str, rule: PurchaseOrderRule, *, action: str, actor: str, at: datetime
    ) -> SupplyWrite[PurchaseOrder] | Refused:
        """In one transaction: read the purchase order, apply `rule`, write it with its audit row
        and its SKU's recompute mark; Refused (UNKNOWN when there is none) writes nothing."""
        async with self._db.write() as conn:
            return await supply_tables.change_purchase_order(
                conn, po_id, rule, action=action, actor=actor, at=at
            )

    async def change_product(
        self, sku: str, rule: ProductRule, *, action: str, actor: str, at: datetime
    ) -> SupplyWrite[Product] | Refused:
        """As `change_purchase_order`, for a product."""
        async with self._db.write() as conn:
            return await supply_tables.change_product(
                conn, sku, rule, action=action, actor=actor, at=at
            )

    async def waiting_lines(self, sku: str) -> list[WaitingLine]:
        """The SKU's open lines in serving order (DESIGN §5.2) with customers and stored ETAs."""
        async with self._db.read() as conn:
            return await supply_tables.read_waiting_lines(conn, sku)

    async def notices_after(
        self, notice_id: int, order_ids: Collection[str]
    ) -> list[DecidedNotice]:
        """Notices of these orders decided after notice `notice_id`, oldest first."""
        async with self._db.read() as conn:
            return await supply_tables.read_notices_after(conn, notice_id, order_ids)

    # --- delay notices ---
    async def versioned_open_orders(
        self,
        customer_id: str | None = None,
        *,
        customer_ids: Collection[str] | None = None,
        order_ids: Collection[str] | None = None,
    ) -> list[VersionedOrder]:
        """Orders with an open line (of one customer, of `customer_ids`, of `order_ids`, or
        all), with versions."""
        async with self._db.read() as conn:
            return await notice_tables.read_versioned_open_orders(
                conn, customer_id, customer_ids=customer_ids, order_ids=order_ids
            )

    async def notice_states(self, order_ids: Collection[str]) -> dict[str, NoticeState]:
        """Stored notice states of these orders."""
        async with self._db.read() as conn:
            return await notice_tables.read_notice_states(conn, order_ids)

    async def unshown_notices(self, order_ids: Collection[str]) -> frozenset[str]:
        """Those of these orders with a notice waiting to be sent whose order's dates the
        customer has not seen on screen since it was decided."""
        async with self._db.read() as conn:
            return await notice_tables.read_unshown_notices(conn, order_ids)

    async def customers_with_chats(
        self, customer_ids: Collection[str]
    ) -> dict[str, tuple[Customer, tuple[int, ...]]]:
        """Customers and the chats linked to each."""
        async with self._db.read() as conn:
            return await notice_tables.read_customers_with_chats(conn, customer_ids)

    async def last_notice_id(self) -> int:
        """The highest notice id ever given (0: none)."""
        async with self._db.read() as conn:
            return await notice_tables.last_notice_id(conn)

    async def record_sweep(
        self,
        changes: Sequence[NoticeChange],
        messages: Sequence[OutgoingMessage],
        *,
        now: datetime,
        read: Mapping[str, NoticeState] | None = None,
    ) -> RecordedSweep:
        """In one transaction: states, notice history, outbox rows and audit (with `read`, the
        states decided from: customers whose states changed since are left out)."""
        return await notice_tables.write_sweep(self._db, changes, messages, now=now, read=read)

    async def save_notice_states(
        self,
        states: Sequence[NoticeState],
        *,
        action: str,
        actor: str,
        at: datetime,
        expected: Mapping[str, NoticeState] | None = None,
        versions: Mapping[str, int] | None = None,
        shown: Collection[str] = (),
    ) -> tuple[str, ...]:
        """Store notice states changed by the customer or by a look at their orders (audited);
        with `expected`/`versions`, the order ids whose state or version changed since (not
        stored); the waiting notices of the stored orders in `shown` are marked seen."""
        return await notice_tables.save_states(
            self._db,
            states,
            action=action,
            actor=actor,
            at=at,
            expected=expected,
            versions=versions,
            shown=shown,
        )

    async def notice_history(self, order_id: str | None = None) -> list[NoticeRecord]:
        """Notices decided, oldest first (of one order, or all)."""
        async with self._db.read() as conn:
            return await notice_tables.read_notice_history(conn, order_id)

    async def pending_notices(
        self, *, customer_ids: Collection[str] | None = None, held_after: datetime | None = None
    ) -> list[PendingNotice]:
        """Notices not known to be delivered yet, with the outbox rows carrying each (of
        `customer_ids`; with a row held past `held_after`, when given)."""
        async with self._db.read() as conn:
            return await notice_delivery_tables.read_pending_notices(
                conn, customer_ids=customer_ids, held_after=held_after
            )

    async def alerted_notices(self, order_ids: Collection[str]) -> dict[str, AlertedNotice]:
        """Each order's latest alerted undelivered notice, unless one was delivered since."""
        async with self._db.read() as conn:
            return await notice_delivery_tables.read_alerted_notices(conn, order_ids)

    async def settle_notices(self, settlement: Settlement, *, now: datetime) -> int:
        """Record delivered and undelivered notices, resends and alerts; outbox rows queued."""
        return await notice_delivery_tables.write_settlement(self._db, settlement, now=now)

    async def withdraw_notices(
        self, withdrawn: Sequence[WithdrawnNotice], *, now: datetime, clock: float
    ) -> tuple[str, ...]:
        """Take back queued, unsent notices (rows, history; states restored, audited)."""
        return await notice_delivery_tables.withdraw_notices(
            self._db, withdrawn, now=now, clock=clock
        )

    async def retry_undelivered_notices(self, customer_id: str, *, at: datetime) -> tuple[str, ...]:
        """Hand a customer's undelivered notices back to the sweep (audited); their order ids."""
        return await notice_delivery_tables.retry_undelivered(self._db, customer_id, at=at)

    # --- broadcasts ---
    async def suppliers(self) -> list[str]:
        """The distinct supplier names of the products."""
        async with self._db.read() as conn:
            return await broadcast_tables.read_suppliers(conn)

    async def known_order_ids(self, order_ids: Collection[str]) -> set[str]:
        """Which of these order ids are stored."""
        async with self._db.read() as conn:
            return await broadcast_tables.read_known_order_ids(conn, order_ids)

    async def segment_groups(self, segment: SegmentFilter) -> list[SegmentGroup]:
        """The segment's customers counted by language tag, linked and held."""
        async with self._db.read() as conn:
            return await broadcast_tables.read_segment_groups(conn, segment)

    async def segment_customers(
        self,
        segment: SegmentFilter,
        *,
        languages: Collection[str] | None = None,
        customer_ids: Collection[str] | None = None,
        linked_only: bool = True,
    ) -> AsyncIterator[list[SegmentCustomer]]:
        """The segment's customers (linked ones unless told) with their orders, in batches."""
        async with self._db.stream() as conn:
            async for batch in broadcast_tables.read_segment_customers(
                conn,
                segment,
                languages=languages,
                customer_ids=customer_ids,
                linked_only=linked_only,
            ):
                yield batch

    async def record_broadcast(
        self, broadcast: NewBroadcast, copies: Sequence[RecipientCopy], *, now: datetime
    ) -> tuple[int, int]:
        """Record a broadcast and queue its copies, audited, in one transaction: (id, queued)."""
        async with self._db.write() as conn:
            return await broadcast_tables.write_broadcast(conn, broadcast, copies, now=now)

    async def broadcast_record(self, broadcast_id: int) -> BroadcastRecord | None:
        """A broadcast as recorded, or None."""
        async with self._db.read() as conn:
            return await broadcast_tables.read_broadcast(conn, broadcast_id)

    async def broadcast_records(self, *, limit: int = 50) -> list[BroadcastRecord]:
        """The latest broadcasts, newest first."""
        async with self._db.read() as conn:
            return await broadcast_tables.read_broadcasts(conn, limit=limit)

    async def broadcast_progress(
        self, broadcast_id: int, *, now: datetime | None = None
    ) -> Progress:
        """A broadcast's copies by state and language (those held past `now` for quiet hours
        counted as waiting for morning), and when its sends happened."""
        async with self._db.read() as conn:
            return await broadcast_tables.read_progress(conn, broadcast_id, now=now)

    async def stop_broadcast(self, broadcast_id: int, *, actor: str, at: datetime) -> int:
        """Withdraw a broadcast's pending copies and record the stop (audited); how many."""
        async with self._db.write() as conn:
            return await broadcast_tables.write_stop(conn, broadcast_id, actor=actor, at=at)

    # --- the /broadcast wizard ---
    async def start_broadcast_draft(self, chat_id: int, user_id: int, *, now: datetime) -> Draft:
        """A fresh draft for the chat (replacing any other), with a new draft number."""
        async with self._db.write() as conn:
            return await draft_tables.start_draft(conn, chat_id, user_id, now=now)

    async def broadcast_draft(self, chat_id: int, user_id: int) -> Draft | None:
        """The chat's draft of this user, or None."""
        async with self._db.read() as conn:
            return await draft_tables.read_draft(conn, chat_id, user_id)

    async def save_broadcast_draft(self, draft: Draft, *, now: datetime) -> None:
        """Store the draft's step, contents and screen (same chat and draft number)."""
        async with self._db.write() as conn:
            await draft_tables.save_draft(conn, draft, now=now)

    async def clear_broadcast_draft(self, chat_id: int) -> bool:
        """Close the chat's draft; whether there was one."""
        async with self._db.write() as conn:
            return await draft_tables.clear_draft(conn, chat_id)

    async def add_progress_message(self, progress: ProgressMessage) -> None:
        """Remember a progress message to keep editing."""
        async with self._db.write() as conn:
            await draft_tables.add_progress(conn, progress)

    async def progress_messages(self) -> list[ProgressMessage]:
        """The progress messages whose broadcast has not been reported finished."""
        async with self._db.read() as conn:
            return await draft_tables.read_progress(conn)

    async def progress_message(self, broadcast_id: int) -> ProgressMessage | None:
        """A broadcast's progress message (finished or not), or None."""
        async with self._db.read() as conn:
            found = await draft_tables.read_progress(conn, broadcast_id)
        return found[0] if found else None

    async def finish_progress_message(self, broadcast_id: int) -> None:
        """The final report is shown: stop editing it."""
        async with self._db.write() as conn:
            await draft_tables.finish_progress(conn, broadcast_id)

    # --- stats (DESIGN §12) ---
    def stats_snapshot(self) -> AbstractAsyncContextManager[stats_tables.StatsSnapshot]:
        """The stats reads over read connections sharing one snapshot (storage.stats)."""
        return stats_tables.stats_snapshot(self._db)

    async def watch_backorders(self, *, now: datetime) -> int:
        """Remember backordered orders of linked customers; how many were new."""
        async with self._db.write() as conn:
            return await rating_tables.watch_backorders(conn, now=now)

    async def close_backorders(self, *, now: datetime) -> int:
        """Mark remembered orders without an open line as closed `now`; how many."""
        async with self._db.write() as conn:
            return await rating_tables.close_backorders(conn, now=now)

    async def closed_backorders(self) -> list[ClosedOrder]:
        """Closed remembered orders still to be asked about, oldest closure first."""
        async with self._db.read() as conn:
            return await rating_tables.closed_backorders(conn)

    async def give_up_backorders(
        self, order_ids: Collection[str], *, reason: Literal["unreachable", "stale"]
    ) -> None:
        """These orders will not be asked about, and why."""
        async with self._db.write() as conn:
            await rating_tables.give_up_backorders(conn, order_ids, reason=reason)

    async def rating_chats(self, customer_ids: Collection[str]) -> dict[str, RatingChat]:
        """Each customer's most recently linked reachable chat."""
        async with self._db.read() as conn:
            return await rating_tables.rating_chats(conn, customer_ids)

    async def queue_ratings(
        self, requests: Sequence[RatingRequest], *, now: datetime
    ) -> dict[str, Asked]:
        """Record the questions and queue their messages in one transaction, by subject."""
        async with self._db.write() as conn:
            return await rating_tables.queue_ratings(conn, requests, now=now)

    async def customer_ratings(self, customer_id: str) -> list[Rating]:
        """Every question asked of the customer, oldest first."""
        async with self._db.read() as conn:
            return await rating_tables.customer_ratings(conn, customer_id)

    async def record_score(
        self,
        rating_id: int,
        score: int,
        *,
        chat_id: int,
        message_id: int | None,
        comment_until: datetime,
        now: datetime,
        alerts: Collection[OutgoingMessage],
    ) -> bool:
        """Record the first score (audited, comment awaited); False when scored already."""
        async with self._db.write() as conn:
            return await rating_tables.record_score(
                conn,
                rating_id,
                score,
                chat_id=chat_id,
                message_id=message_id,
                comment_until=comment_until,
                now=now,
                alerts=alerts,
            )

    async def pending_comment(self, chat_id: int, *, now: datetime) -> PendingComment | None:
        """The rating whose comment this chat's next text is, within its window."""
        async with self._db.read() as conn:
            return await rating_tables.pending_comment(conn, chat_id, now=now)

    async def record_comment(
        self,
        rating_id: int,
        comment: str | None,
        *,
        now: datetime,
        alerts: Collection[OutgoingMessage],
    ) -> bool:
        """Store the comment (None: skipped) once; False when none was awaited."""
        async with self._db.write() as conn:
            return await rating_tables.record_comment(
                conn, rating_id, comment, now=now, alerts=alerts
            )

    async def stop_awaiting_comment(self, chat_id: int) -> None:
        """The chat's next text is no comment."""
        async with self._db.write() as conn:
            await rating_tables.stop_awaiting_comment(conn, chat_id)

    async def csat(self, *, since: datetime | None = None) -> Csat:
        """Answered questions (at or after `since`) and their mean score."""
        async with self._db.read() as conn:
            return await rating_tables.csat(conn, since=since)

    # --- the shop's systems (DESIGN §14) ---
    async def claim_ingest_key(
        self, key: str, endpoint: str, body_hash: str, *, at: datetime, forget_before: datetime
    ) -> StoredAnswer | None:
        """Inside the caller's transaction: claim `key` (None) or the answer stored under it."""
        async with self._db.write() as conn:
            return await ingest_tables.claim_key(
                conn, key, endpoint, body_hash, at=at, forget_before=forget_before
            )

    async def answer_ingest_key(self, key: str, *, status: int, answer: str) -> None:
        """Inside the claiming transaction: store the answer of the claimed `key`."""
        async with self._db.write() as conn:
            await ingest_tables.answer_key(conn, key, status=status, answer=answer)

    async def claim_shopify_webhook(
        self,
        webhook_id: str,
        *,
        topic: str,
        order_name: str | None,
        order_updated_at: datetime | None,
        at: datetime,
        forget_before: datetime,
    ) -> bool:
        """Inside the caller's transaction: record a webhook id; False when already recorded."""
        async with self._db.write() as conn:
            return await ingest_tables.claim_webhook(
                conn,
                webhook_id,
                topic=topic,
                order_name=order_name,
                order_updated_at=order_updated_at,
                at=at,
                forget_before=forget_before,
            )

    async def newest_shopify_update(self, order_name: str) -> datetime | None:
        """Inside the caller's transaction: lock the order's webhooks until it ends, then the
        latest order `updated_at` among the Shopify webhooks applied to this order."""
        async with self._db.write() as conn:
            await ingest_tables.lock_order(conn, order_name)
            return await ingest_tables.newest_order_update(conn, order_name)


def _keys(params: Iterable[dict[str, object]], column: str) -> list[str]:
    return [str(record[column]) for record in params]


def _line_skus(changes: Iterable[Change]) -> set[str]:
    """SKUs of the lines of the changed orders, as they were and as they are."""
    return {
        str(line["sku"])
        for change in changes
        if change.entity.startswith("order:")
        for record in (change.before, change.after)
        if isinstance(record, dict)
        for line in record.get("lines", ())
    }


def _order_header(order: Order) -> dict[str, object]:
    return {
        "order_id": order.order_id,
        "order_key": order_key(order.order_id),
        "link_handle": handle("order", order.order_id),
        "customer_id": order.customer_id,
        "placed_at": order.placed_at.isoformat(),
        "placed_at_utc": utc_text(order.placed_at),
        "currency": order.currency,
        "promised_ship_date": iso_or_none(order.promised_ship_date),
        "jurisdiction": order.jurisdiction.value if order.jurisdiction else None,
        "priority": order.priority,
    }


# --- statements of the import, reading, chats and misc regions (built once) ---
_WRITE_CHUNK = 1_000
# Columns an import's upsert of customers overwrites (the chosen language is the customer's).
_CUSTOMER_UPDATES = ("name", "email", "phone", "phone_digits", "language", "timezone")
_CUSTOMER_COLUMNS = ("customer_id", *_CUSTOMER_UPDATES)
_LINE_COLUMNS = ("order_id", "line_no", "sku", "quantity", "unit_price_minor", "status")
_LINE_UPDATES = ("sku", "quantity", "unit_price_minor")
_ALL_SKUS = select(schema.products.c.sku)
_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")
_PRODUCTS_IN = select(schema.products).where(in_keys(schema.products.c.sku, "keys"))
_PURCHASE_ORDERS_IN = select(schema.purchase_orders).where(
    in_keys(schema.purchase_orders.c.po_id, "keys")
)
_CUSTOMERS_IN = select(schema.customers).where(in_keys(schema.customers.c.customer_id, "keys"))
_IMPORTED_CUSTOMERS_IN = select(
    schema.customers.c.customer_id, *(schema.customers.c[name] for name in _CUSTOMER_UPDATES)
).where(in_keys(schema.customers.c.customer_id, "keys"))
_ORDERS_IN = select(schema.orders).where(in_keys(schema.orders.c.order_id, "keys"))
_LINES_IN = (
    select(schema.order_lines)
    .where(in_keys(schema.order_lines.c.order_id, "keys"))
    .order_by(schema.order_lines.c.order_id, schema.order_lines.c.line_no)
)
_ORDER = select(schema.orders).where(schema.orders.c.order_id == bindparam("order_id"))
_IDS_BY_KEY = (
    select(schema.orders.c.order_id)
    .where(schema.orders.c.order_key == bindparam("key"))
    .order_by(bytewise(schema.orders.c.order_id))
)
_IDS_BY_HANDLE = (
    select(schema.orders.c.order_id)
    .where(schema.orders.c.link_handle == bindparam("handle"))
    .order_by(bytewise(schema.orders.c.order_id))
)
_open_line = schema.order_lines.alias("l")
_OPEN_ORDERS = (
    select(schema.orders)
    .where(
        schema.orders.c.customer_id == bindparam("customer_id"),
        exists().where(
            _open_line.c.order_id == schema.orders.c.order_id, _open_line.c.status == OPEN
        ),
    )
    .order_by(schema.orders.c.placed_at_utc.desc(), bytewise(schema.orders.c.order_id).desc())
)
_CUSTOMER_ORDER_IDS = select(schema.orders.c.order_id).where(
    schema.orders.c.customer_id == bindparam("customer_id")
)
_CUSTOMER = select(schema.customers).where(
    schema.customers.c.customer_id == bindparam("customer_id")
)
_CUSTOMERS_BY_PHONE = (
    select(schema.customers)
    .where(
        or_(
            schema.customers.c.phone_digits == bindparam("digits"),
            schema.customers.c.phone_digits.like(
                literal("%").concat(bindparam("digits", type_=Text))
            ),
        )
    )
    .order_by(bytewise(schema.customers.c.customer_id))
)
_LINKED_CUSTOMER = select(schema.chat_links.c.customer_id).where(
    schema.chat_links.c.chat_id == bindparam("chat_id")
)
_CHAT_LINK_FOR_UPDATE = (
    select(schema.chat_links.c.customer_id, schema.chat_links.c.via, schema.chat_links.c.linked_at)
    .where(schema.chat_links.c.chat_id == bindparam("chat_id"))
    .with_for_update()
)
_DELETE_CHAT_LINK = delete(schema.chat_links).where(
    schema.chat_links.c.chat_id == bindparam("chat_id")
)
_INSERT_LINK_ATTEMPT = schema.link_attempts.insert()
_LINK_FAILURES = select(func.count()).where(
    schema.link_attempts.c.chat_id == bindparam("chat_id"),
    schema.link_attempts.c.attempted_at >= bindparam("since"),
)
_CHAT_LANGUAGE = select(schema.chat_prefs.c.language).where(
    schema.chat_prefs.c.chat_id == bindparam("chat_id")
)
_CHOSEN_LANGUAGE_FOR_UPDATE = (
    select(schema.customers.c.chosen_language)
    .where(schema.customers.c.customer_id == bindparam("customer_id"))
    .with_for_update()
)
_SET_CHOSEN_LANGUAGE = (
    update(schema.customers)
    .where(schema.customers.c.customer_id == bindparam("id"))
    .values(chosen_language=bindparam("chosen"))
)
_SETTING = select(schema.settings.c.value).where(schema.settings.c.key == bindparam("key"))

# Why: an import overwrites what the shop's file says; an order's version and lookup keys stay.
_ORDER_UPDATES = (
    "customer_id",
    "placed_at",
    "placed_at_utc",
    "currency",
    "promised_ship_date",
    "jurisdiction",
    "priority",
)
_ORDER_COLUMNS = ("order_id", "order_key", "link_handle", *_ORDER_UPDATES)
_upserts: dict[tuple[str, str], Executable] = {}


def _upsert(
    conn: AsyncConnection, table: Table, keys: tuple[str, ...], updates: Sequence[str] = ()
) -> Executable:
    """INSERT ... ON CONFLICT (keys) DO UPDATE of `updates` (every other column when empty),
    built once per dialect."""
    statement = _upserts.get((conn.dialect.name, table.name))
    if statement is None:
        upsert = dialect_insert(conn, table)
        columns = updates or [column.name for column in table.c if column.name not in keys]
        set_: dict[str, Any] = {name: upsert.excluded[name] for name in columns}
        statement = upsert.on_conflict_do_update(index_elements=list(keys), set_=set_)
        _upserts[conn.dialect.name, table.name] = statement
    return statement


def _customers_on_conflict(upsert: Any) -> Any:
    return upsert.on_conflict_do_update(
        index_elements=["customer_id"],
        set_={name: upsert.excluded[name] for name in _CUSTOMER_UPDATES},
    )


def _orders_on_conflict(upsert: Any) -> Any:
    return upsert.on_conflict_do_update(
        index_elements=["order_id"], set_={name: upsert.excluded[name] for name in _ORDER_UPDATES}
    )


def _lines_on_conflict(upsert: Any) -> Any:
    lines = schema.order_lines
    # Why: a shipped or cancelled line stays so, whatever the shop's file says.
    closed: list[ColumnElement[str]] = [literal_column("'shipped'"), literal_column("'cancelled'")]
    set_: dict[str, Any] = {name: upsert.excluded[name] for name in _LINE_UPDATES}
    set_["status"] = case(
        (lines.c.status.in_(closed), lines.c.status), else_=upsert.excluded.status
    )
    return upsert.on_conflict_do_update(index_elements=["order_id", "line_no"], set_=set_)


async def _execute_chunked(
    conn: AsyncConnection, statement: Executable, params: Sequence[Mapping[str, object]]
) -> None:
    """Execute for each parameter set, `_WRITE_CHUNK` sets per round trip (none: nothing)."""
    for start in range(0, len(params), _WRITE_CHUNK):
        await conn.execute(statement, list(params[start : start + _WRITE_CHUNK]))


async def _rows_in(
    conn: AsyncConnection, statement: Executable, keys: Sequence[str]
) -> list[RowMapping]:
    """The rows of `statement` for every key (its `keys` parameter, an `in_keys`)."""
    rows: list[RowMapping] = []
    for chunk in key_chunks(conn, keys):
        result = await conn.execute(statement, {"keys": chunk})
        rows += result.mappings().all()
    return rows


async def _upsert_customers(conn: AsyncConnection, customers: Sequence[Customer]) -> list[Change]:
    params = [customer_params(customer) for customer in customers]
    before = {
        row["customer_id"]: row_dict(row)
        for row in await _rows_in(conn, _IMPORTED_CUSTOMERS_IN, _keys(params, "customer_id"))
    }
    await upsert_rows(conn, schema.customers, _CUSTOMER_COLUMNS, params, _customers_on_conflict)
    return [
        change
        for new in params
        for change in changed(
            "customer.upsert",
            f"customer:{new['customer_id']}",
            before.get(str(new["customer_id"])),
            new,
        )
    ]


async def _upsert_order_rows(conn: AsyncConnection, orders: Sequence[Order]) -> list[Change]:
    order_ids = [order.order_id for order in orders]
    before = await _order_records(conn, order_ids)
    headers = [_order_header(order) for order in orders]
    # Why: the upserts return the rows as stored, so the audit's `after` needs no second read
    # (bench `ingest`); lines the import did not name are as they were before.
    stored_headers = await upsert_rows(
        conn, schema.orders, _ORDER_COLUMNS, headers, _orders_on_conflict, returning=True
    )
    lines = [line_params(line) for order in orders for line in order.lines]
    stored_lines = await upsert_rows(
        conn, schema.order_lines, _LINE_COLUMNS, lines, _lines_on_conflict, returning=True
    )
    after = _records_of(stored_headers)
    for order_id, record in after.items():
        earlier = before.get(order_id)
        record["lines"] = {line["line_no"]: line for line in earlier["lines"]} if earlier else {}
    for row in stored_lines:
        line = row_dict(row)
        after[line.pop("order_id")]["lines"][line["line_no"]] = line
    for record in after.values():
        record["lines"] = [record["lines"][line_no] for line_no in sorted(record["lines"])]
    return [
        change
        for order_id in order_ids
        for change in changed(
            "order.upsert", f"order:{order_id}", before.get(order_id), after.get(order_id)
        )
    ]


async def _order_records(
    conn: AsyncConnection, order_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    records = _records_of(await _rows_in(conn, _ORDERS_IN, order_ids))
    for record in records.values():
        record["lines"] = []
    for row in await _rows_in(conn, _LINES_IN, order_ids):
        line = row_dict(row)
        records[line.pop("order_id")]["lines"].append(line)
    return records


def _records_of(headers: Sequence[RowMapping]) -> dict[str, dict[str, Any]]:
    """Order rows as their audit records (no lines yet), by order_id."""
    records = {row["order_id"]: row_dict(row) for row in headers}
    for record in records.values():
        record.pop("placed_at_utc")
        record.pop("order_key", None)
        record.pop("link_handle", None)
    return records


async def _orders_with_lines(conn: AsyncConnection, headers: Sequence[RowMapping]) -> list[Order]:
    lines: dict[str, list[OrderLine]] = {row["order_id"]: [] for row in headers}
    for row in await _rows_in(conn, _LINES_IN, list(lines)):
        lines[row["order_id"]].append(line_from(row))
    return [
        Order(
            order_id=row["order_id"],
            customer_id=row["customer_id"],
            placed_at=datetime.fromisoformat(row["placed_at"]),
            currency=row["currency"],
            promised_ship_date=date_or_none(row["promised_ship_date"]),
            jurisdiction=jurisdiction_or_none(row["jurisdiction"]),
            priority=row["priority"],
            lines=tuple(lines[row["order_id"]]),
        )
        for row in headers
    ]


async def _write_link_failure(conn: AsyncConnection, chat_id: int, *, at: datetime) -> None:
    await conn.execute(_INSERT_LINK_ATTEMPT, {"chat_id": chat_id, "attempted_at": utc_text(at)})
    change = Change("chat.link_failed", f"chat:{chat_id}", None, None)
    await write_changes(conn, [change], actor=f"chat:{chat_id}", at=at)
