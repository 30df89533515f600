"""The storage port: what services need from persistence (SQLite in `storage/`, fakes in tests)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.domain.model import Customer, LineEta, Order, Product, PurchaseOrder


@dataclass(frozen=True, slots=True)
class Demand:
    """An open order line waiting for units of one SKU, with its queue keys (DESIGN §5.2)."""

    order_id: str
    line_no: int
    quantity: int
    priority: int
    placed_at: datetime
    # Why: stock released to the customer ("ship what is ready") stays theirs; it queues first.
    released: bool = False


@dataclass(frozen=True, slots=True)
class SkuBook:
    """Everything the ETA allocation needs for one SKU."""

    sku: str
    on_hand: int
    lead_time_days: int | None
    handling_days: int | None
    purchase_orders: Sequence[PurchaseOrder]
    demand: Sequence[Demand]


# The mark that stands for every SKU (a change whose SKUs are not known one by one).
EVERY_SKU = "*"


@dataclass(frozen=True, slots=True)
class EtaMark:
    """A SKU whose ETA inputs changed and whose ETAs were not saved since: which SKU (EVERY_SKU
    for all), the process that changed it (bot.domain.processes tag, expected to recompute it)
    and when (wall-clock epoch seconds)."""

    sku: str
    writer: str
    at: float


@dataclass(frozen=True, slots=True)
class RecomputeMarks:
    """The durable "needs recompute" marks, written in the transaction of each change.

    `seen` is the number of the latest change the marks cover: a save of ETAs computed from data
    read after these marks clears them up to `seen` only, so a change made meanwhile stays marked.
    """

    seen: int
    pending: tuple[EtaMark, ...] = ()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded change: who, when, what, and the value before."""

    actor: str
    at: datetime
    action: str
    entity: str
    before: str | None
    after: str | None


class Store(Protocol):
    """Persistence used by services; every mutating call is atomic and audited."""

    # --- import (each call is one all-or-nothing transaction) ---
    async def known_skus(self) -> set[str]:
        """SKUs of all stored products."""
        ...

    async def upsert_products(
        self, products: Sequence[Product], *, actor: str, at: datetime
    ) -> None:
        """Insert or update products by SKU (their SKUs marked for a recompute)."""
        ...

    async def upsert_orders(
        self, customers: Sequence[Customer], orders: Sequence[Order], *, actor: str, at: datetime
    ) -> None:
        """Insert or update customers, orders and their lines by key (SKUs marked, old and new)."""
        ...

    async def upsert_purchase_orders(
        self, purchase_orders: Sequence[PurchaseOrder], *, actor: str, at: datetime
    ) -> None:
        """Insert or update purchase orders by po_id (SKUs marked, old and new)."""
        ...

    # --- ETA ---
    async def sku_books(self, skus: Collection[str] | None = None) -> list[SkuBook]:
        """Supply and open demand per SKU (all SKUs when `skus` is None)."""
        ...

    async def save_etas(
        self,
        etas: Sequence[LineEta],
        *,
        skus: Collection[str] | None,
        computed_on: date,
        seen: int | None = None,
    ) -> None:
        """Replace the stored ETAs of those SKUs (all when None) with `etas`.

        With `seen` (RecomputeMarks.seen read before the data): in the same transaction, SKUs
        changed after `seen` keep their ETAs and marks, and the others' marks are cleared.
        """
        ...

    async def eta_marks(self) -> RecomputeMarks:
        """The SKUs marked as changed and not recomputed since (written with every change)."""
        ...

    async def line_etas(self, order_ids: Collection[str]) -> dict[tuple[str, int], LineEta]:
        """Stored ETAs of the lines of these orders, keyed by (order_id, line_no)."""
        ...

    # --- reading ---
    async def get_order(self, order_id: str) -> Order | None:
        """One order with all its lines."""
        ...

    async def order_ids_by_key(self, key: str) -> list[str]:
        """Ids of the orders whose lookup key (bot.domain.order_number) is `key`, in id order."""
        ...

    async def order_ids_by_handle(self, order_handle: str) -> list[str]:
        """Ids of the orders whose short handle (bot.domain.handles) is `order_handle`."""
        ...

    async def open_orders(self, customer_id: str) -> list[Order]:
        """A customer's orders that still have an open line, newest first, with all lines."""
        ...

    async def customer_order_ids(self, customer_id: str) -> list[str]:
        """Every order id of a customer, open or closed."""
        ...

    async def get_customer(self, customer_id: str) -> Customer | None:
        """One customer."""
        ...

    async def customers_by_phone(self, phone_digits: str) -> list[Customer]:
        """Customers whose phone, reduced to digits, ends with or equals `phone_digits`."""
        ...

    async def get_products(self, skus: Collection[str]) -> dict[str, Product]:
        """Products by SKU."""
        ...

    async def get_purchase_orders(self, po_ids: Collection[str]) -> dict[str, PurchaseOrder]:
        """Purchase orders by po_id."""
        ...

    async def imported_customers(self, customer_ids: Collection[str]) -> dict[str, Customer]:
        """Customers by id as the orders CSV set them (imported language, not the chosen one)."""
        ...

    # --- chats ---
    async def linked_customer(self, chat_id: int) -> str | None:
        """The customer a chat is linked to."""
        ...

    async def link_chat(
        self, chat_id: int, customer_id: str, *, via: str, actor: str, at: datetime
    ) -> None:
        """Link a chat to a customer (replacing any earlier link of that chat)."""
        ...

    async def unlink_chat(self, chat_id: int, *, actor: str, at: datetime) -> bool:
        """Make a chat forget its customer (audited); False when it was not linked."""
        ...

    async def record_link_failure(self, chat_id: int, *, at: datetime) -> None:
        """Remember one failed linking attempt."""
        ...

    async def link_failures_since(self, chat_id: int, since: datetime) -> int:
        """Failed linking attempts of a chat since a moment."""
        ...

    async def chat_language(self, chat_id: int) -> str | None:
        """Language chosen in a chat; it wins in that chat, linked or not (DESIGN §7)."""
        ...

    async def set_chat_language(
        self, chat_id: int, language: str, *, actor: str, at: datetime
    ) -> None:
        """Save a language choice for a chat."""
        ...

    async def set_customer_language(
        self, customer_id: str, language: str, *, actor: str, at: datetime
    ) -> None:
        """Save a customer's language choice."""
        ...

    # --- misc ---
    async def get_setting(self, key: str) -> str | None:
        """A stored setting."""
        ...

    async def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        ...

    async def audit_entries(self, entity: str | None = None) -> list[AuditEntry]:
        """Audit log, oldest first, optionally for one entity."""
        ...


class ImportStore(Store, Protocol):
    """What a file import needs on top of the Store: batch reads and one transaction for all."""

    def atomic(self) -> AbstractAsyncContextManager[object]:
        """One transaction around several writes of this task: all of them commit or none."""
        ...

    async def get_orders(self, order_ids: Collection[str]) -> dict[str, Order]:
        """Orders by id with all their lines (the ones stored; unknown ids are left out)."""
        ...
