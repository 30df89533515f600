"""The storage port of staff supply changes: one audited write per change, and who waits (§10)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, Protocol, TypeVar

from bot.domain.delays import NoticeKind, SilenceMeans
from bot.domain.link_guard import LinkGuardStore
from bot.domain.model import Confidence, Product, PurchaseOrder
from bot.domain.notice_store import NoticeStore
from bot.domain.outbox import OutboxStore
from bot.domain.overdue_supply import OverdueSupplyStore
from bot.domain.supply_changes import Refused

PurchaseOrderRule = Callable[[PurchaseOrder], PurchaseOrder | Refused]
ProductRule = Callable[[Product], Product | Refused]
T = TypeVar("T", PurchaseOrder, Product)


@dataclass(frozen=True, slots=True)
class SupplyWrite(Generic[T]):
    """A change written: the value before and after, and the newest notice id when it was made
    (the notices it causes come after it)."""

    before: T
    after: T
    notice_mark: int


@dataclass(frozen=True, slots=True)
class WaitingLine:
    """An open order line of a SKU with its customer and stored ETA (None: not computed)."""

    order_id: str
    line_no: int
    customer_id: str
    quantity: int
    ship_date: date | None
    confidence: Confidence | None


@dataclass(frozen=True, slots=True)
class DecidedNotice:
    """A notice decided after a moment: its kind, what silence means, and the chats it went to."""

    order_id: str
    kind: NoticeKind
    silence_means: SilenceMeans
    chats: int


class SupplyStore(NoticeStore, Protocol):
    """Persistence for staff changes to purchase orders and on-hand units."""

    async def find_purchase_order_id(self, typed: str) -> str | None:
        """The stored po_id staff meant by `typed`: an exact match, else the one matching it
        without regard to case; None when none does or several do."""
        ...

    async def find_sku(self, typed: str) -> str | None:
        """As `find_purchase_order_id`, for a product's SKU."""
        ...

    async def change_purchase_order(
        self, po_id: str, rule: PurchaseOrderRule, *, action: str, actor: str, at: datetime
    ) -> SupplyWrite[PurchaseOrder] | Refused:
        """In one transaction: read the purchase order, apply `rule`, write it with its audit row
        and its SKU's recompute mark; Refused (UNKNOWN when there is none) writes nothing."""
        ...

    async def change_product(
        self, sku: str, rule: ProductRule, *, action: str, actor: str, at: datetime
    ) -> SupplyWrite[Product] | Refused:
        """As `change_purchase_order`, for a product."""
        ...

    async def waiting_lines(self, sku: str) -> list[WaitingLine]:
        """The SKU's open lines in serving order (DESIGN §5.2) with customers and stored ETAs."""
        ...

    async def notices_after(
        self, notice_id: int, order_ids: Collection[str]
    ) -> list[DecidedNotice]:
        """Notices of these orders decided after notice `notice_id`, oldest first."""
        ...


class StaffLookupStore(SupplyStore, OutboxStore, OverdueSupplyStore, LinkGuardStore, Protocol):
    """What staff screens read: purchase orders, products, orders, chats, notices, refunds."""

    async def purchase_order_ids(self) -> list[str]:
        """Every purchase order id (staff buttons resolve their handles among them)."""
        ...

    async def notice_holds(self, notice_ids: Collection[int]) -> dict[int, datetime]:
        """For each of these notices whose message still waits under a hold (quiet hours), the
        earliest moment (UTC) it may go; the others are left out."""
        ...
