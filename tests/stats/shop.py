"""A small shop whose every stats figure can be worked out by hand (see each comment).

Today is Wednesday 2026-12-02 (UTC), one handling day, no holidays (DESIGN §5).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Customer, Order, OrderLine, PoStatus, Product, PurchaseOrder
from bot.services.cancel import cancel_for_system, confirm_cancel
from bot.services.eta import recompute_etas
from storage.store import SqlStore
from tests.sql import execute, execute_many

TODAY = date(2026, 12, 2)
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ZONE = ZoneInfo("UTC")
RULES = EtaRules(calendar=BusinessCalendar(holidays=frozenset()), default_handling_days=1)
REFUND_DAYS = 14

# Chats: Ann's reaches her; Cy's blocked the bot; Ben's blocked it too (but Ben waits for nothing).
ANN_CHAT, BEN_CHAT, CY_CHAT = 9001, 9002, 9003


def customers() -> list[Customer]:
    """Ann, Ben, Cy, Dee (waiting or not, see `seed`), Eve and Fay (whose orders get cancelled)."""
    return [
        Customer(f"C-{name.upper()}", name) for name in ("Ann", "Ben", "Cy", "Dee", "Eve", "Fay")
    ]


def days_ago(days: int, hour: int = 10) -> datetime:
    """A moment `days` calendar days before today."""
    return datetime.combine(TODAY - timedelta(days=days), datetime.min.time(), UTC).replace(
        hour=hour
    )


def _order(
    order_id: str,
    customer: str,
    placed: datetime,
    promised: date | None,
    lines: list[tuple[str, int]],
) -> Order:
    return Order(
        order_id,
        f"C-{customer.upper()}",
        placed,
        "EUR",
        promised_ship_date=promised,
        lines=tuple(
            OrderLine(order_id, number, sku, quantity, 1000)
            for number, (sku, quantity) in enumerate(lines, start=1)
        ),
    )


async def seed(store: SqlStore) -> None:
    """Products, purchase orders, orders and their ETAs; then the month's history."""
    await store.upsert_products(
        [
            Product("WIDGET", "Widget", 1000, "EUR", on_hand=2, lead_time_days=10, supplier="Acme"),
            Product("GADGET", "Gadget", 1000, "EUR", on_hand=0, supplier="Bolt"),
            Product("LAMP", "Lamp", 1000, "EUR", on_hand=10, supplier="Acme"),
        ],
        actor="test",
        at=NOW,
    )
    await store.upsert_purchase_orders(
        [
            # Overdue (expected before today, units to come): Acme's, by its product.
            PurchaseOrder("PO-A1", "WIDGET", 10, date(2026, 11, 25)),
            # Past its date but fully received: not overdue.
            PurchaseOrder("PO-A2", "WIDGET", 4, date(2026, 11, 20), received_quantity=4),
            PurchaseOrder("PO-B1", "GADGET", 5, date(2026, 12, 20), status=PoStatus.PLANNED),
            # Cancelled: neither overdue nor supply.
            PurchaseOrder("PO-B2", "GADGET", 5, date(2026, 11, 1), status=PoStatus.CANCELLED),
            # Overdue, with its own supplier Zeta, for a product nobody waits for.
            PurchaseOrder("PO-Z1", "LAMP", 5, date(2026, 11, 30), supplier="Zeta"),
        ],
        actor="test",
        at=NOW,
    )
    await store.upsert_orders(
        customers(),
        [
            _order("O1", "Ann", days_ago(2), date(2026, 12, 3), [("WIDGET", 3), ("LAMP", 1)]),
            _order("O2", "Ben", days_ago(12), date(2026, 12, 1), [("WIDGET", 2)]),
            _order("O3", "Cy", days_ago(62), date(2026, 10, 15), [("GADGET", 1)]),
            _order("O4", "Dee", days_ago(22), None, [("GADGET", 4)]),
            _order("O5", "Eve", days_ago(5), None, [("LAMP", 1)]),
            _order("O6", "Fay", days_ago(6), None, [("LAMP", 1)]),
        ],
        actor="test",
        at=NOW,
    )
    await recompute_etas(store, rules=RULES, today=TODAY)
    await _history(store)


async def _history(store: SqlStore) -> None:
    for chat_id, customer in ((ANN_CHAT, "C-ANN"), (BEN_CHAT, "C-BEN"), (CY_CHAT, "C-CY")):
        await store.link_chat(chat_id, customer, via="deep_link", actor="test", at=NOW)
    for chat_id in (BEN_CHAT, CY_CHAT):
        await store.mark_chat_unreachable(chat_id, reason="blocked", at=NOW)
    # The delay policy cancels Eve's order; Fay cancels hers (both through the real cancel path).
    await cancel_for_system(
        store,
        "O5",
        reason="delay_no_answer",
        now=NOW - timedelta(days=1),
        timezone=ZONE,
        rules=RULES,
        refund_days=REFUND_DAYS,
    )
    fay = await store.order_state("O6")
    assert fay is not None
    await confirm_cancel(
        store,
        "C-FAY",
        "O6",
        None,
        fay.version,
        actor="telegram:9006",
        now=NOW,
        timezone=ZONE,
        rules=RULES,
        refund_days=REFUND_DAYS,
    )
    await execute_many(
        store,
        "INSERT INTO events (type, order_id, payload, created_at)"
        ' VALUES (:type, :order_id, \'{"actor": "test"}\', :at)',
        [
            {"type": "line.swapped", "order_id": "O1", "at": days_ago(3).isoformat()},
            {"type": "line.swapped", "order_id": "O1", "at": days_ago(40).isoformat()},
            {"type": "order.split", "order_id": "O4", "at": days_ago(4).isoformat()},
        ],
    )
    # Notices: (order, kind, delivery, decided days ago).
    notices = [
        ("O6", "delay_first", "delivered", 5),  # answered: Fay cancelled afterwards
        ("O3", "delay_first", "delivered", 10),  # answered: Cy agreed to wait (below)
        ("O4", "delay_renewed", "delivered", 2),  # not answered
        ("O1", "good_news", "delivered", 1),  # sent, not a question
        ("O4", "delay_first", "undelivered", 1),  # never reached anyone
        ("O3", "delay_first", "delivered", 40),  # before the 30 days
    ]
    await execute_many(
        store,
        """INSERT INTO notice_log (order_id, customer_id, kind, promised_date,
               silence_means, refund_minor, currency, decided_at, chats, delivery)
           SELECT :order_id, customer_id, :kind, '2026-12-01', 'nothing', 0, 'EUR', :at, 1,
                  :delivery
             FROM orders WHERE order_id = :order_id""",
        [
            {"order_id": order_id, "kind": kind, "at": days_ago(ago).isoformat(), "delivery": way}
            for order_id, kind, way, ago in notices
        ],
    )
    await execute(
        store,
        """INSERT INTO audit_log (at, actor, action, entity, before, after)
           VALUES (:at, 'telegram:9003', 'notice.consent', 'order:O3', NULL, '{}')""",
        at=days_ago(9).isoformat(),
    )
    # A refund past its date, and a paid one that would be.
    await execute(
        store,
        """INSERT INTO refunds (order_id, line_no, amount_minor, currency, due_date, status,
               reason, created_at)
           VALUES ('O2', 1, 500, 'EUR', '2026-11-25', 'due', 'swap_price_decrease', :now),
                  ('O1', 1, 500, 'EUR', '2026-11-20', 'paid', 'swap_price_decrease', :now)""",
        now=NOW.isoformat(),
    )
    # Ratings: (customer, score, answered days ago); Dee was asked and has not answered.
    ratings = [("C-ANN", 5, 2), ("C-BEN", 2, 10), ("C-CY", 1, 40), ("C-DEE", None, None)]
    await execute_many(
        store,
        """INSERT INTO ratings (customer_id, subject, chat_id, asked_at, score, answered_at)
           VALUES (:customer, :subject, 1, :asked_at, :score, :answered_at)""",
        [
            {
                "customer": customer,
                "subject": f"order:{customer}",
                "asked_at": days_ago(45).isoformat(),
                "score": score,
                "answered_at": None if answered is None else days_ago(answered).isoformat(),
            }
            for customer, score, answered in ratings
        ],
    )


def clock() -> FrozenClock:
    """The frozen moment the tests run at."""
    return FrozenClock(NOW)
