"""A large, deterministic shop written straight into a store (SQLite or PostgreSQL) for the
benchmarks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Table, text

from storage.bulk import insert_rows
from storage.schema import customers, order_lines, orders, products, purchase_orders
from storage.store import open_store

TODAY = date(2026, 12, 2)
BATCH = 100_000
SEED = 20261202


@dataclass(frozen=True)
class ShopSize:
    """How many rows of each kind the generated shop has."""

    open_lines: int
    skus: int
    purchase_orders: int
    customers: int
    orders: int

    @classmethod
    def scaled(cls, scale: float) -> ShopSize:
        """The benchmark's full size (1M open lines) times `scale`, at least one of each."""

        def size(full: int) -> int:
            return max(1, round(full * scale))

        return cls(size(1_000_000), size(20_000), size(50_000), size(100_000), size(400_000))


def customer_id(number: int) -> str:
    """The id of the n-th generated customer."""
    return f"C{number:06d}"


async def build_shop(target: Path | str, size: ShopSize) -> None:
    """Create a migrated store at `target` (a SQLite path or a PostgreSQL URL) filled with a shop
    of that size (bulk inserts: storage/bulk.py)."""
    store = await open_store(target)
    rng = random.Random(SEED)
    try:
        inserts: list[tuple[Table, tuple[str, ...], Iterator[tuple[Any, ...]]]] = [
            (
                products,
                (
                    "sku",
                    "name",
                    "category",
                    "price_minor",
                    "currency",
                    "on_hand",
                    "lead_time_days",
                    "handling_days",
                ),
                _products(rng, size),
            ),
            (
                customers,
                ("customer_id", "name", "email", "phone", "phone_digits", "language"),
                _customers(rng, size),
            ),
            (
                orders,
                ("order_id", "customer_id", "placed_at", "placed_at_utc", "currency", "priority"),
                _orders(rng, size),
            ),
            (
                order_lines,
                ("order_id", "line_no", "sku", "quantity", "unit_price_minor"),
                _lines(rng, size),
            ),
            (
                purchase_orders,
                ("po_id", "sku", "quantity", "received_quantity", "expected_date", "status"),
                _purchase_orders(rng, size),
            ),
        ]
        for table, columns, rows in inserts:
            while batch := list(islice(rows, BATCH)):
                async with store.database.write() as conn:
                    await insert_rows(conn, table, columns, batch)
        async with store.database.write() as conn:
            await conn.execute(text("ANALYZE"))
    finally:
        await store.close()


def _sku(number: int) -> str:
    return f"SKU-{number:06d}"


def _products(rng: random.Random, size: ShopSize) -> Iterator[tuple[Any, ...]]:
    for number in range(size.skus):
        lead_time = None if rng.random() < 0.1 else rng.randint(7, 60)
        handling = None if rng.random() < 0.8 else rng.randint(0, 3)
        on_hand = rng.randint(0, 60)
        category = f"cat-{number % 25}"
        yield _sku(number), f"Product {number}", category, 1999, "EUR", on_hand, lead_time, handling


def _customers(rng: random.Random, size: ShopSize) -> Iterator[tuple[Any, ...]]:
    languages = ("en", "de", "es", "fr", "ru")
    for number in range(size.customers):
        phone = f"+4917{number:08d}"
        yield (
            customer_id(number),
            f"Customer {number}",
            f"c{number}@example.com",
            phone,
            phone[1:],
            rng.choice(languages),
        )


def _orders(rng: random.Random, size: ShopSize) -> Iterator[tuple[Any, ...]]:
    start = datetime(2026, 9, 1, tzinfo=UTC)
    span_seconds = 90 * 24 * 3600
    for number in range(size.orders):
        placed = start + timedelta(seconds=rng.randrange(span_seconds))
        priority = 1 if rng.random() < 0.05 else 0
        yield (
            f"O{number:07d}",
            customer_id(rng.randrange(size.customers)),
            placed.isoformat(),
            placed.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "EUR",
            priority,
        )


def _lines(rng: random.Random, size: ShopSize) -> Iterator[tuple[Any, ...]]:
    line_no = 0
    previous = -1
    for number in range(size.open_lines):
        # Why: spreading lines evenly over orders keeps every order with at least one line.
        order = number * size.orders // size.open_lines
        line_no = line_no + 1 if order == previous else 1
        previous = order
        # Why: squaring a uniform draw makes some SKUs hot, as in a real backorder book.
        sku = int(size.skus * rng.random() ** 2)
        yield f"O{order:07d}", line_no, _sku(sku), rng.randint(1, 5), 1999


def _purchase_orders(rng: random.Random, size: ShopSize) -> Iterator[tuple[Any, ...]]:
    for number in range(size.purchase_orders):
        quantity = rng.randint(10, 200)
        received = rng.randint(0, quantity) if rng.random() < 0.1 else 0
        expected = TODAY + timedelta(days=rng.randint(-10, 90))
        draw = rng.random()
        status = "cancelled" if draw < 0.05 else "planned" if draw < 0.2 else "confirmed"
        sku = int(size.skus * rng.random() ** 2)
        yield f"PO{number:07d}", _sku(sku), quantity, received, expected.isoformat(), status
