"""The chat-test shop plus substitutes and customers in French and Russian, for the action flows."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.model import Customer, Order, OrderLine, Product
from bot.services.eta import recompute_etas
from storage.store import SqlStore
from tests.e2e import shop
from tests.e2e.shop import NOW, RULES, TODAY

FRANCOIS = Customer("C-FRANCOIS", "François", email="francois@example.fr", language="fr")
OLGA = Customer("C-OLGA", "Ольга", email="olga@example.ru", language="ru")
# Chat ids of linked customers, one per test where a test needs several.
CHAT = {"alice": 7001, "bob": 7002, "carmen": 7003, "francois": 7004, "olga": 7005}


async def seed(store: SqlStore) -> None:
    """The e2e shop; chairs and desks get in-stock substitutes, the sofa has none."""
    await shop.seed(store)
    products = await store.get_products({"CHAIR", "DESK"})
    await store.upsert_products(
        [
            replace(products["CHAIR"], category="chairs", alternatives=("CHAIR-MESH",)),
            replace(products["DESK"], category="desks"),
            Product("CHAIR-MESH", "Mesh chair", 15300, "EUR", on_hand=10, category="chairs"),
            Product("CHAIR-WOOD", "Wooden chair", 13900, "EUR", on_hand=10, category="chairs"),
            Product("DESK-OAK", "Oak desk", 49900, "EUR", on_hand=3, category="desks"),
        ],
        actor="test",
        at=NOW,
    )
    orders = [
        Order(
            "5005",
            FRANCOIS.customer_id,
            NOW,
            "EUR",
            lines=(
                OrderLine("5005", 1, "LAMP", 1, 2999),
                OrderLine("5005", 2, "CHAIR", 1, 14900),
            ),
        ),
        Order(
            "6006",
            OLGA.customer_id,
            NOW,
            "EUR",
            lines=(
                OrderLine("6006", 1, "LAMP", 2, 2999),
                OrderLine("6006", 2, "DESK", 1, 49900),
            ),
        ),
    ]
    await store.upsert_orders([FRANCOIS, OLGA], orders, actor="test", at=NOW)
    await recompute_etas(store, rules=RULES, today=TODAY)


async def link(store: SqlStore, chat_id: int, customer_id: str) -> None:
    """Link a chat to a customer directly (the linking flow has its own tests)."""
    await store.link_chat(chat_id, customer_id, via="order_contact", actor="test", at=NOW)
