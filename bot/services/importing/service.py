"""Use case: import a products, orders or purchase-orders CSV file, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.eta import EtaRules
from bot.domain.store import Store
from bot.services.eta import recompute_etas
from bot.services.importing import orders, products, purchase_orders
from bot.services.importing.table import Problems, Record, read_table
from bot.services.importing.terminal import keep_final_statuses

COLUMNS = {
    "products": (products.REQUIRED, products.OPTIONAL),
    "orders": (orders.REQUIRED, orders.OPTIONAL),
    "purchase-orders": (purchase_orders.REQUIRED, purchase_orders.OPTIONAL),
}


@dataclass
class ImportReport:
    """Rows imported, or the errors that stopped the import (nothing is written then)."""

    rows: int
    errors: list[str] = field(default_factory=list)
    # Lines the file lists with another status than the shipped or cancelled one they keep.
    kept_status: int = 0


async def import_csv(
    store: Store,
    kind: str,
    path: Path,
    *,
    timezone: ZoneInfo,
    rules: EtaRules,
    now: datetime,
    actor: str,
) -> ImportReport:
    """Validate every row of the file, then write all of it and recompute the affected ETAs."""
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(COLUMNS)}")
    problems = Problems(str(path))
    required, optional = COLUMNS[kind]
    records = read_table(path, required=required, optional=optional, problems=problems)
    if problems.messages:
        return ImportReport(0, problems.messages)
    if not records:
        # Why: a nightly export with nothing new is a header-only file; that is not an error.
        return ImportReport(0)
    write = {"products": _products, "orders": _orders, "purchase-orders": _purchase_orders}[kind]
    written = await write(store, records, problems, _Context(timezone, now, actor))
    if problems.messages:
        return ImportReport(0, problems.messages)
    today = now.astimezone(timezone).date()
    await recompute_etas(store, rules=rules, today=today, skus=written.skus)
    return ImportReport(len(records), [], kept_status=written.kept_status)


@dataclass(frozen=True, slots=True)
class _Context:
    timezone: ZoneInfo
    now: datetime
    actor: str


@dataclass(frozen=True, slots=True)
class _Written:
    skus: set[str]
    kept_status: int = 0


async def _products(
    store: Store, records: list[Record], problems: Problems, context: _Context
) -> _Written:
    skus = {record.cells["sku"] for record in records}
    items = products.parse_products(
        records,
        problems,
        stored_skus=await store.known_skus(),
        stored=await store.get_products(skus),
    )
    if problems.messages:
        return _Written(set())
    await store.upsert_products(items, actor=context.actor, at=context.now)
    return _Written({item.sku for item in items})


async def _orders(
    store: Store, records: list[Record], problems: Problems, context: _Context
) -> _Written:
    order_ids = dict.fromkeys(
        record.cells["order_id"] for record in records if record.cells["order_id"]
    )
    previous = [order for order_id in order_ids if (order := await store.get_order(order_id))]
    customer_ids = {record.cells["customer_id"] for record in records}
    parsed = orders.parse_orders(
        records,
        problems,
        stored_skus=await store.known_skus(),
        stored_orders={order.order_id: order for order in previous},
        stored_customers=await store.imported_customers(customer_ids),
        timezone=context.timezone,
    )
    if problems.messages:
        return _Written(set())
    final = keep_final_statuses(parsed.orders, previous)
    await store.upsert_orders(parsed.customers, final.orders, actor=context.actor, at=context.now)
    # Why: a line moved to another SKU frees units of the SKU it had before.
    skus = {line.sku for order in [*final.orders, *previous] for line in order.lines}
    return _Written(skus, final.kept)


async def _purchase_orders(
    store: Store, records: list[Record], problems: Problems, context: _Context
) -> _Written:
    po_ids = {record.cells["po_id"] for record in records}
    items = purchase_orders.parse_purchase_orders(
        records,
        problems,
        stored_skus=await store.known_skus(),
        stored=await store.get_purchase_orders(po_ids),
    )
    if problems.messages:
        return _Written(set())
    await store.upsert_purchase_orders(items, actor=context.actor, at=context.now)
    return _Written({item.sku for item in items})
