"""Use case: ship the ready part of an order now and let the rest wait, or keep it whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.actions import (
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
    ShopEvent,
)
from bot.domain.eta import EtaRules
from bot.domain.split import ReadyPart, ready_parts
from bot.services.order_changes import apply_owned_change, change_order, owned_state
from bot.services.status import OrderView


@dataclass(frozen=True)
class SplitPart:
    """Units of one line, with the product's name."""

    line_no: int
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class SplitQuote:
    """What would ship now and what keeps waiting."""

    order_id: str
    ready: tuple[SplitPart, ...]
    waiting: tuple[SplitPart, ...]
    version: int


async def quote_split(
    store: ActionStore, customer_id: str, order_id: str, *, rules: EtaRules, today: date
) -> SplitQuote | NotFound | NotAllowed:
    """The confirmation screen's facts for shipping what is ready now."""
    state = await owned_state(store, customer_id, order_id)
    if isinstance(state, NotFound):
        return state
    if not state.open_lines:
        return NotAllowed(order_id, "not_open")
    parts = await _parts(store, state)
    if not any(part.ready for part in parts):
        return NotAllowed(order_id, "nothing_ready")
    names = {
        sku: product.name
        for sku, product in (
            await store.get_products({line.sku for line in state.open_lines})
        ).items()
    }
    skus = {line.line_no: line.sku for line in state.lines}

    def part(line_no: int, quantity: int) -> SplitPart:
        sku = skus[line_no]
        return SplitPart(line_no, sku, names.get(sku, sku), quantity)

    return SplitQuote(
        order_id=order_id,
        ready=tuple(part(p.line_no, p.ready) for p in parts if p.ready),
        waiting=tuple(part(p.line_no, p.waiting) for p in parts if p.waiting),
        version=state.version,
    )


async def offers_split(
    store: ActionStore, view: OrderView, *, rules: EtaRules, today: date
) -> bool:
    """Whether [Ship what's ready] would send something new ahead of the rest of the order."""
    waiting = [line for line in view.lines if line.is_open and not line.ship_now]
    # Why: only a waiting order with several lines or units has a part that could go first.
    if view.status != "backordered" or (
        len(waiting) < 2 and sum(line.quantity for line in waiting) < 2
    ):
        return False
    quote = await quote_split(
        store, view.order.customer_id, view.order.order_id, rules=rules, today=today
    )
    return isinstance(quote, SplitQuote)


async def confirm_split(
    store: ActionStore,
    customer_id: str,
    order_id: str,
    version: int,
    *,
    actor: str,
    now: datetime,
    timezone: ZoneInfo,
    rules: EtaRules,
) -> ActionResult:
    """Release the ready part to ship now; a partly ready line becomes two lines."""

    async def plan(state: OrderState) -> OrderChange | ActionResult:
        if not state.open_lines:
            return NotAllowed(order_id, "not_open")
        parts = [part for part in await _parts(store, state) if part.ready]
        released = any(line.ship_now for line in state.open_lines)
        if not parts and released:
            return AlreadyDone(order_id)
        if version != state.version:
            return Changed(order_id)
        if not parts:
            return NotAllowed(order_id, "nothing_ready")
        return split(state, parts, actor=actor, now=now)

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


async def set_ship_complete(
    store: ActionStore,
    customer_id: str,
    order_id: str,
    complete: bool,
    *,
    actor: str,
    now: datetime,
) -> ActionResult:
    """Save whether the customer wants one complete delivery (audited)."""

    async def plan(state: OrderState) -> OrderChange | ActionResult:
        if state.ship_complete == complete:
            return AlreadyDone(order_id)
        return OrderChange(
            action="order.ship_complete",
            result=Done(order_id, 0, state.currency, None),
            skus=frozenset(),
            ship_complete=complete,
        )

    outcome = await apply_owned_change(store, customer_id, order_id, plan, actor=actor, now=now)
    return outcome.result if isinstance(outcome, OrderChange) else outcome


def split(state: OrderState, parts: list[ReadyPart], *, actor: str, now: datetime) -> OrderChange:
    """The writes of a split: ready units marked to ship now, waiting units moved to a new line."""
    edits: list[LineEdit] = []
    new_lines: list[NewLine] = []
    ship_now: list[dict[str, object]] = []
    new_line_facts: list[dict[str, object]] = []
    skus: set[str] = set()
    for part in parts:
        line = state.line(part.line_no)
        if line is None:
            continue
        skus.add(line.sku)
        ship_now.append({"line_no": line.line_no, "sku": line.sku, "quantity": part.ready})
        if not part.waiting:
            edits.append(LineEdit(line.line_no, ship_now=True))
            continue
        new = NewLine(
            state.next_line_no + len(new_lines), line.sku, part.waiting, line.unit_price_minor
        )
        edits.append(LineEdit(line.line_no, quantity=part.ready, ship_now=True))
        new_lines.append(new)
        new_line_facts.append(
            {
                "line_no": new.line_no,
                "sku": new.sku,
                "quantity": new.quantity,
                "unit_price_minor": new.unit_price_minor,
                "split_from_line_no": line.line_no,
            }
        )
    shipping = {edit.line_no for edit in edits}
    waiting = [line.line_no for line in state.open_lines if line.line_no not in shipping]
    event = ShopEvent(
        "order.split",
        {
            "order_id": state.order_id,
            "ship_now": ship_now,
            "new_lines": new_line_facts,
            "waiting_line_nos": sorted(waiting + [new.line_no for new in new_lines]),
            "actor": actor,
            "at": now.isoformat(),
        },
    )
    return OrderChange(
        action="order.split",
        result=Done(state.order_id, 0, state.currency, None),
        skus=frozenset(skus),
        edits=tuple(edits),
        new_lines=tuple(new_lines),
        events=(event,),
        ship_complete=False,
    )


async def _parts(store: ActionStore, state: OrderState) -> list[ReadyPart]:
    waiting = [line for line in state.open_lines if not line.ship_now]
    books = await store.sku_books({line.sku for line in waiting})
    parts: list[ReadyPart] = []
    for book in books:
        line_nos = {line.line_no for line in waiting if line.sku == book.sku}
        parts.extend(ready_parts(book, state.order_id, line_nos))
    return sorted(parts, key=lambda part: part.line_no)
