"""What every customer action does around its own rule: ownership, one transaction, fresh ETAs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.actions import ActionResult, ActionStore, NotFound, OrderChange, OrderState
from bot.domain.eta import EtaRules, moved_etas
from bot.services.eta import published

Plan = Callable[[OrderState], Awaitable[OrderChange | ActionResult]]


async def owned_state(
    store: ActionStore, customer_id: str | None, order_id: str
) -> OrderState | NotFound:
    """The order as the actions see it, for its own customer (or the system, None) only."""
    state = await store.order_state(order_id)
    if state is None or not state.belongs_to(customer_id):
        return NotFound(order_id)
    return state


async def apply_owned_change(
    store: ActionStore,
    customer_id: str | None,
    order_id: str,
    plan: Plan,
    *,
    actor: str,
    now: datetime,
) -> OrderChange | ActionResult:
    """In one transaction: re-check the owner, let `plan` decide, write what it planned."""

    async def decide(state: OrderState | None) -> OrderChange | ActionResult:
        if state is None or not state.belongs_to(customer_id):
            return NotFound(order_id)
        return await plan(state)

    return await store.apply_order_change(order_id, decide, actor=actor, at=now)


async def change_order(
    store: ActionStore,
    customer_id: str | None,
    order_id: str,
    plan: Plan,
    *,
    actor: str,
    now: datetime,
    timezone: ZoneInfo,
    rules: EtaRules,
) -> ActionResult:
    """Apply an owned change once, then move the ETAs of the SKUs it touched at once."""
    outcome = await apply_owned_change(store, customer_id, order_id, plan, actor=actor, now=now)
    if not isinstance(outcome, OrderChange):
        return outcome
    today = now.astimezone(timezone).date()
    await refresh_etas(store, rules=rules, today=today, skus=outcome.skus)
    return outcome.result


async def refresh_etas(
    store: ActionStore, *, rules: EtaRules, today: date, skus: Collection[str]
) -> int:
    """Recompute the ETAs of the SKUs an action touched at once; return how many rows moved."""
    # Why: timed and announced (a fresh RECOMPUTE_MARK) as any recompute (bot/services/eta.py).
    return await published(store, _refresh(store, rules=rules, today=today, skus=skus))


async def _refresh(
    store: ActionStore, *, rules: EtaRules, today: date, skus: Collection[str]
) -> int:
    # Why: read before the data, so the save clears the action's own mark and no newer one.
    marks = await store.eta_marks()
    queues = await store.eta_queues(skus)
    # Why: a cancel on a SKU with thousands of waiting lines moves only a few of them.
    etas = [eta for queue in queues for eta in moved_etas(queue, today=today, rules=rules)]
    # Why: a SKU changed after `seen` is not saved, so what the read saw of the others still
    # holds when the save commits (bot/services/eta.py); their gone lines need no second look.
    gone = {queue.supply.sku: queue.gone for queue in queues if queue.gone is not None}
    moved = await store.save_moved_etas(
        etas, skus=skus, computed_on=today, seen=marks.seen, gone=gone
    )
    return moved
