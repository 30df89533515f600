"""Use case: replace a waiting line with a product that ships sooner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.actions import (
    ActionLine,
    ActionResult,
    ActionStore,
    AlreadyDone,
    Changed,
    Done,
    LineEdit,
    NewLine,
    NotAllowed,
    NotFound,
    OrderChange,
    OrderState,
    RefundDue,
    ShopEvent,
)
from bot.domain.eta import EtaRules, allocate
from bot.domain.model import Confidence, LineStatus
from bot.domain.refunds import refund_due_date
from bot.domain.substitutes import Substitute, candidates, rank, simulate_new_line
from bot.services.cancel import refund_event
from bot.services.order_changes import change_order, owned_state
from bot.services.status import OrderView


@dataclass(frozen=True)
class SubstituteOffer:
    """A product offered instead of the waiting one, with what it changes for the customer."""

    sku: str
    name: str
    unit_price_minor: int
    currency: str
    price_difference_minor: int
    ship_date: date | None
    confidence: Confidence


async def offer_substitutes(
    store: ActionStore,
    customer_id: str,
    order_id: str,
    line_no: int,
    *,
    rules: EtaRules,
    today: date,
) -> list[SubstituteOffer] | NotFound | NotAllowed:
    """Up to three products that would ship sooner than the waiting line, best first."""
    state = await owned_state(store, customer_id, order_id)
    if isinstance(state, NotFound):
        return state
    line = _swappable(state, line_no)
    if not isinstance(line, ActionLine):
        return line
    offers = await substitute_offers(store, state, line, rules=rules, today=today)
    return offers or NotAllowed(order_id, "no_substitute")


async def order_version(store: ActionStore, customer_id: str, order_id: str) -> int | None:
    """The order's current version for a confirmation button, or None when not the customer's."""
    state = await owned_state(store, customer_id, order_id)
    return None if isinstance(state, NotFound) else state.version


async def confirm_swap(
    store: ActionStore,
    customer_id: str,
    order_id: str,
    line_no: int,
    sku: str,
    version: int,
    *,
    accept_price_increase: bool,
    actor: str,
    now: datetime,
    timezone: ZoneInfo,
    rules: EtaRules,
    refund_days: int,
) -> ActionResult:
    """Cancel the line and add the substitute (same quantity) in one transaction, once."""
    today = now.astimezone(timezone).date()

    async def plan(state: OrderState) -> OrderChange | ActionResult:
        old = state.line(line_no)
        if old is None:
            return NotFound(order_id)
        if old.status == LineStatus.CANCELLED and any(
            line.replaces_line_no == line_no and line.sku == sku for line in state.lines
        ):
            return AlreadyDone(order_id)
        line = _swappable(state, line_no)
        if not isinstance(line, ActionLine):
            return line
        if version != state.version:
            return Changed(order_id)
        offers = await substitute_offers(store, state, line, rules=rules, today=today)
        offer = next((offer for offer in offers if offer.sku == sku), None)
        if offer is None:
            return NotAllowed(order_id, "no_substitute")
        if offer.price_difference_minor > 0 and not accept_price_increase:
            return NotAllowed(order_id, "price_increase_not_accepted")
        due = refund_due_date(
            state.jurisdiction, today, calendar=rules.calendar, default_days=refund_days
        )
        return swap(state, line, offer, due=due, actor=actor, now=now)

    return await change_order(
        store,
        customer_id,
        order_id,
        plan,
        actor=actor,
        now=now,
        timezone=timezone,
        rules=rules,
    )


async def lines_with_alternatives(store: ActionStore, view: OrderView) -> frozenset[int]:
    """Line numbers of the order's backordered lines whose product has another to offer.

    The candidates' rule (`candidates`: curated alternatives, or the same category within the
    price band, in the order's currency) without simulating dates: 2 reads plus one per category.
    """
    waiting = [line for line in view.lines if line.status == "backordered"]
    if not waiting:
        return frozenset()
    currency = view.order.currency
    products = await store.get_products({line.sku for line in waiting})
    curated = await store.get_products(
        {sku for product in products.values() for sku in product.alternatives}
    )
    categories = {product.category for product in products.values() if product.category}
    peers = {
        category: await store.products_in_category(category, currency)
        for category in sorted(categories)
    }
    offered = {
        product_sku
        for product_sku, product in products.items()
        if candidates(
            product,
            [
                curated[alternative]
                for alternative in product.alternatives
                if alternative in curated
            ],
            peers.get(product.category, []) if product.category else [],
            currency=currency,
        )
    }
    return frozenset(line.line_no for line in waiting if line.sku in offered)


async def substitute_offers(
    store: ActionStore, state: OrderState, line: ActionLine, *, rules: EtaRules, today: date
) -> list[SubstituteOffer]:
    """The ranked offers for one open line, simulated against current supply and demand."""
    original = (await store.get_products([line.sku])).get(line.sku)
    if original is None:
        return []
    curated_by_sku = await store.get_products(original.alternatives)
    curated = [curated_by_sku[sku] for sku in original.alternatives if sku in curated_by_sku]
    same_category = (
        await store.products_in_category(original.category, state.currency)
        if original.category
        else []
    )
    products = candidates(original, curated, same_category, currency=state.currency)
    books = {
        book.sku: book
        for book in await store.sku_books({line.sku, *(product.sku for product in products)})
    }
    waiting = next(
        eta
        for eta in allocate(books[line.sku], today=today, rules=rules)
        if (eta.order_id, eta.line_no) == (state.order_id, line.line_no)
    )
    simulated = [
        Substitute(
            product,
            simulate_new_line(
                books[product.sku],
                order_id=state.order_id,
                line_no=state.next_line_no,
                quantity=line.quantity,
                priority=state.priority,
                today=today,
                rules=rules,
            ),
        )
        for product in products
        if product.sku in books
    ]
    ranked = rank(waiting.ship_date, simulated, reference_price_minor=line.unit_price_minor)
    return [
        SubstituteOffer(
            sku=sub.product.sku,
            name=sub.product.name,
            unit_price_minor=sub.product.price_minor,
            currency=sub.product.currency,
            price_difference_minor=(sub.product.price_minor - line.unit_price_minor)
            * line.quantity,
            ship_date=sub.eta.ship_date,
            confidence=sub.eta.confidence,
        )
        for sub in ranked
    ]


def swap(
    state: OrderState,
    line: ActionLine,
    offer: SubstituteOffer,
    *,
    due: date,
    actor: str,
    now: datetime,
) -> OrderChange:
    """The writes of a swap: old line cancelled, new line queued now, refund if cheaper."""
    stamp = {"actor": actor, "at": now.isoformat()}
    new = NewLine(
        line_no=state.next_line_no,
        sku=offer.sku,
        quantity=line.quantity,
        unit_price_minor=offer.unit_price_minor,
        replaces_line_no=line.line_no,
        queued_at=now,
    )
    refunds = (
        (
            RefundDue(
                line.line_no,
                -offer.price_difference_minor,
                state.currency,
                due,
                "swap_price_decrease",
            ),
        )
        if offer.price_difference_minor < 0
        else ()
    )
    swapped = ShopEvent(
        "line.swapped",
        {
            "order_id": state.order_id,
            "line_no": line.line_no,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price_minor": line.unit_price_minor,
            "new_line": {
                "line_no": new.line_no,
                "sku": new.sku,
                "quantity": new.quantity,
                "unit_price_minor": new.unit_price_minor,
            },
            "price_difference_minor": offer.price_difference_minor,
            "currency": state.currency,
            **stamp,
        },
    )
    refund_minor = sum(refund.amount_minor for refund in refunds)
    return OrderChange(
        action="order.swap",
        result=Done(state.order_id, refund_minor, state.currency, due if refunds else None),
        skus=frozenset({line.sku, offer.sku}),
        edits=(LineEdit(line.line_no, status=LineStatus.CANCELLED),),
        new_lines=(new,),
        refunds=refunds,
        events=(swapped, *(refund_event(state.order_id, refund, stamp) for refund in refunds)),
    )


def _swappable(state: OrderState, line_no: int) -> ActionLine | NotFound | NotAllowed:
    line = state.line(line_no)
    if line is None:
        return NotFound(state.order_id)
    if line.status == LineStatus.SHIPPED:
        return NotAllowed(state.order_id, "shipped")
    if line.status == LineStatus.CANCELLED:
        return NotAllowed(state.order_id, "not_open")
    return line
