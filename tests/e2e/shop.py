"""A small shop for the chat tests: one customer per confidence kind, seeded through the store."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.clock import FrozenClock
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Customer, Order, OrderLine, PoStatus, Product, PurchaseOrder
from bot.domain.store import Store
from bot.services.eta import recompute_etas
from storage.store import SqlStore

TODAY = date(2026, 12, 2)  # a Wednesday
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
RULES = EtaRules(calendar=BusinessCalendar(holidays=frozenset()), default_handling_days=1)

# Ship dates the ETA rules give with one handling day and no holidays (DESIGN §5).
LAMP_SHIPS = date(2026, 12, 3)  # in stock today -> next business day
CHAIR_PO_DUE = date(2026, 12, 14)  # confirmed purchase order, a Monday
CHAIR_SHIPS = date(2026, 12, 15)
DESK_SHIPS = date(2026, 12, 24)  # lead time 21 days -> Wed 23 Dec + 1 business day

ALICE = Customer(
    "C-ALICE", "Alice", email="alice@example.com", phone="+49 170 1234567", language="de"
)
BOB = Customer("C-BOB", "Bob", email="bob@example.com", phone="+44 7700 900123", language="en")
CARMEN = Customer("C-CARMEN", "Carmen <&>", email="carmen@example.es", language="es")


def clock() -> FrozenClock:
    """The frozen moment every chat test runs at."""
    return FrozenClock(NOW)


async def seed(store: Store) -> None:
    """Products, purchase orders and the orders of Alice (1001), Bob (2002) and Carmen (3003)."""
    products = [
        Product("LAMP", "Desk lamp", 2999, "EUR", on_hand=5, category="lighting"),
        Product("CHAIR", "Office chair", 14900, "EUR", on_hand=0, lead_time_days=30),
        Product("DESK", "Standing desk", 49900, "EUR", on_hand=0, lead_time_days=21),
        Product("SOFA", "Corner sofa", 99900, "EUR", on_hand=0),
    ]
    await store.upsert_products(products, actor="test", at=NOW)
    chair_po = PurchaseOrder("PO-1", "CHAIR", 10, CHAIR_PO_DUE, status=PoStatus.CONFIRMED)
    await store.upsert_purchase_orders([chair_po], actor="test", at=NOW)

    def order(order_id: str, customer: Customer, lines: list[tuple[str, int]]) -> Order:
        return Order(
            order_id,
            customer.customer_id,
            NOW,
            "EUR",
            lines=tuple(
                OrderLine(order_id, number, sku, quantity, 1000)
                for number, (sku, quantity) in enumerate(lines, start=1)
            ),
        )

    orders = [
        order("1001", ALICE, [("LAMP", 1), ("CHAIR", 2), ("DESK", 1), ("SOFA", 1)]),
        order("2002", BOB, [("CHAIR", 1)]),
        order("3003", CARMEN, [("CHAIR", 1)]),
    ]
    await store.upsert_orders([ALICE, BOB, CARMEN], orders, actor="test", at=NOW)
    await recompute_etas(store, rules=RULES, today=TODAY)


async def add_order(store: SqlStore, customer: Customer, order: Order) -> None:
    """Add `order` of `customer` while the bot runs: the order and its dates in one transaction,
    so the bot's sweep never sees the order without a date.

    Give the order a promised ship date its estimate meets (`promised_ship_date`) when the test
    reads a conversation: then no notice is owed (no good news against the 30-day promise, 16 CFR
    435.1), and none can land between the replies the test reads, whenever the sweep runs."""
    async with store.atomic():
        await store.upsert_orders([customer], [order], actor="test", at=NOW)
        await recompute_etas(store, rules=RULES, today=TODAY)
