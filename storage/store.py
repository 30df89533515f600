"""The SQLite implementation of the Store protocol (aiosqlite, WAL, migrations on open)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import aiosqlite

import storage.actions as action_tables
import storage.alerts as alert_tables
import storage.broadcast_drafts as draft_tables
import storage.broadcasts as broadcast_tables
import storage.chat_profile as chat_profile_table
import storage.eta_marks as eta_mark_table
import storage.etas as eta_tables
import storage.events as event_tables
import storage.handoffs as handoff_tables
import storage.link_guard as link_guard_tables
import storage.link_targets as link_target_table
import storage.notice_delivery as notice_delivery_tables
import storage.notices as notice_tables
import storage.open_orders as open_order_table
import storage.outbox as outbox_tables
import storage.overdue_supply as overdue_tables
import storage.ratings as rating_tables
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
from bot.domain.delays import NoticeState
from bot.domain.eta import EtaQueue
from bot.domain.events import Event
from bot.domain.handles import handle
from bot.domain.handoffs import Handoff, RelayClaim
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
from storage.codec import (
    IN_CHUNK,
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
from storage.database import BUSY_TIMEOUT_MS, Database
from storage.migrations import apply_migrations
from storage.schema import metadata
from storage.transaction import transaction


async def open_store(target: Path | str) -> SqlStore:
    """Open the store at `target` (a SQLite path or a `postgresql://` URL), fully migrated."""
    database = await Database.open(target)
    try:
        raw = database.sqlite_driver
        if raw is not None:
            raw.row_factory = sqlite3.Row
            await apply_migrations(raw)
        else:
            # Transitional until the Alembic revisions land (issue 11).
            async with database.engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
    except BaseException:
        await database.close()
        raise
    return SqlStore(database)


class SqlStore:
    """The store on SQLite or PostgreSQL; every mutation is one audited transaction."""

    def __init__(self, database: Database) -> None:
        self._db = database
        # Transitional: the SQLite writer as aiosqlite, for code not yet on SQLAlchemy (issue 11).
        self._conn: aiosqlite.Connection = database.sqlite_driver  # type: ignore[assignment]

    @property
    def database(self) -> Database:
        """The engine and transactions (storage helpers, tests, benchmarks)."""
        return self._db

    @property
    def connection(self) -> aiosqlite.Connection:
        """Transitional: SQLite's writer connection as aiosqlite (removed when the move is done)."""
        assert self._conn is not None
        return self._conn

    async def close(self) -> None:
        """Close every connection."""
        await self._db.close()

    # --- import ---
    def atomic(self) -> AbstractAsyncContextManager[object]:
        """One transaction around several writes of this task: all of them commit or none."""
        return transaction(self._conn)

    async def known_skus(self) -> set[str]:
        """SKUs of all stored products."""
        return {row[0] for row in await self._all("SELECT sku FROM products")}

    async def upsert_products(
        self, products: Sequence[Product], *, actor: str, at: datetime
    ) -> None:
        """Insert or update products by SKU."""
        params = [product_params(product) for product in products]
        async with transaction(self._conn):
            before = {
                row["sku"]: row_dict(row)
                for row in await self._in(
                    "SELECT * FROM products WHERE sku IN", _keys(params, "sku")
                )
            }
            await self._conn.executemany(
                """INSERT INTO products (sku, name, category, price_minor, currency, on_hand,
                       lead_time_days, handling_days, supplier, alternatives)
                   VALUES (:sku, :name, :category, :price_minor, :currency, :on_hand,
                       :lead_time_days, :handling_days, :supplier, :alternatives)
                   ON CONFLICT (sku) DO UPDATE SET name = excluded.name,
                       category = excluded.category, price_minor = excluded.price_minor,
                       currency = excluded.currency, on_hand = excluded.on_hand,
                       lead_time_days = excluded.lead_time_days,
                       handling_days = excluded.handling_days, supplier = excluded.supplier,
                       alternatives = excluded.alternatives""",
                params,
            )
            changes = [
                change
                for new in params
                for change in changed(
                    "product.upsert", f"product:{new['sku']}", before.get(str(new["sku"])), new
                )
            ]
            await write_changes(self._conn, changes, actor=actor, at=at)
            await eta_mark_table.mark_skus(self._conn, _keys(params, "sku"))

    async def upsert_orders(
        self, customers: Sequence[Customer], orders: Sequence[Order], *, actor: str, at: datetime
    ) -> None:
        """Insert or update customers, orders and their lines by key."""
        async with transaction(self._conn):
            changes = await self._upsert_customers(customers)
            changes += await self._upsert_order_rows(orders)
            await action_tables.bump_order_versions(self._conn, changes)
            await write_changes(self._conn, changes, actor=actor, at=at)
            # Why: a line moved to another SKU frees units of the SKU it had before.
            await eta_mark_table.mark_skus(self._conn, _line_skus(changes))

    async def _upsert_customers(self, customers: Sequence[Customer]) -> list[Change]:
        params = [customer_params(customer) for customer in customers]
        columns = ", ".join(params[0]) if params else ""
        before = {
            row["customer_id"]: row_dict(row)
            for row in await self._in(
                f"SELECT {columns} FROM customers WHERE customer_id IN",
                _keys(params, "customer_id"),
            )
        }
        await self._conn.executemany(
            """INSERT INTO customers (customer_id, name, email, phone, phone_digits, language,
                   timezone)
               VALUES (:customer_id, :name, :email, :phone, :phone_digits, :language, :timezone)
               ON CONFLICT (customer_id) DO UPDATE SET name = excluded.name,
                   email = excluded.email, phone = excluded.phone,
                   phone_digits = excluded.phone_digits, language = excluded.language,
                   timezone = excluded.timezone""",
            params,
        )
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

    async def _upsert_order_rows(self, orders: Sequence[Order]) -> list[Change]:
        order_ids = [order.order_id for order in orders]
        before = await self._order_records(order_ids)
        headers = [_order_header(order) for order in orders]
        await self._conn.executemany(
            """INSERT INTO orders (order_id, order_key, link_handle, customer_id, placed_at,
                   placed_at_utc, currency, promised_ship_date, jurisdiction, priority)
               VALUES (:order_id, :order_key, :link_handle, :customer_id, :placed_at,
                   :placed_at_utc, :currency, :promised_ship_date, :jurisdiction, :priority)
               ON CONFLICT (order_id) DO UPDATE SET customer_id = excluded.customer_id,
                   placed_at = excluded.placed_at, placed_at_utc = excluded.placed_at_utc,
                   currency = excluded.currency, promised_ship_date = excluded.promised_ship_date,
                   jurisdiction = excluded.jurisdiction, priority = excluded.priority""",
            headers,
        )
        await self._conn.executemany(
            """INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price_minor, status)
               VALUES (:order_id, :line_no, :sku, :quantity, :unit_price_minor, :status)
               ON CONFLICT (order_id, line_no) DO UPDATE SET sku = excluded.sku,
                   quantity = excluded.quantity, unit_price_minor = excluded.unit_price_minor,
                   status = CASE WHEN order_lines.status IN ('shipped', 'cancelled')
                       THEN order_lines.status ELSE excluded.status END""",
            [line_params(line) for order in orders for line in order.lines],
        )
        after = await self._order_records(order_ids)
        return [
            change
            for order_id in order_ids
            for change in changed(
                "order.upsert", f"order:{order_id}", before.get(order_id), after.get(order_id)
            )
        ]

    async def _order_records(self, order_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        records = {
            row["order_id"]: row_dict(row)
            for row in await self._in("SELECT * FROM orders WHERE order_id IN", order_ids)
        }
        for record in records.values():
            record.pop("placed_at_utc")
            record.pop("order_key", None)
            record.pop("link_handle", None)
            record["lines"] = []
        for row in await self._in(
            "SELECT * FROM order_lines WHERE order_id IN", order_ids, " ORDER BY order_id, line_no"
        ):
            line = row_dict(row)
            records[line.pop("order_id")]["lines"].append(line)
        return records

    async def upsert_purchase_orders(
        self, purchase_orders: Sequence[PurchaseOrder], *, actor: str, at: datetime
    ) -> None:
        """Insert or update purchase orders by po_id."""
        params = [purchase_order_params(po) for po in purchase_orders]
        async with transaction(self._conn):
            before = {
                row["po_id"]: row_dict(row)
                for row in await self._in(
                    "SELECT * FROM purchase_orders WHERE po_id IN", _keys(params, "po_id")
                )
            }
            await self._conn.executemany(
                """INSERT INTO purchase_orders (po_id, sku, quantity, received_quantity,
                       expected_date, status, supplier)
                   VALUES (:po_id, :sku, :quantity, :received_quantity, :expected_date, :status,
                       :supplier)
                   ON CONFLICT (po_id) DO UPDATE SET sku = excluded.sku,
                       quantity = excluded.quantity, received_quantity = excluded.received_quantity,
                       expected_date = excluded.expected_date, status = excluded.status,
                       supplier = excluded.supplier""",
                params,
            )
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
            await write_changes(self._conn, changes, actor=actor, at=at)
            # Why: a purchase order moved to another SKU no longer supplies the one it had.
            moved_from = [str(old["sku"]) for old in before.values()]
            await eta_mark_table.mark_skus(self._conn, _keys(params, "sku") + moved_from)

    # --- ETA ---
    async def sku_books(self, skus: Collection[str] | None = None) -> list[SkuBook]:
        """Supply and open demand per SKU (all SKUs when `skus` is None)."""
        async with self._db.read() as conn:
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
    ) -> int:
        """Write these ETAs and drop those SKUs' rows of lines no longer open; return how many.
        With `seen`, as `save_etas`: SKUs changed after it are left alone, others' marks cleared."""
        async with self._db.write() as conn:
            return await eta_tables.write_moved_etas(
                conn, etas, skus=skus, computed_on=computed_on, seen=seen
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
        orders = await self._orders_with_lines(
            await self._all("SELECT * FROM orders WHERE order_id = ?", (order_id,))
        )
        return orders[0] if orders else None

    async def get_orders(self, order_ids: Collection[str]) -> dict[str, Order]:
        """Orders by id with all their lines (the ones stored; unknown ids are left out)."""
        headers = await self._in("SELECT * FROM orders WHERE order_id IN", list(order_ids))
        return {order.order_id: order for order in await self._orders_with_lines(headers)}

    async def order_ids_by_key(self, key: str) -> list[str]:
        """Ids of the orders whose lookup key (bot.domain.order_number) is `key`, in id order."""
        rows = await self._all(
            "SELECT order_id FROM orders WHERE order_key = ? ORDER BY order_id", (key,)
        )
        return [str(row[0]) for row in rows]

    async def order_ids_by_handle(self, order_handle: str) -> list[str]:
        """Ids of the orders whose short handle (bot.domain.handles) is `order_handle`."""
        rows = await self._all(
            "SELECT order_id FROM orders WHERE link_handle = ? ORDER BY order_id", (order_handle,)
        )
        return [str(row[0]) for row in rows]

    async def open_orders(self, customer_id: str) -> list[Order]:
        """A customer's orders that still have an open line, newest first, with all lines."""
        headers = await self._all(
            """SELECT * FROM orders AS o
               WHERE o.customer_id = ? AND EXISTS (SELECT 1 FROM order_lines AS l
                   WHERE l.order_id = o.order_id AND l.status = 'open')
               ORDER BY o.placed_at_utc DESC, o.order_id DESC""",
            (customer_id,),
        )
        return await self._orders_with_lines(headers)

    async def customer_order_ids(self, customer_id: str) -> list[str]:
        """Every order id of a customer, open or closed."""
        rows = await self._all("SELECT order_id FROM orders WHERE customer_id = ?", (customer_id,))
        return [str(row["order_id"]) for row in rows]

    async def _orders_with_lines(self, headers: Sequence[sqlite3.Row]) -> list[Order]:
        lines: dict[str, list[OrderLine]] = {row["order_id"]: [] for row in headers}
        for row in await self._in(
            "SELECT * FROM order_lines WHERE order_id IN",
            list(lines),
            " ORDER BY order_id, line_no",
        ):
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

    async def customer_open_orders(self, customer_id: str) -> OpenOrders:
        """A customer's open orders, newest first, with their ETAs and product names."""
        return await open_order_table.read_open_orders(self._conn, customer_id)

    async def get_customer(self, customer_id: str) -> Customer | None:
        """One customer."""
        rows = await self._all("SELECT * FROM customers WHERE customer_id = ?", (customer_id,))
        return customer_from(rows[0]) if rows else None

    async def link_targets(self) -> list[tuple[Customer, str]]:
        """(customer, newest open order id) for every customer with an open order."""
        return await link_target_table.read_link_targets(self._conn)

    async def customers_by_phone(self, phone_digits: str) -> list[Customer]:
        """Customers whose phone, reduced to digits, ends with or equals `phone_digits`."""
        digits = digits_of(phone_digits)
        if digits is None:
            return []
        rows = await self._all(
            """SELECT * FROM customers WHERE phone_digits = :digits
               UNION SELECT * FROM customers WHERE phone_digits LIKE '%' || :digits
               ORDER BY customer_id""",
            {"digits": digits},
        )
        return [customer_from(row) for row in rows]

    async def get_products(self, skus: Collection[str]) -> dict[str, Product]:
        """Products by SKU."""
        rows = await self._in("SELECT * FROM products WHERE sku IN", list(skus))
        return {row["sku"]: product_from(row) for row in rows}

    async def get_purchase_orders(self, po_ids: Collection[str]) -> dict[str, PurchaseOrder]:
        """Purchase orders by po_id."""
        rows = await self._in("SELECT * FROM purchase_orders WHERE po_id IN", list(po_ids))
        return {row["po_id"]: purchase_order_from(row) for row in rows}

    async def imported_customers(self, customer_ids: Collection[str]) -> dict[str, Customer]:
        """Customers by id as the orders CSV set them (imported language, not the chosen one)."""
        rows = await self._in("SELECT * FROM customers WHERE customer_id IN", list(customer_ids))
        return {row["customer_id"]: imported_customer_from(row) for row in rows}

    # --- chats ---
    async def chat_profile(self, chat_id: int) -> ChatProfile:
        """The chat's linked customer, that customer's language and the chat's language."""
        return await chat_profile_table.read_chat_profile(self._conn, chat_id)

    async def linked_customer(self, chat_id: int) -> str | None:
        """The customer a chat is linked to."""
        rows = await self._all("SELECT customer_id FROM chat_links WHERE chat_id = ?", (chat_id,))
        return str(rows[0][0]) if rows else None

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
        async with transaction(self._conn):
            rows = await self._all(
                "SELECT customer_id, via, linked_at FROM chat_links WHERE chat_id = ?", (chat_id,)
            )
            after = {"customer_id": customer_id, "via": via, "linked_at": at.isoformat()}
            await self._conn.execute(
                """INSERT INTO chat_links (chat_id, customer_id, via, linked_at)
                   VALUES (:chat_id, :customer_id, :via, :linked_at)
                   ON CONFLICT (chat_id) DO UPDATE SET customer_id = excluded.customer_id,
                       via = excluded.via, linked_at = excluded.linked_at""",
                {"chat_id": chat_id, **after},
            )
            await outbox_tables.drop_for_other_customers(self._conn, chat_id, customer_id)
            before = row_dict(rows[0]) if rows else None
            change = Change("chat.link", f"chat:{chat_id}", before, after)
            await write_changes(self._conn, [change], actor=actor, at=at)
            await outbox_tables.insert_outbox_rows(self._conn, messages, now=at)

    async def unlink_chat(self, chat_id: int, *, actor: str, at: datetime) -> bool:
        """Make a chat forget its customer (audited); False when it was not linked."""
        return await self._unlink(chat_id, None, actor=actor, at=at)

    async def _unlink(
        self, chat_id: int, link: tuple[str, str] | None, *, actor: str, at: datetime
    ) -> bool:
        """Unlink the chat (when `link` is given, only while its (customer_id, linked_at) stand)."""
        async with transaction(self._conn):
            rows = await self._all(
                "SELECT customer_id, via, linked_at FROM chat_links WHERE chat_id = ?", (chat_id,)
            )
            if not rows or (
                link is not None and (rows[0]["customer_id"], rows[0]["linked_at"]) != link
            ):
                return False
            await self._conn.execute("DELETE FROM chat_links WHERE chat_id = ?", (chat_id,))
            await outbox_tables.drop_for_other_customers(self._conn, chat_id, None)
            change = Change("chat.unlink", f"chat:{chat_id}", row_dict(rows[0]), None)
            await write_changes(self._conn, [change], actor=actor, at=at)
        return True

    async def record_link_failure(self, chat_id: int, *, at: datetime) -> None:
        """Remember one failed linking attempt."""
        async with transaction(self._conn):
            await self._write_link_failure(chat_id, at=at)

    async def _write_link_failure(self, chat_id: int, *, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO link_attempts (chat_id, attempted_at) VALUES (?, ?)",
            (chat_id, utc_text(at)),
        )
        change = Change("chat.link_failed", f"chat:{chat_id}", None, None)
        await write_changes(self._conn, [change], actor=f"chat:{chat_id}", at=at)

    async def link_failures_since(self, chat_id: int, since: datetime) -> int:
        """Failed linking attempts of a chat since a moment."""
        rows = await self._all(
            "SELECT count(*) FROM link_attempts WHERE chat_id = ? AND attempted_at >= ?",
            (chat_id, utc_text(since)),
        )
        return int(rows[0][0])

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
        async with transaction(self._conn):
            await self._write_link_failure(chat_id, at=at)
            return await link_guard_tables.record_order_failure(
                self._conn, chat_id, order_key, at=at, since=since, limit=limit, alerts=alerts
            )

    async def order_link_failures_since(self, order_key: str, since: datetime) -> int:
        """Failed attempts with this typed order number since a moment, from any chat."""
        return await link_guard_tables.order_failures_since(self._conn, order_key, since)

    async def customer_chat_links(self, customer_id: str) -> list[ChatLink]:
        """The chats linked to a customer, oldest link first."""
        return await link_guard_tables.read_chat_links(self._conn, customer_id)

    async def unlink_customer_chat(
        self, chat_id: int, customer_id: str, linked_at: datetime, *, actor: str, at: datetime
    ) -> bool:
        """Unlink a chat (audited) only while that very link still stands; False otherwise."""
        link = (customer_id, linked_at.isoformat())
        return await self._unlink(chat_id, link, actor=actor, at=at)

    async def chat_language(self, chat_id: int) -> str | None:
        """Language chosen in a chat; it wins in that chat, linked or not (DESIGN §7)."""
        rows = await self._all("SELECT language FROM chat_prefs WHERE chat_id = ?", (chat_id,))
        return rows[0][0] if rows else None

    async def set_chat_language(
        self, chat_id: int, language: str, *, actor: str, at: datetime
    ) -> None:
        """Save a language choice for a chat."""
        async with transaction(self._conn):
            before = await self.chat_language(chat_id)
            await self._conn.execute(
                """INSERT INTO chat_prefs (chat_id, language) VALUES (?, ?)
                   ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language""",
                (chat_id, language),
            )
            change = Change("chat.language", f"chat:{chat_id}", before, language)
            await write_changes(self._conn, [change], actor=actor, at=at)

    async def set_customer_language(
        self, customer_id: str, language: str, *, actor: str, at: datetime
    ) -> None:
        """Save a customer's language choice."""
        async with transaction(self._conn):
            rows = await self._all(
                "SELECT chosen_language FROM customers WHERE customer_id = ?", (customer_id,)
            )
            if not rows:
                raise KeyError(f"no customer {customer_id!r}")
            await self._conn.execute(
                "UPDATE customers SET chosen_language = ? WHERE customer_id = ?",
                (language, customer_id),
            )
            change = Change("customer.language", f"customer:{customer_id}", rows[0][0], language)
            await write_changes(self._conn, [change], actor=actor, at=at)

    # --- misc ---
    async def get_setting(self, key: str) -> str | None:
        """A stored setting."""
        rows = await self._all("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    async def set_setting(self, key: str, value: str) -> None:
        """Store a setting (not audited: settings hold secrets such as the link secret)."""
        async with transaction(self._conn):
            await self._conn.execute(
                """INSERT INTO settings (key, value) VALUES (?, ?)
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value""",
                (key, value),
            )

    async def audit_entries(self, entity: str | None = None) -> list[AuditEntry]:
        """Audit log, oldest first, optionally for one entity."""
        return await read_entries(self._conn, entity)

    # --- update inbox (record before acknowledging, then handle) ---
    async def record_updates(self, updates: Sequence[InboxedUpdate], *, now: datetime) -> list[int]:
        """Record a batch in one transaction; the ids not recorded before, in the batch's order."""
        return await update_inbox_table.record_updates(self._conn, updates, now=now)

    async def unhandled_updates(self) -> list[InboxedUpdate]:
        """Every recorded update not yet marked handled, in update_id order."""
        return await update_inbox_table.unhandled_updates(self._conn)

    async def mark_updates_handled(self, update_ids: Sequence[int], *, now: datetime) -> None:
        """Mark updates handled in one transaction (ids never recorded are ignored)."""
        await update_inbox_table.mark_updates_handled(self._conn, update_ids, now=now)

    async def newest_update(self) -> NewestUpdate | None:
        """The highest recorded update id (None while the inbox is empty)."""
        return await update_inbox_table.newest_update(self._conn)

    async def prune_handled_updates(self, *, before: datetime) -> int:
        """Delete rows handled before `before`, except the newest row; the number deleted."""
        return await update_inbox_table.prune_handled_updates(self._conn, before=before)

    # --- shop events (webhook delivery) ---
    async def events_after(self, event_id: int, *, limit: int) -> list[Event]:
        """Up to `limit` events with an id above `event_id`, in id order."""
        return await event_tables.events_after(self._conn, event_id, limit=limit)

    async def delivered_event_id(self) -> int:
        """The id of the last event the webhook acknowledged (0 before the first)."""
        return await event_tables.delivered_event_id(self._conn)

    async def mark_event_delivered(self, event_id: int) -> None:
        """Remember that the webhook acknowledged every event up to `event_id`."""
        await event_tables.mark_event_delivered(self._conn, event_id)

    # --- customer actions ---
    async def order_state(self, order_id: str) -> OrderState | None:
        """An order with its version, preference and line facts."""
        return await action_tables.read_order_state(self._conn, order_id)

    async def apply_order_change(
        self, order_id: str, decide: Decide, *, actor: str, at: datetime
    ) -> OrderChange | ActionResult:
        """In one transaction: re-read the order, let `decide` plan, write the plan with audit."""
        return await action_tables.apply_order_change(
            self._conn, order_id, decide, actor=actor, at=at
        )

    async def products_in_category(self, category: str, currency: str) -> list[Product]:
        """Products of one category priced in one currency."""
        return await action_tables.read_products_in_category(self._conn, category, currency)

    async def refunds(self, order_ids: Collection[str] | None = None) -> list[RefundRecord]:
        """Refund obligations, oldest first (of these orders, or all)."""
        return await action_tables.read_refunds(self._conn, order_ids)

    # --- outbox ---
    async def enqueue_messages(self, messages: list[OutgoingMessage], *, now: datetime) -> int:
        """Queue messages in one transaction (duplicate dedupe keys ignored); rows inserted."""
        return await outbox_tables.enqueue_messages(self._conn, messages, now=now)

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
        return await outbox_tables.due_messages(
            self._conn,
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
            self._conn, row_id, sender=sender, clock=clock, until=until
        )

    async def outbox_claimants(self, *, clock: float) -> set[str]:
        """The senders holding a claim that is live at `clock` (wall-clock epoch seconds)."""
        return await outbox_tables.claimants(self._conn, clock=clock)

    async def release_claims(self, senders: Collection[str]) -> None:
        """Drop every claim of these senders."""
        await outbox_tables.release_claims(self._conn, senders)

    async def mark_sent(
        self, deliveries: Sequence[Delivery], *, at: datetime, sender: str | None = None
    ) -> None:
        """Record successful sends (one transaction) of rows `sender` holds (None: unclaimed)."""
        await outbox_tables.mark_sent(self._conn, deliveries, at=at, sender=sender)

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
            self._conn,
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
            self._conn, row_id, attempts=attempts, error=error, sender=sender
        )

    async def mark_chat_unreachable(self, chat_id: int, *, reason: str, at: datetime) -> None:
        """Hold every message to a chat (audited)."""
        await outbox_tables.mark_chat_unreachable(self._conn, chat_id, reason=reason, at=at)

    async def mark_chat_reachable(self, chat_id: int, *, at: datetime) -> bool:
        """Release a chat's held messages (audited); False when it was not unreachable."""
        return await outbox_tables.mark_chat_reachable(self._conn, chat_id, at=at)

    async def outbox_summary(self) -> OutboxSummary:
        """Counts by state, the unreachable chats and the notices no chat received."""
        summary = await outbox_tables.outbox_summary(self._conn)
        undelivered = await notice_delivery_tables.read_undelivered_notices(self._conn)
        return replace(summary, undelivered_notices=tuple(undelivered))

    # --- staff alerts and refunds ---
    async def known_alerts(self, kind: AlertKind, subjects: Collection[str]) -> set[str]:
        """Which of these subjects of `kind` were already raised."""
        return await alert_tables.known_alerts(self._conn, kind, subjects)

    async def record_alerts(
        self, alerts: Sequence[RaisedAlert], *, now: datetime
    ) -> tuple[AlertKey, ...]:
        """Record the alerts not raised before and queue their messages, in one transaction."""
        return await alert_tables.record_alerts(self._conn, alerts, now=now)

    async def alert_by_handle(self, handle_: str) -> AlertRecord | None:
        """The alert whose button carries this handle."""
        return await alert_tables.alert_by_handle(self._conn, handle_)

    async def due_refunds(self, before: date | None = None) -> list[DueRefund]:
        """Refunds with status `due` (due before `before`, when given), oldest due first."""
        return await alert_tables.read_due_refunds(self._conn, before)

    async def blocked_questions(self) -> list[BlockedQuestion]:
        """Open delay questions of customers whose linked chats are all unreachable."""
        return await alert_tables.read_blocked_questions(self._conn)

    async def unreachable_mark(self) -> str:
        """A value that changes whenever a chat becomes unreachable or reachable again."""
        return await alert_tables.read_unreachable_mark(self._conn)

    async def mark_refund_paid(
        self, refund_id: int, *, actor: str, at: datetime
    ) -> RefundPaid | RefundAlreadyPaid | None:
        """Set a due refund paid (audited, `refund.paid` event) in one transaction."""
        return await alert_tables.mark_refund_paid(self._conn, refund_id, actor=actor, at=at)

    # --- staff chats ---
    async def set_staff_prompt(self, prompt: StaffPrompt) -> None:
        """Open `prompt` in its chat, replacing any other."""
        await staff_prompt_table.set_prompt(self._conn, prompt)

    async def staff_prompt(
        self, chat_id: int, user_id: int, *, now: datetime
    ) -> StaffPrompt | None:
        """The chat's open question for this user, unless it expired by `now`."""
        return await staff_prompt_table.read_prompt(self._conn, chat_id, user_id, now=now)

    async def clear_staff_prompt(self, chat_id: int) -> None:
        """Close the chat's question, if any."""
        await staff_prompt_table.clear_prompt(self._conn, chat_id)

    # --- hand-off (DESIGN §12) ---
    async def support_thread(self, support_chat_id: int, customer_id: str) -> int | None:
        """The customer's topic in that support chat, if one was ever created."""
        return await handoff_tables.support_thread(self._conn, support_chat_id, customer_id)

    async def save_support_thread(
        self, support_chat_id: int, customer_id: str, thread_id: int, *, at: datetime
    ) -> None:
        """Remember the customer's topic in that support chat."""
        await handoff_tables.save_support_thread(
            self._conn, support_chat_id, customer_id, thread_id, at=at
        )

    async def latest_handoff(self, customer_id: str) -> Handoff | None:
        """The customer's most recent hand-off (open or closed), if any."""
        return await handoff_tables.latest_handoff(self._conn, customer_id)

    async def handoff_in_thread(self, support_chat_id: int, thread_id: int) -> Handoff | None:
        """The most recent hand-off held in that topic, if any."""
        return await handoff_tables.handoff_in_thread(self._conn, support_chat_id, thread_id)

    async def open_handoff(
        self, customer_id: str, support_chat_id: int, thread_id: int, *, actor: str, at: datetime
    ) -> Handoff:
        """Start a hand-off (audited); the customer's open one if there is one already."""
        return await handoff_tables.open_handoff(
            self._conn, customer_id, support_chat_id, thread_id, actor=actor, at=at
        )

    async def close_handoff(self, handoff_id: int, *, actor: str, at: datetime) -> Handoff | None:
        """Close an open hand-off (audited); None if it was not open."""
        return await handoff_tables.close_handoff(self._conn, handoff_id, actor=actor, at=at)

    async def mark_customer_told(self, handoff_id: int) -> bool:
        """Record that the customer was told their message reached the team; False if already."""
        return await handoff_tables.mark_customer_told(self._conn, handoff_id)

    async def claim_relay(
        self, handoff_id: int, from_chat_id: int, from_message_id: int, *, at: datetime
    ) -> RelayClaim:
        """Take a message for relaying, or learn that its copy was already made."""
        return await handoff_tables.claim_relay(
            self._conn, handoff_id, from_chat_id, from_message_id, at=at
        )

    async def finish_relay(
        self, from_chat_id: int, from_message_id: int, to_chat_id: int, copy_message_id: int
    ) -> None:
        """Record the copy of a relayed message."""
        await handoff_tables.finish_relay(
            self._conn, from_chat_id, from_message_id, to_chat_id, copy_message_id
        )

    async def reply_chats(self, customer_id: str) -> list[int]:
        """The customer's linked chats the bot can write to, most recently linked first."""
        return await handoff_tables.reply_chats(self._conn, customer_id)

    async def find_purchase_order_id(self, typed: str) -> str | None:
        """The stored po_id staff meant by `typed`: an exact match, else the one matching it
        without regard to case (ASCII, SQLite's NOCASE); None when none does or several do."""
        return await self._find_key("purchase_orders", "po_id", typed)

    async def find_sku(self, typed: str) -> str | None:
        """As `find_purchase_order_id`, for a product's SKU."""
        return await self._find_key("products", "sku", typed)

    async def _find_key(self, table: str, column: str, typed: str) -> str | None:
        # Why: table and column are this module's constants, never typed text.
        rows = await self._all(
            f"SELECT {column} FROM {table} WHERE {column} = ?1 COLLATE NOCASE"
            f" ORDER BY {column} = ?1 DESC LIMIT 2",
            (typed,),
        )
        if rows and (str(rows[0][0]) == typed or len(rows) == 1):
            return str(rows[0][0])
        return None

    async def purchase_order_ids(self) -> list[str]:
        """Every purchase order id (staff buttons resolve their handles among them)."""
        return [str(row[0]) for row in await self._all("SELECT po_id FROM purchase_orders")]

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
        return await notice_tables.read_versioned_open_orders(
            self._conn, customer_id, customer_ids=customer_ids, order_ids=order_ids
        )

    async def notice_states(self, order_ids: Collection[str]) -> dict[str, NoticeState]:
        """Stored notice states of these orders."""
        return await notice_tables.read_notice_states(self._conn, order_ids)

    async def customers_with_chats(
        self, customer_ids: Collection[str]
    ) -> dict[str, tuple[Customer, tuple[int, ...]]]:
        """Customers and the chats linked to each."""
        return await notice_tables.read_customers_with_chats(self._conn, customer_ids)

    async def last_notice_id(self) -> int:
        """The highest notice id ever given (0: none)."""
        return await notice_tables.last_notice_id(self._conn)

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
        return await notice_tables.write_sweep(self._conn, changes, messages, now=now, read=read)

    async def save_notice_states(
        self, states: Sequence[NoticeState], *, action: str, actor: str, at: datetime
    ) -> None:
        """Store notice states changed by the customer or by a look at their orders (audited)."""
        await notice_tables.save_states(self._conn, states, action=action, actor=actor, at=at)

    async def notice_history(self, order_id: str | None = None) -> list[NoticeRecord]:
        """Notices decided, oldest first (of one order, or all)."""
        return await notice_tables.read_notice_history(self._conn, order_id)

    async def pending_notices(
        self, *, customer_ids: Collection[str] | None = None, held_after: datetime | None = None
    ) -> list[PendingNotice]:
        """Notices not known to be delivered yet, with the outbox rows carrying each (of
        `customer_ids`; with a row held past `held_after`, when given)."""
        return await notice_delivery_tables.read_pending_notices(
            self._conn, customer_ids=customer_ids, held_after=held_after
        )

    async def alerted_notices(self, order_ids: Collection[str]) -> dict[str, AlertedNotice]:
        """Each order's latest alerted undelivered notice, unless one was delivered since."""
        return await notice_delivery_tables.read_alerted_notices(self._conn, order_ids)

    async def settle_notices(self, settlement: Settlement, *, now: datetime) -> int:
        """Record delivered and undelivered notices, resends and alerts; outbox rows queued."""
        return await notice_delivery_tables.write_settlement(self._conn, settlement, now=now)

    async def withdraw_notices(
        self, withdrawn: Sequence[WithdrawnNotice], *, now: datetime, clock: float
    ) -> tuple[str, ...]:
        """Take back queued, unsent notices (rows, history; states restored, audited)."""
        return await notice_delivery_tables.withdraw_notices(
            self._conn, withdrawn, now=now, clock=clock
        )

    async def retry_undelivered_notices(self, customer_id: str, *, at: datetime) -> tuple[str, ...]:
        """Hand a customer's undelivered notices back to the sweep (audited); their order ids."""
        return await notice_delivery_tables.retry_undelivered(self._conn, customer_id, at=at)

    # --- broadcasts ---
    async def suppliers(self) -> list[str]:
        """The distinct supplier names of the products."""
        return await broadcast_tables.read_suppliers(self._conn)

    async def known_order_ids(self, order_ids: Collection[str]) -> set[str]:
        """Which of these order ids are stored."""
        return await broadcast_tables.read_known_order_ids(self._conn, order_ids)

    async def segment_groups(self, segment: SegmentFilter) -> list[SegmentGroup]:
        """The segment's customers counted by language tag, linked and held."""
        return await broadcast_tables.read_segment_groups(self._conn, segment)

    def segment_customers(
        self,
        segment: SegmentFilter,
        *,
        languages: Collection[str] | None = None,
        customer_ids: Collection[str] | None = None,
        linked_only: bool = True,
    ) -> AsyncIterator[list[SegmentCustomer]]:
        """The segment's customers (linked ones unless told) with their orders, in batches."""
        return broadcast_tables.read_segment_customers(
            self._conn,
            segment,
            languages=languages,
            customer_ids=customer_ids,
            linked_only=linked_only,
        )

    async def record_broadcast(
        self, broadcast: NewBroadcast, copies: Sequence[RecipientCopy], *, now: datetime
    ) -> tuple[int, int]:
        """Record a broadcast and queue its copies, audited, in one transaction: (id, queued)."""
        return await broadcast_tables.write_broadcast(self._conn, broadcast, copies, now=now)

    async def broadcast_record(self, broadcast_id: int) -> BroadcastRecord | None:
        """A broadcast as recorded, or None."""
        return await broadcast_tables.read_broadcast(self._conn, broadcast_id)

    async def broadcast_records(self, *, limit: int = 50) -> list[BroadcastRecord]:
        """The latest broadcasts, newest first."""
        return await broadcast_tables.read_broadcasts(self._conn, limit=limit)

    async def broadcast_progress(
        self, broadcast_id: int, *, now: datetime | None = None
    ) -> Progress:
        """A broadcast's copies by state and language (those held past `now` for quiet hours
        counted as waiting for morning), and when its sends happened."""
        return await broadcast_tables.read_progress(self._conn, broadcast_id, now=now)

    async def stop_broadcast(self, broadcast_id: int, *, actor: str, at: datetime) -> int:
        """Withdraw a broadcast's pending copies and record the stop (audited); how many."""
        return await broadcast_tables.write_stop(self._conn, broadcast_id, actor=actor, at=at)

    # --- the /broadcast wizard ---
    async def start_broadcast_draft(self, chat_id: int, user_id: int, *, now: datetime) -> Draft:
        """A fresh draft for the chat (replacing any other), with a new draft number."""
        return await draft_tables.start_draft(self._conn, chat_id, user_id, now=now)

    async def broadcast_draft(self, chat_id: int, user_id: int) -> Draft | None:
        """The chat's draft of this user, or None."""
        return await draft_tables.read_draft(self._conn, chat_id, user_id)

    async def save_broadcast_draft(self, draft: Draft, *, now: datetime) -> None:
        """Store the draft's step, contents and screen (same chat and draft number)."""
        await draft_tables.save_draft(self._conn, draft, now=now)

    async def clear_broadcast_draft(self, chat_id: int) -> bool:
        """Close the chat's draft; whether there was one."""
        return await draft_tables.clear_draft(self._conn, chat_id)

    async def add_progress_message(self, progress: ProgressMessage) -> None:
        """Remember a progress message to keep editing."""
        await draft_tables.add_progress(self._conn, progress)

    async def progress_messages(self) -> list[ProgressMessage]:
        """The progress messages whose broadcast has not been reported finished."""
        return await draft_tables.read_progress(self._conn)

    async def progress_message(self, broadcast_id: int) -> ProgressMessage | None:
        """A broadcast's progress message (finished or not), or None."""
        found = await draft_tables.read_progress(self._conn, broadcast_id)
        return found[0] if found else None

    async def finish_progress_message(self, broadcast_id: int) -> None:
        """The final report is shown: stop editing it."""
        await draft_tables.finish_progress(self._conn, broadcast_id)

    # --- stats (DESIGN §12) ---
    def stats_snapshot(self) -> AbstractAsyncContextManager[stats_tables.StatsSnapshot]:
        """The stats reads over read connections sharing one snapshot (storage.stats)."""
        return stats_tables.stats_snapshot(self._conn, busy_timeout_ms=BUSY_TIMEOUT_MS)

    async def watch_backorders(self, *, now: datetime) -> int:
        """Remember backordered orders of linked customers; how many were new."""
        return await rating_tables.watch_backorders(self._conn, now=now)

    async def close_backorders(self, *, now: datetime) -> int:
        """Mark remembered orders without an open line as closed `now`; how many."""
        return await rating_tables.close_backorders(self._conn, now=now)

    async def closed_backorders(self) -> list[ClosedOrder]:
        """Closed remembered orders still to be asked about, oldest closure first."""
        return await rating_tables.closed_backorders(self._conn)

    async def give_up_backorders(
        self, order_ids: Collection[str], *, reason: Literal["unreachable", "stale"]
    ) -> None:
        """These orders will not be asked about, and why."""
        await rating_tables.give_up_backorders(self._conn, order_ids, reason=reason)

    async def rating_chats(self, customer_ids: Collection[str]) -> dict[str, RatingChat]:
        """Each customer's most recently linked reachable chat."""
        return await rating_tables.rating_chats(self._conn, customer_ids)

    async def queue_ratings(
        self, requests: Sequence[RatingRequest], *, now: datetime
    ) -> dict[str, Asked]:
        """Record the questions and queue their messages in one transaction, by subject."""
        return await rating_tables.queue_ratings(self._conn, requests, now=now)

    async def customer_ratings(self, customer_id: str) -> list[Rating]:
        """Every question asked of the customer, oldest first."""
        return await rating_tables.customer_ratings(self._conn, customer_id)

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
        return await rating_tables.record_score(
            self._conn,
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
        return await rating_tables.pending_comment(self._conn, chat_id, now=now)

    async def record_comment(
        self,
        rating_id: int,
        comment: str | None,
        *,
        now: datetime,
        alerts: Collection[OutgoingMessage],
    ) -> bool:
        """Store the comment (None: skipped) once; False when none was awaited."""
        return await rating_tables.record_comment(
            self._conn, rating_id, comment, now=now, alerts=alerts
        )

    async def stop_awaiting_comment(self, chat_id: int) -> None:
        """The chat's next text is no comment."""
        await rating_tables.stop_awaiting_comment(self._conn, chat_id)

    async def csat(self, *, since: datetime | None = None) -> Csat:
        """Answered questions (at or after `since`) and their mean score."""
        return await rating_tables.csat(self._conn, since=since)

    # --- helpers ---
    async def _all(self, query: str, params: Any = ()) -> list[sqlite3.Row]:
        async with self._conn.execute(query, params) as cursor:
            return list(await cursor.fetchall())

    async def _in(self, prefix: str, keys: Sequence[str], suffix: str = "") -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = []
        for start in range(0, len(keys), IN_CHUNK):
            chunk = keys[start : start + IN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows += await self._all(f"{prefix} ({marks}){suffix}", chunk)
        return rows


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
