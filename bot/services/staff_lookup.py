"""Use cases: what staff see of a purchase order, a product and any order (DESIGN §10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.actions import RefundRecord
from bot.domain.delays import NoticeState
from bot.domain.eta import lines_by_purchase_order
from bot.domain.link_guard import ChatLink
from bot.domain.model import Customer, PoStatus, Product, PurchaseOrder
from bot.domain.notice_store import NoticeRecord, NoticeStanding, notice_standing
from bot.domain.supply_store import StaffLookupStore
from bot.services.order_lookup import staff_order_id
from bot.services.status import OrderView, order_view


@dataclass(frozen=True)
class WaitingOn:
    """An open order line drawing units from a purchase order (DESIGN §5 allocation)."""

    order_id: str
    line_no: int
    customer_id: str
    quantity: int


@dataclass(frozen=True)
class PurchaseOrderView:
    """A purchase order as staff see it, with the lines waiting on it in serving order."""

    po: PurchaseOrder
    product_name: str
    supplier: str | None
    overdue: bool
    lines: tuple[WaitingOn, ...]

    @property
    def customers(self) -> int:
        """How many customers wait on it."""
        return len({line.customer_id for line in self.lines})


async def purchase_order_view(
    store: StaffLookupStore, po_id: str, *, today: date
) -> PurchaseOrderView | None:
    """The purchase order and who waits on it today; None when there is no such order. `po_id`
    as typed: an exact match first, else the one matching it in another case."""
    found = await store.find_purchase_order_id(po_id)
    po = (await store.get_purchase_orders([found])).get(found) if found else None
    if po is None:
        return None
    po_id = po.po_id
    product = (await store.get_products([po.sku])).get(po.sku)
    books = await store.sku_books([po.sku])
    demand = lines_by_purchase_order(books[0], today=today).get(po_id, []) if books else []
    owners = await store.order_customers({line.order_id for line in demand})
    return PurchaseOrderView(
        po=po,
        product_name=product.name if product else po.sku,
        supplier=po.supplier or (product.supplier if product else None),
        overdue=po.status is not PoStatus.CANCELLED
        and po.remaining > 0
        and po.expected_date < today,
        lines=tuple(
            WaitingOn(line.order_id, line.line_no, owners.get(line.order_id, ""), line.quantity)
            for line in demand
        ),
    )


def _overdue(po: PurchaseOrder, today: date) -> bool:
    """Past its expected date with units still to come (DESIGN §5)."""
    return po.status is not PoStatus.CANCELLED and po.remaining > 0 and po.expected_date < today


def purchase_order_json(view: PurchaseOrderView) -> dict[str, object]:
    """The object `po --json` prints (keys documented in the README's staff section)."""
    po = view.po
    return {
        "po_id": po.po_id,
        "sku": po.sku,
        "product_name": view.product_name,
        "supplier": view.supplier,
        "quantity": po.quantity,
        "received_quantity": po.received_quantity,
        # Why: a cancelled purchase order brings nothing, whatever was left of it.
        "remaining_quantity": 0 if po.status is PoStatus.CANCELLED else po.remaining,
        "expected_date": po.expected_date.isoformat(),
        "status": po.status.value,
        "overdue": view.overdue,
        "customers_waiting": view.customers,
        "lines_waiting": len(view.lines),
        "waiting_lines": [
            {
                "order_id": line.order_id,
                "line_no": line.line_no,
                "customer_id": line.customer_id,
                "quantity": line.quantity,
            }
            for line in view.lines
        ],
    }


@dataclass(frozen=True)
class StockView:
    """A product's on-hand units, the open lines waiting for it and its next supply."""

    product: Product
    waiting_lines: int
    waiting_units: int
    next_supply: PurchaseOrder | None


async def stock_view(store: StaffLookupStore, sku: str) -> StockView | None:
    """The product's stock picture; None when there is no such product. `sku` as typed: an
    exact match first, else the one matching it in another case."""
    found = await store.find_sku(sku)
    product = (await store.get_products([found])).get(found) if found else None
    if product is None:
        return None
    sku = product.sku
    books = await store.sku_books([sku])
    book = books[0] if books else None
    supply = sorted(
        (po for po in (book.purchase_orders if book else ()) if po.remaining > 0),
        key=lambda po: (po.expected_date, po.po_id),
    )
    demand = book.demand if book else ()
    return StockView(
        product,
        len(demand),
        sum(line.quantity for line in demand),
        supply[0] if supply else None,
    )


@dataclass(frozen=True)
class StaffOrderView:
    """Any order as staff see it: lines and dates, its customer and chats, notices, refunds."""

    view: OrderView
    customer: Customer | None
    chats: tuple[ChatLink, ...]
    unreachable_chats: frozenset[int]
    notices: tuple[ShownNotice, ...]
    state: NoticeState | None
    refunds: tuple[RefundRecord, ...]


@dataclass(frozen=True)
class ShownNotice:
    """A notice of the order with where it stands for the customer (delivered, waiting,
    not delivered and why, or no chat linked); `held_until`: when a held one may go (UTC)."""

    record: NoticeRecord
    standing: NoticeStanding
    held_until: datetime | None = None


async def staff_order(
    store: StaffLookupStore, typed: str, *, now: datetime
) -> StaffOrderView | None:
    """The order staff mean (its id, or the number customers type), its notices standing as at
    `now`; None when no order is meant."""
    order_id = await staff_order_id(store, typed.strip())
    view = await order_view(store, order_id) if order_id is not None else None
    if view is None:
        return None
    customer_id = view.order.customer_id
    chats = tuple(await store.customer_chat_links(customer_id))
    summary = await store.outbox_summary()
    linked = {link.chat_id for link in chats}
    return StaffOrderView(
        view=view,
        customer=await store.get_customer(customer_id),
        chats=chats,
        unreachable_chats=frozenset(
            chat.chat_id for chat in summary.unreachable if chat.chat_id in linked
        ),
        notices=await _shown_notices(store, view.order.order_id, now),
        state=(await store.notice_states([view.order.order_id])).get(view.order.order_id),
        refunds=tuple(await store.refunds([view.order.order_id])),
    )


async def _shown_notices(
    store: StaffLookupStore, order_id: str, now: datetime
) -> tuple[ShownNotice, ...]:
    """The order's notices, oldest first, each with where it stands at `now`."""
    records = await store.notice_history(order_id)
    waiting = [record.notice_id for record in records if record.delivery == "pending"]
    holds = await store.notice_holds(waiting) if waiting else {}
    shown = []
    for record in records:
        held_until = holds.get(record.notice_id)
        standing = notice_standing(record, held_until=held_until, now=now)
        shown.append(
            ShownNotice(record, standing, held_until if standing is NoticeStanding.HELD else None)
        )
    return tuple(shown)
