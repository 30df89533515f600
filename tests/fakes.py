"""An in-memory Store (plus open-order reads) for service tests about rules, not SQL."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime

from bot.domain.handles import handle
from bot.domain.model import (
    Customer,
    LineEta,
    LineStatus,
    Order,
    Product,
    PurchaseOrder,
)
from bot.domain.notice_store import VersionedOrder
from bot.domain.open_orders import OpenOrders
from bot.domain.order_number import order_key
from bot.domain.store import AuditEntry, Demand, EtaMark, RecomputeMarks, SkuBook


@dataclass
class FakeStore:
    """Keeps everything in dicts; mirrors the SQLite store's observable behaviour."""

    products: dict[str, Product] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    purchase_orders: dict[str, PurchaseOrder] = field(default_factory=dict)
    etas: dict[tuple[str, int], LineEta] = field(default_factory=dict)
    chat_links: dict[int, str] = field(default_factory=dict)
    chat_languages: dict[int, str] = field(default_factory=dict)
    chosen_languages: dict[str, str] = field(default_factory=dict)
    link_failures: list[tuple[int, datetime]] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    # sku -> (change number that marked it, change number recomputed)
    marks: dict[str, tuple[int, int]] = field(default_factory=dict)

    def _mark(self, skus: Collection[str]) -> None:
        number = max((marked for marked, _ in self.marks.values()), default=0) + 1
        for sku in skus:
            self.marks[sku] = (number, self.marks.get(sku, (0, 0))[1])

    def _log(
        self, actor: str, at: datetime, action: str, entity: str, before: object, after: object
    ) -> None:
        self.audit.append(AuditEntry(actor, at, action, entity, _json(before), _json(after)))

    async def known_skus(self) -> set[str]:
        """SKUs of all stored products."""
        return set(self.products)

    async def upsert_products(
        self, products: Sequence[Product], *, actor: str, at: datetime
    ) -> None:
        """Insert or update products by SKU."""
        for product in products:
            before = self.products.get(product.sku)
            self.products[product.sku] = product
            self._log(actor, at, "product.upsert", f"product:{product.sku}", before, product)
        self._mark({product.sku for product in products})

    async def upsert_orders(
        self, customers: Sequence[Customer], orders: Sequence[Order], *, actor: str, at: datetime
    ) -> None:
        """Insert or update customers, orders and their lines by key."""
        for customer in customers:
            before = self.customers.get(customer.customer_id)
            self.customers[customer.customer_id] = customer
            entity = f"customer:{customer.customer_id}"
            self._log(actor, at, "customer.upsert", entity, before, customer)
        for order in orders:
            previous = self.orders.get(order.order_id)
            lines = {line.line_no: line for line in previous.lines} if previous else {}
            lines.update((line.line_no, line) for line in order.lines)
            merged = replace(order, lines=tuple(lines[number] for number in sorted(lines)))
            self.orders[order.order_id] = merged
            self._log(actor, at, "order.upsert", f"order:{order.order_id}", previous, merged)
            old = previous.lines if previous else ()
            self._mark({line.sku for line in (*old, *merged.lines)})

    async def upsert_purchase_orders(
        self, purchase_orders: Sequence[PurchaseOrder], *, actor: str, at: datetime
    ) -> None:
        """Insert or update purchase orders by po_id."""
        for po in purchase_orders:
            before = self.purchase_orders.get(po.po_id)
            self.purchase_orders[po.po_id] = po
            self._log(actor, at, "purchase_order.upsert", f"purchase_order:{po.po_id}", before, po)
            self._mark({po.sku} | ({before.sku} if before else set()))

    async def sku_books(self, skus: Collection[str] | None = None) -> list[SkuBook]:
        """Supply and open demand per SKU (all SKUs when `skus` is None)."""
        wanted = sorted(self.products if skus is None else set(skus) & set(self.products))
        return [self._book(self.products[sku]) for sku in wanted]

    def _book(self, product: Product) -> SkuBook:
        demand = [
            Demand(
                order.order_id,
                line.line_no,
                line.quantity,
                order.priority,
                order.placed_at,
                line.ship_now,
            )
            for order in self.orders.values()
            for line in order.lines
            if line.sku == product.sku and line.status == LineStatus.OPEN
        ]
        pos = [po for po in self.purchase_orders.values() if po.sku == product.sku]
        return SkuBook(
            product.sku,
            product.on_hand,
            product.lead_time_days,
            product.handling_days,
            pos,
            demand,
        )

    async def save_etas(
        self,
        etas: Sequence[LineEta],
        *,
        skus: Collection[str] | None,
        computed_on: date,
        seen: int | None = None,
    ) -> None:
        """Replace the stored ETAs of those SKUs (all when None) with `etas`; with `seen`, SKUs
        marked after it are left alone and the others' marks cleared."""
        stored = {eta.sku for eta in (*self.etas.values(), *etas)}
        replaced = set(self.products) | stored if skus is None else set(skus)
        if seen is not None:
            replaced -= {sku for sku, (marked, _) in self.marks.items() if marked > seen}
            for sku, (marked, _) in list(self.marks.items()):
                if marked <= seen and (skus is None or sku in replaced):
                    self.marks[sku] = (marked, marked)
        self.etas = {key: eta for key, eta in self.etas.items() if eta.sku not in replaced}
        self.etas.update(((eta.order_id, eta.line_no), eta) for eta in etas if eta.sku in replaced)

    async def eta_marks(self) -> RecomputeMarks:
        """The marks not recomputed yet (written by this process, at no particular time)."""
        seen = max((marked for marked, _ in self.marks.values()), default=0)
        pending = tuple(
            EtaMark(sku, "fake", 0.0)
            for sku, (marked, recomputed) in sorted(self.marks.items())
            if marked > recomputed
        )
        return RecomputeMarks(seen, pending)

    async def line_etas(self, order_ids: Collection[str]) -> dict[tuple[str, int], LineEta]:
        """Stored ETAs of the lines of these orders, keyed by (order_id, line_no)."""
        wanted = set(order_ids)
        return {key: eta for key, eta in self.etas.items() if key[0] in wanted}

    async def get_order(self, order_id: str) -> Order | None:
        """One order with all its lines."""
        return self.orders.get(order_id)

    async def order_ids_by_key(self, key: str) -> list[str]:
        """Ids of the orders whose lookup key (bot.domain.order_number) is `key`, in id order."""
        return sorted(order_id for order_id in self.orders if order_key(order_id) == key)

    async def order_ids_by_handle(self, order_handle: str) -> list[str]:
        """Ids of the orders whose short handle (bot.domain.handles) is `order_handle`."""
        return sorted(i for i in self.orders if handle("order", i) == order_handle)

    async def customer_order_ids(self, customer_id: str) -> list[str]:
        """Every order id of a customer, open or closed."""
        return [
            order.order_id for order in self.orders.values() if order.customer_id == customer_id
        ]

    async def open_orders(self, customer_id: str) -> list[Order]:
        """A customer's orders that still have an open line, newest first, with all lines."""
        found = [
            order
            for order in self.orders.values()
            if order.customer_id == customer_id
            and any(line.status == LineStatus.OPEN for line in order.lines)
        ]
        return sorted(found, key=lambda order: (order.placed_at, order.order_id), reverse=True)

    async def customer_open_orders(self, customer_id: str) -> OpenOrders:
        """Open orders with their ETAs and product names; the fake keeps no versions or states."""
        orders = await self.open_orders(customer_id)
        skus = {line.sku for order in orders for line in order.lines}
        return OpenOrders(
            tuple(VersionedOrder(order, 0) for order in orders),
            await self.line_etas([order.order_id for order in orders]),
            {sku: product.name for sku, product in (await self.get_products(skus)).items()},
            {},
        )

    async def get_customer(self, customer_id: str) -> Customer | None:
        """One customer; language is the chosen one, else the imported one."""
        customer = self.customers.get(customer_id)
        chosen = self.chosen_languages.get(customer_id)
        return replace(customer, language=chosen) if customer and chosen else customer

    async def customers_by_phone(self, phone_digits: str) -> list[Customer]:
        """Customers whose phone, reduced to digits, ends with or equals `phone_digits`."""
        wanted = _digits(phone_digits)
        if not wanted:
            return []
        return [
            customer
            for _, customer in sorted(self.customers.items())
            if _digits(customer.phone or "").endswith(wanted)
        ]

    async def get_products(self, skus: Collection[str]) -> dict[str, Product]:
        """Products by SKU."""
        return {sku: self.products[sku] for sku in skus if sku in self.products}

    async def get_purchase_orders(self, po_ids: Collection[str]) -> dict[str, PurchaseOrder]:
        """Purchase orders by po_id."""
        return {
            po_id: self.purchase_orders[po_id] for po_id in po_ids if po_id in self.purchase_orders
        }

    async def imported_customers(self, customer_ids: Collection[str]) -> dict[str, Customer]:
        """Customers by id as the orders CSV set them (imported language, not the chosen one)."""
        return {key: self.customers[key] for key in customer_ids if key in self.customers}

    async def linked_customer(self, chat_id: int) -> str | None:
        """The customer a chat is linked to."""
        return self.chat_links.get(chat_id)

    async def link_chat(
        self, chat_id: int, customer_id: str, *, via: str, actor: str, at: datetime
    ) -> None:
        """Link a chat to a customer (replacing any earlier link of that chat)."""
        before = self.chat_links.get(chat_id)
        self.chat_links[chat_id] = customer_id
        after = {"customer_id": customer_id, "via": via}
        self._log(actor, at, "chat.link", f"chat:{chat_id}", before, after)

    async def unlink_chat(self, chat_id: int, *, actor: str, at: datetime) -> bool:
        """Make a chat forget its customer (audited); False when it was not linked."""
        before = self.chat_links.pop(chat_id, None)
        if before is None:
            return False
        self._log(actor, at, "chat.unlink", f"chat:{chat_id}", {"customer_id": before}, None)
        return True

    async def record_link_failure(self, chat_id: int, *, at: datetime) -> None:
        """Remember one failed linking attempt."""
        self.link_failures.append((chat_id, at))

    async def link_failures_since(self, chat_id: int, since: datetime) -> int:
        """Failed linking attempts of a chat since a moment."""
        return sum(1 for chat, at in self.link_failures if chat == chat_id and at >= since)

    async def chat_language(self, chat_id: int) -> str | None:
        """Language chosen in a chat; it wins in that chat, linked or not (DESIGN §7)."""
        return self.chat_languages.get(chat_id)

    async def set_chat_language(
        self, chat_id: int, language: str, *, actor: str, at: datetime
    ) -> None:
        """Save a language choice for a chat."""
        before = self.chat_languages.get(chat_id)
        self.chat_languages[chat_id] = language
        self._log(actor, at, "chat.language", f"chat:{chat_id}", before, language)

    async def set_customer_language(
        self, customer_id: str, language: str, *, actor: str, at: datetime
    ) -> None:
        """Save a customer's language choice."""
        if customer_id not in self.customers:
            raise KeyError(f"no customer {customer_id!r}")
        before = self.chosen_languages.get(customer_id)
        self.chosen_languages[customer_id] = language
        entity = f"customer:{customer_id}"
        self._log(actor, at, "customer.language", entity, before, language)

    async def get_setting(self, key: str) -> str | None:
        """A stored setting."""
        return self.settings.get(key)

    async def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        self.settings[key] = value

    async def audit_entries(self, entity: str | None = None) -> list[AuditEntry]:
        """Audit log, oldest first, optionally for one entity."""
        return [entry for entry in self.audit if entity is None or entry.entity == entity]


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _json(value: object) -> str | None:
    if value is None:
        return None
    plain = asdict(value) if hasattr(value, "__dataclass_fields__") else value  # type: ignore[call-overload]
    return json.dumps(plain, default=str, sort_keys=True)
