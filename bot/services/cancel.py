"""Use case: a customer (or the system) cancels a line or a whole order, with a refund owed."""

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
    NotAllowed,
    NotFound,
    OrderChange,
    OrderState,
    RefundDue,
    ShopEvent,
)
from bot.domain.eta import EtaRules
from bot.domain.model import LineStatus
from bot.domain.refunds import refund_due_date
from bot.services.order_changes import change_order, owned_state

SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class CancelQuote:
    """What a cancellation would do: which lines, how much back, by when."""

    order_id: str
    line_nos: tuple[int, ...]
    refund_minor: int
    currency: str
    refund_due: date
    version: int


async def quote_cancel(
    store: ActionStore,
    customer_id: str,
    order_id: str,
    line_no: int | None,
    *,
    rules: EtaRules,
    refund_days: int,
    today: date,
) -> CancelQuote | NotFound | NotAllowed:
    """The confirmation screen's facts for cancelling one line, or all open lines (None)."""
    state = await owned_state(store, customer_id, order_id)
    if isinstance(state, NotFound):
        return state
    lines = cancellable_lines(state, line_no)
    if isinstance(lines, AlreadyDone):
        return NotAllowed(order_id, "not_open")
    if isinstance(lines, NotFound | NotAllowed):
        return lines
    return CancelQuote(
        order_id=order_id,
        line_nos=tuple(line.line_no for line in lines),
        refund_minor=sum(line.value_minor for line in lines),
        currency=state.currency,
        refund_due=_due(state, today, rules, refund_days),
        version=state.version,
    )


async def confirm_cancel(
    store: ActionStore,
    customer_id: str,
    order_id: str,
    line_no: int | None,
    version: int,
    *,
    actor: str,
    now: datetime,
    timezone: ZoneInfo,
    rules: EtaRules,
    refund_days: int,
) -> ActionResult:
    """Cancel once, whatever the taps and devices; customers behind move up at once.

    A repeated confirmation (double tap, or the same press handled again after a crash, when the
    first answer may never have reached the customer) gets `AlreadyDone` with the refund still
    owed for what it cancelled.
    """
    result = await _cancel(
        store,
        order_id,
        line_no,
        customer_id=customer_id,
        version=version,
        actor=actor,
        reason="customer",
        now=now,
        timezone=timezone,
        rules=rules,
        refund_days=refund_days,
    )
    if isinstance(result, AlreadyDone):
        return await _with_refund_owed(store, result, line_no)
    return result


async def _with_refund_owed(
    store: ActionStore, done: AlreadyDone, line_no: int | None
) -> AlreadyDone:
    owed = [
        refund
        for refund in await store.refunds([done.order_id])
        if refund.status == "due"
        and refund.reason == "cancel"
        and (line_no is None or refund.line_no == line_no)
    ]
    if not owed:
        return done
    return AlreadyDone(
        done.order_id,
        refund_minor=sum(refund.amount_minor for refund in owed),
        currency=owed[0].currency,
        refund_due=max(refund.due_date for refund in owed),
    )


async def cancel_for_system(
    store: ActionStore,
    order_id: str,
    *,
    reason: str,
    now: datetime,
    timezone: ZoneInfo,
    rules: EtaRules,
    refund_days: int,
    actor: str = SYSTEM_ACTOR,
    paid_back: bool = False,
) -> ActionResult:
    """Cancel every open line of an order automatically (no ownership or version check):
    the bot's own deadlines (`system`), or the shop's platform cancelling it (`shopify`).

    `paid_back`: the platform has already returned the money, so the refunds are recorded
    without `refund.due` events (a receiver paying on them would pay twice); the caller marks
    them paid in the same transaction.
    """
    return await _cancel(
        store,
        order_id,
        None,
        customer_id=None,
        version=None,
        actor=actor,
        reason=reason,
        now=now,
        timezone=timezone,
        rules=rules,
        refund_days=refund_days,
        paid_back=paid_back,
    )


def cancellable_lines(
    state: OrderState, line_no: int | None
) -> tuple[ActionLine, ...] | AlreadyDone | NotAllowed | NotFound:
    """The lines a cancellation takes: that line, or every open line of the order."""
    if line_no is not None:
        line = state.line(line_no)
        if line is None:
            return NotFound(state.order_id)
        if line.status == LineStatus.CANCELLED:
            return AlreadyDone(state.order_id)
        if line.status == LineStatus.SHIPPED:
            return NotAllowed(state.order_id, "shipped")
        return (line,)
    if state.open_lines:
        return state.open_lines
    if any(line.status == LineStatus.CANCELLED for line in state.lines):
        return AlreadyDone(state.order_id)
    return NotAllowed(state.order_id, "shipped")


async def _cancel(
    store: ActionStore,
    order_id: str,
    line_no: int | None,
    *,
    customer_id: str | None,
    version: int | None,
    actor: str,
    reason: str,
    now: datetime,
    timezone: ZoneInfo,
    rules: EtaRules,
    refund_days: int,
    paid_back: bool = False,
) -> ActionResult:
    today = now.astimezone(timezone).date()

    async def plan(state: OrderState) -> OrderChange | ActionResult:
        lines = cancellable_lines(state, line_no)
        if not isinstance(lines, tuple):
            return lines
        if version is not None and version != state.version:
            return Changed(order_id)
        due = _due(state, today, rules, refund_days)
        return cancellation(
            state, lines, due=due, actor=actor, reason=reason, now=now, paid_back=paid_back
        )

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


def cancellation(
    state: OrderState,
    lines: tuple[ActionLine, ...],
    *,
    due: date,
    actor: str,
    reason: str,
    now: datetime,
    paid_back: bool = False,
) -> OrderChange:
    """The writes of cancelling these open lines: statuses, refunds and the shop's events
    (`refund.due` for each refund, unless `paid_back`: the money is already returned)."""
    stamp = {"actor": actor, "at": now.isoformat()}
    cancelled = {line.line_no for line in lines}
    refunds = tuple(
        RefundDue(line.line_no, line.value_minor, state.currency, due, "cancel") for line in lines
    )
    events = [
        ShopEvent(
            "line.cancelled",
            {
                "order_id": state.order_id,
                "line_no": line.line_no,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price_minor": line.unit_price_minor,
                "amount_minor": line.value_minor,
                "currency": state.currency,
                "reason": reason,
                **stamp,
            },
        )
        for line in lines
    ]
    if all(line.line_no in cancelled for line in state.open_lines):
        events.append(
            ShopEvent(
                "order.cancelled",
                {
                    "order_id": state.order_id,
                    "line_nos": sorted(cancelled),
                    "reason": reason,
                    **stamp,
                },
            )
        )
    if not paid_back:
        events.extend(refund_event(state.order_id, refund, stamp) for refund in refunds)
    total = sum(refund.amount_minor for refund in refunds)
    return OrderChange(
        action="order.cancel",
        result=Done(state.order_id, total, state.currency, due),
        skus=frozenset(line.sku for line in lines),
        edits=tuple(LineEdit(line.line_no, status=LineStatus.CANCELLED) for line in lines),
        refunds=refunds,
        events=tuple(events),
    )


def refund_event(order_id: str, refund: RefundDue, stamp: dict[str, str]) -> ShopEvent:
    """The `refund.due` event of one refund obligation."""
    return ShopEvent(
        "refund.due",
        {
            "order_id": order_id,
            "line_no": refund.line_no,
            "amount_minor": refund.amount_minor,
            "currency": refund.currency,
            "due_date": refund.due_date.isoformat(),
            "reason": refund.reason,
            **stamp,
        },
    )


def _due(state: OrderState, today: date, rules: EtaRules, refund_days: int) -> date:
    return refund_due_date(
        state.jurisdiction, today, calendar=rules.calendar, default_days=refund_days
    )
