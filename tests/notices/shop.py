"""A shop of chair buyers waiting for one supplier delivery, each linked to a Telegram chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Customer, Jurisdiction, Order, OrderLine, Product, PurchaseOrder
from bot.services.eta import recompute_etas
from bot.services.importing import import_csv
from bot.services.notices import mark_communicated
from storage.store import SqlStore

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday morning, outside quiet hours
TODAY = NOW.date()
RULES = EtaRules(calendar=BusinessCalendar(holidays=frozenset()), default_handling_days=1)
PROMISED = date(2026, 12, 18)
PO_DUE = date(2026, 12, 14)  # ships Tue 15 Dec, before the promise
SLIPPED_PO_DUE = date(2026, 12, 28)  # ships Tue 29 Dec, eleven days late
SLIPPED_SHIPS = date(2026, 12, 29)
CHAIR_PRICE = 14900


@dataclass(frozen=True)
class Buyer:
    """A customer with one chair order, chatting from `chat_id`."""

    chat_id: int
    language: str = "en"
    jurisdiction: Jurisdiction | None = Jurisdiction.US

    @property
    def customer_id(self) -> str:
        """The shop's id of this customer."""
        return f"C-{self.chat_id}"

    @property
    def order_id(self) -> str:
        """The order of this customer."""
        return f"O-{self.chat_id}"


async def seed(store: SqlStore, buyers: list[Buyer]) -> None:
    """The chair, its purchase order, one order per buyer, and each buyer's chat linked."""
    chair = Product("CHAIR", "Office chair", CHAIR_PRICE, "EUR", on_hand=0, lead_time_days=30)
    await store.upsert_products([chair], actor="test", at=NOW)
    supply = PurchaseOrder("PO-1", "CHAIR", 10_000, PO_DUE)
    await store.upsert_purchase_orders([supply], actor="test", at=NOW)
    customers = [Customer(b.customer_id, f"Buyer {b.chat_id}", language=b.language) for b in buyers]
    orders = [
        Order(
            b.order_id,
            b.customer_id,
            NOW - timedelta(days=1),
            "EUR",
            promised_ship_date=PROMISED,
            jurisdiction=b.jurisdiction,
            lines=(OrderLine(b.order_id, 1, "CHAIR", 1, CHAIR_PRICE),),
        )
        for b in buyers
    ]
    await store.upsert_orders(customers, orders, actor="test", at=NOW)
    await recompute_etas(store, rules=RULES, today=TODAY)
    for buyer in buyers:
        await store.link_chat(
            buyer.chat_id, buyer.customer_id, via="deep_link", actor="test", at=NOW
        )
        await mark_communicated(store, buyer.customer_id, now=NOW)


def slip_csv(directory: Path) -> Path:
    """The supplier's update: PO-1 arrives two weeks later."""
    path = directory / "slip.csv"
    path.write_text(
        f"po_id,sku,quantity,expected_date\nPO-1,CHAIR,10000,{SLIPPED_PO_DUE.isoformat()}\n",
        encoding="utf-8",
    )
    return path


async def import_slip(store: SqlStore, directory: Path) -> None:
    """Import the slip the way the command line does (validate, write, recompute)."""
    await import_csv(
        store,
        "purchase-orders",
        slip_csv(directory),
        timezone=ZoneInfo("UTC"),
        rules=RULES,
        now=NOW,
        actor="cli",
    )
