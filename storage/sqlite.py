"""The SQLite implementation of the Store protocol (aiosqlite, WAL, migrations on open)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiosqlite

import storage.etas as eta_tables
from bot.domain.model import Customer, LineEta, Order, OrderLine, Product, PurchaseOrder
from bot.domain.store import AuditEntry, SkuBook
from storage.audit import Change, changed, read_entries, write_changes
from storage.codec import (
    IN_CHUNK,
    customer_from,
    customer_params,
    date_or_none,
    digits_of,
    iso_or_none,
    jurisdiction_or_none,
    line_from,
    line_params,
    product_from,
    product_params,
    purchase_order_params,
    row_dict,
    utc_text,
)
from storage.migrations import apply_migrations
from storage.transaction import transaction

BUSY_TIMEOUT_MS = 5000


async def open_store(path: Path | str) -> SqliteStore:
    """Connect (WAL, foreign keys on, busy timeout), apply pending migrations, return the store."""
    # Why: isolation_level=None hands transactions to us, so each one is an explicit BEGIN/COMMIT.
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await apply_migrations(conn)
    except BaseException:
        await conn.close()
        raise
    return SqliteStore(conn)


class SqliteStore:
    """Persistence on one aiosqlite connection; every mutation is one audited transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    @property
    def connection(self) -> aiosqlite.Connection:
        """The underlying connection (for storage helpers and tests)."""
        return self._conn

    async def close(self) -> None:
        """Close the connection."""
        await self._conn.close()

    # --- import ---
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

    async def upsert_orders(
        self, customers: Sequence[Customer], orders: Sequence[Order], *, actor: str, at: datetime
    ) -> None:
        """Insert or update customers, orders and their lines by key."""
        async with transaction(self._conn):
            changes = await self._upsert_customers(customers)
            changes += await self._upsert_order_rows(orders)
            await write_changes(self._conn, changes, actor=actor, at=at)

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
            """INSERT INTO orders (order_id, customer_id, placed_at, placed_at_utc, currency,
                   promised_ship_date, jurisdiction, priority)
               VALUES (:order_id, :customer_id, :placed_at, :placed_at_utc, :currency,
                   :promised_ship_date, :jurisdiction, :priority)
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
                   status = excluded.status""",
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

    # --- ETA ---
    async def sku_books(self, skus: Collection[str] | None = None) -> list[SkuBook]:
        """Supply and open demand per SKU (all SKUs when `skus` is None)."""
        return await eta_tables.read_sku_books(self._conn, skus)

    async def save_etas(
        self, etas: Sequence[LineEta], *, skus: Collection[str] | None, computed_on: date
    ) -> None:
        """Replace the stored ETAs of those SKUs (all when None) with `etas`."""
        await eta_tables.write_etas(self._conn, etas, skus=skus, computed_on=computed_on)

    async def line_etas(self, order_ids: Collection[str]) -> dict[tuple[str, int], LineEta]:
        """Stored ETAs of the lines of these orders, keyed by (order_id, line_no)."""
        return await eta_tables.read_line_etas(self._conn, order_ids)

    # --- reading ---
    async def get_order(self, order_id: str) -> Order | None:
        """One order with all its lines."""
        orders = await self._orders_with_lines(
            await self._all("SELECT * FROM orders WHERE order_id = ?", (order_id,))
        )
        return orders[0] if orders else None

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

    async def get_customer(self, customer_id: str) -> Customer | None:
        """One customer."""
        rows = await self._all("SELECT * FROM customers WHERE customer_id = ?", (customer_id,))
        return customer_from(rows[0]) if rows else None

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

    # --- chats ---
    async def linked_customer(self, chat_id: int) -> str | None:
        """The customer a chat is linked to."""
        rows = await self._all("SELECT customer_id FROM chat_links WHERE chat_id = ?", (chat_id,))
        return str(rows[0][0]) if rows else None

    async def link_chat(
        self, chat_id: int, customer_id: str, *, via: str, actor: str, at: datetime
    ) -> None:
        """Link a chat to a customer (replacing any earlier link of that chat)."""
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
            before = row_dict(rows[0]) if rows else None
            change = Change("chat.link", f"chat:{chat_id}", before, after)
            await write_changes(self._conn, [change], actor=actor, at=at)

    async def record_link_failure(self, chat_id: int, *, at: datetime) -> None:
        """Remember one failed linking attempt."""
        async with transaction(self._conn):
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

    async def chat_language(self, chat_id: int) -> str | None:
        """Language chosen in a chat that is not linked yet."""
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


def _order_header(order: Order) -> dict[str, object]:
    return {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "placed_at": order.placed_at.isoformat(),
        "placed_at_utc": utc_text(order.placed_at),
        "currency": order.currency,
        "promised_ship_date": iso_or_none(order.promised_ship_date),
        "jurisdiction": order.jurisdiction.value if order.jurisdiction else None,
        "priority": order.priority,
    }
