"""Domain values: products, customers, orders, purchase orders and computed ETAs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class LineStatus(StrEnum):
    """Stored state of an order line."""

    OPEN = "open"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class PoStatus(StrEnum):
    """Stored state of a purchase order."""

    CONFIRMED = "confirmed"
    PLANNED = "planned"
    CANCELLED = "cancelled"


class Confidence(StrEnum):
    """How sure an estimated date is (DESIGN §5.5)."""

    IN_STOCK = "in_stock"
    CONFIRMED = "confirmed"
    PLANNED = "planned"
    ESTIMATE = "estimate"
    UNKNOWN = "unknown"


class Jurisdiction(StrEnum):
    """Consumer-law regime that applies to an order."""

    US = "US"
    EU = "EU"
    UK = "UK"


@dataclass(frozen=True, slots=True)
class Product:
    """A sellable item and its stock facts."""

    sku: str
    name: str
    price_minor: int
    currency: str
    on_hand: int
    category: str | None = None
    lead_time_days: int | None = None
    handling_days: int | None = None
    supplier: str | None = None
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Customer:
    """A shop customer as known from orders."""

    customer_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One product line of an order."""

    order_id: str
    line_no: int
    sku: str
    quantity: int
    unit_price_minor: int
    status: LineStatus = LineStatus.OPEN
    # Why: the customer chose to ship this line ahead of the rest of the order (a split).
    ship_now: bool = False


@dataclass(frozen=True, slots=True)
class Order:
    """An order header with its lines."""

    order_id: str
    customer_id: str
    placed_at: datetime
    currency: str
    promised_ship_date: date | None = None
    jurisdiction: Jurisdiction | None = None
    priority: int = 0
    lines: tuple[OrderLine, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """Incoming supply for one SKU."""

    po_id: str
    sku: str
    quantity: int
    expected_date: date
    received_quantity: int = 0
    status: PoStatus = PoStatus.CONFIRMED
    supplier: str | None = None

    @property
    def remaining(self) -> int:
        """Units still to arrive."""
        return max(self.quantity - self.received_quantity, 0)


@dataclass(frozen=True, slots=True)
class LineEta:
    """Computed availability of one open order line (DESIGN §5)."""

    order_id: str
    line_no: int
    sku: str
    available_date: date | None
    ship_date: date | None
    confidence: Confidence
    # Why: the expected date of the latest supplier delivery the line waits for, if any; of the
    # earliest overdue one when a delivery it waits for is overdue (then before available_date).
    waiting_for_po_date: date | None = None
    # Why: the supplier lead time used for an `estimate`.
    lead_time_days: int | None = None

    @property
    def supply_overdue(self) -> bool:
        """True when the line waits on a purchase order whose expected date has passed (§5)."""
        waiting, available = self.waiting_for_po_date, self.available_date
        # Why: an overdue order is dated the day of the computation, after its expected date.
        return waiting is not None and available is not None and waiting < available
