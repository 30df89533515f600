"""A shop for the broadcast tests: customers in five languages and three jurisdictions, waiting
on two purchase orders of one supplier and on another supplier's lead time; some linked, one
blocked, one with two chats, one not linked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import (
    Customer,
    Jurisdiction,
    LineStatus,
    Order,
    OrderLine,
    PoStatus,
    Product,
    PurchaseOrder,
)
from bot.services.eta import recompute_etas
from storage.store import SqlStore
from tests.sql import fetch_value

TODAY = date(2026, 12, 2)  # a Wednesday
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
RULES = EtaRules(calendar=BusinessCalendar(holidays=frozenset()), default_handling_days=1)

# Ship dates under the ETA rules (one handling day, no holidays).
PO1_SHIPS = date(2026, 12, 15)  # PO-1 due Mon 14 Dec
PO2_SHIPS = date(2027, 1, 12)  # PO-2 due Mon 11 Jan
DESK_SHIPS = date(2026, 12, 24)  # lead time 21 days -> Wed 23 Dec + 1 business day
LAMP_SHIPS = date(2026, 12, 3)  # in stock

# name: (customer_id, language, jurisdiction, chats linked oldest first, orders as [(sku, qty)])
ANNA = "C-ANNA"
BEN = "C-BEN"
CLARA = "C-CLARA"
DMITRI = "C-DMITRI"
EMMA = "C-EMMA"
FILIPE = "C-FILIPE"
GRETA = "C-GRETA"
HUGO = "C-HUGO"
IVY = "C-IVY"

CHATS: dict[str, tuple[int, ...]] = {
    ANNA: (701,),
    BEN: (702,),
    CLARA: (703,),
    DMITRI: (704,),
    FILIPE: (706,),
    GRETA: (707,),
    HUGO: (708, 709),
}
CHAT_OF = {customer: chats[-1] for customer, chats in CHATS.items()}
BLOCKED_CHAT = 704
LANGUAGE_OF = {
    ANNA: "de",
    BEN: "en",
    CLARA: "es",
    DMITRI: "ru",
    EMMA: "fr",
    FILIPE: "pt-BR",
    GRETA: "de-AT",
    HUGO: None,
    IVY: "en",
}
JURISDICTION_OF = {
    ANNA: Jurisdiction.EU,
    BEN: Jurisdiction.US,
    CLARA: Jurisdiction.EU,
    DMITRI: Jurisdiction.EU,
    EMMA: Jurisdiction.UK,
    FILIPE: Jurisdiction.US,
    GRETA: Jurisdiction.EU,
    HUGO: Jurisdiction.US,
    IVY: Jurisdiction.US,
}
# order_id: (customer, [(sku, quantity)], status); placed a day apart in this order, so the
# chairs queue A1, B1 (PO-1's 3 units), then C1, E1, H1 (PO-2).
ORDERS: list[tuple[str, str, list[tuple[str, int]], LineStatus]] = [
    ("A1", ANNA, [("CHAIR", 2)], LineStatus.OPEN),
    ("B1", BEN, [("CHAIR", 1)], LineStatus.OPEN),
    ("B2", BEN, [("LAMP", 1)], LineStatus.OPEN),
    ("C1", CLARA, [("CHAIR", 1)], LineStatus.OPEN),
    ("D1", DMITRI, [("DESK", 1)], LineStatus.OPEN),
    ("E1", EMMA, [("CHAIR", 2)], LineStatus.OPEN),
    ("F1", FILIPE, [("DESK", 1)], LineStatus.OPEN),
    ("G1", GRETA, [("LAMP", 1)], LineStatus.OPEN),
    ("H1", HUGO, [("CHAIR", 1)], LineStatus.OPEN),
    ("H2", HUGO, [("DESK", 1)], LineStatus.OPEN),
    ("I1", IVY, [("CHAIR", 1)], LineStatus.SHIPPED),
]
WAITING = {ANNA, BEN, CLARA, DMITRI, EMMA, FILIPE, HUGO}  # an open backordered line each


async def seed(store: SqlStore, *, link: bool = True) -> None:
    """Products, purchase orders, orders, ETAs; the chats linked and 704 blocked."""
    products = [
        Product(
            "CHAIR", "Office chair", 14900, "EUR", 0, lead_time_days=30, supplier="Acme Seating"
        ),
        Product("DESK", "Standing desk", 49900, "EUR", 0, lead_time_days=21, supplier="Woodworks"),
        Product("LAMP", "Desk lamp", 2999, "EUR", 10, supplier="Brightlight"),
    ]
    await store.upsert_products(products, actor="test", at=NOW)
    await store.upsert_purchase_orders(
        [
            PurchaseOrder("PO-1", "CHAIR", 3, date(2026, 12, 14), supplier="Acme Seating"),
            PurchaseOrder(
                "PO-2",
                "CHAIR",
                10,
                date(2027, 1, 11),
                status=PoStatus.CONFIRMED,
                supplier="Acme Seating",
            ),
        ],
        actor="test",
        at=NOW,
    )
    customers = [
        Customer(customer_id, customer_id.removeprefix("C-").title(), language=language)
        for customer_id, language in LANGUAGE_OF.items()
    ]
    orders = [
        Order(
            order_id,
            customer_id,
            NOW - timedelta(days=30 - number),
            "EUR",
            jurisdiction=JURISDICTION_OF[customer_id],
            lines=tuple(
                OrderLine(order_id, line_no, sku, quantity, 1000, status)
                for line_no, (sku, quantity) in enumerate(lines, start=1)
            ),
        )
        for number, (order_id, customer_id, lines, status) in enumerate(ORDERS)
    ]
    await store.upsert_orders(customers, orders, actor="test", at=NOW)
    await recompute_etas(store, rules=RULES, today=TODAY)
    if link:
        await link_chats(store)


async def link_chats(store: SqlStore) -> None:
    """Link every chat of CHATS (a customer's later chat linked later) and block BLOCKED_CHAT."""
    for customer_id, chats in CHATS.items():
        for number, chat_id in enumerate(chats):
            at = NOW - timedelta(hours=len(chats) - number)
            await store.link_chat(chat_id, customer_id, via="deep_link", actor="test", at=at)
    await store.mark_chat_unreachable(
        BLOCKED_CHAT, reason="Forbidden: bot was blocked by the user", at=NOW
    )


async def outbox_rows(store: SqlStore) -> int:
    """How many rows the outbox holds."""
    return int(await fetch_value(store, "SELECT count(*) FROM outbox"))
