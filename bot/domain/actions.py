"""Customer actions on orders (cancel, swap, split): outcomes, planned changes, the store port."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from bot.domain.eta import EtaQueueStore
from bot.domain.model import Jurisdiction, LineStatus, Product

# "answer_late": a delay question's last day to answer has ended (on the customer's date).
RefusalReason = Literal[
    "shipped",
    "not_open",
    "no_substitute",
    "nothing_ready",
    "price_increase_not_accepted",
    "answer_late",
]
EventType = Literal[
    "line.cancelled", "order.cancelled", "line.swapped", "order.split", "refund.due"
]
RefundReason = Literal["cancel", "swap_price_decrease"]


@dataclass(frozen=True)
class Done:
    """The action was carried out; any refund owed is stated."""

    order_id: str
    refund_minor: int
    currency: str
    refund_due: date | None


@dataclass(frozen=True)
class AlreadyDone:
    """The same action had already been carried out (double tap, second device, a replay after a
    crash); a cancellation restates the refund still owed for it (0 when none)."""

    order_id: str
    refund_minor: int = 0
    currency: str = ""
    refund_due: date | None = None


@dataclass(frozen=True)
class Changed:
    """The order moved on since the button was shown; show it afresh."""

    order_id: str


@dataclass(frozen=True)
class NotAllowed:
    """The action does not apply to the order as it stands."""

    order_id: str
    reason: RefusalReason


@dataclass(frozen=True)
class NotFound:
    """No such order for this customer (same answer for missing and not theirs)."""

    order_id: str


ActionResult = Done | AlreadyDone | Changed | NotAllowed | NotFound


@dataclass(frozen=True, slots=True)
class ActionLine:
    """An order line with the facts the actions need."""

    line_no: int
    sku: str
    quantity: int
    unit_price_minor: int
    status: LineStatus
    ship_now: bool = False
    replaces_line_no: int | None = None

    @property
    def value_minor(self) -> int:
        """What the line costs in total."""
        return self.quantity * self.unit_price_minor


@dataclass(frozen=True)
class OrderState:
    """An order as the actions see it, read inside the action's transaction."""

    order_id: str
    customer_id: str
    currency: str
    placed_at: datetime
    jurisdiction: Jurisdiction | None
    priority: int
    version: int
    ship_complete: bool
    lines: tuple[ActionLine, ...]

    def belongs_to(self, customer_id: str | None) -> bool:
        """True for the order's customer, and for the system (None) acting on its own."""
        return customer_id is None or customer_id == self.customer_id

    def line(self, line_no: int) -> ActionLine | None:
        """One line by number."""
        return next((line for line in self.lines if line.line_no == line_no), None)

    @property
    def open_lines(self) -> tuple[ActionLine, ...]:
        """Lines neither shipped nor cancelled."""
        return tuple(line for line in self.lines if line.status == LineStatus.OPEN)

    @property
    def next_line_no(self) -> int:
        """The number a new line of this order gets."""
        return max((line.line_no for line in self.lines), default=0) + 1


@dataclass(frozen=True, slots=True)
class LineEdit:
    """A change to an existing line; None leaves a field as it is."""

    line_no: int
    status: LineStatus | None = None
    quantity: int | None = None
    ship_now: bool | None = None


@dataclass(frozen=True, slots=True)
class NewLine:
    """A line added to an order by an action (swap, split)."""

    line_no: int
    sku: str
    quantity: int
    unit_price_minor: int
    replaces_line_no: int | None = None
    queued_at: datetime | None = None
    ship_now: bool = False


@dataclass(frozen=True, slots=True)
class RefundDue:
    """Money the shop owes the customer for one line."""

    line_no: int
    amount_minor: int
    currency: str
    due_date: date
    reason: RefundReason


@dataclass(frozen=True, slots=True)
class ShopEvent:
    """A message for the shop's system, written with the change it describes."""

    type: EventType
    payload: Mapping[str, object]


@dataclass(frozen=True)
class OrderChange:
    """Everything one action writes, all in one transaction, and what it tells the customer."""

    action: str
    result: Done
    skus: frozenset[str]
    edits: tuple[LineEdit, ...] = ()
    new_lines: tuple[NewLine, ...] = ()
    refunds: tuple[RefundDue, ...] = ()
    events: tuple[ShopEvent, ...] = ()
    ship_complete: bool | None = None


@dataclass(frozen=True)
class RefundRecord:
    """A stored refund obligation."""

    order_id: str
    line_no: int
    amount_minor: int
    currency: str
    due_date: date
    status: Literal["due", "paid"]
    reason: RefundReason


Decide = Callable[[OrderState | None], Awaitable[OrderChange | ActionResult]]


class ActionStore(EtaQueueStore, Protocol):
    """Persistence the customer actions need beyond the foundation's Store."""

    async def order_state(self, order_id: str) -> OrderState | None:
        """An order with its version, preference and line facts."""
        ...

    async def apply_order_change(
        self, order_id: str, decide: Decide, *, actor: str, at: datetime
    ) -> OrderChange | ActionResult:
        """In one transaction: re-read the order, let `decide` plan, write the plan with audit."""
        ...

    async def products_in_category(self, category: str, currency: str) -> list[Product]:
        """Products of one category priced in one currency."""
        ...

    async def refunds(self, order_ids: Collection[str] | None = None) -> list[RefundRecord]:
        """Refund obligations, oldest first (of these orders, or all)."""
        ...
