"""Use cases: staff move a purchase order's date, record a receipt, cancel it (DESIGN §10).

The chat and the command line call these same functions; each is one audited transaction, then
the SKU's recompute and the notices it causes (bot.services.supply_impact).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from bot.domain.model import PoStatus, PurchaseOrder
from bot.domain.supply_changes import (
    RefusalReason,
    Refused,
    cancel,
    move_date,
    receive,
    set_received,
    set_status,
)
from bot.domain.supply_store import SupplyStore
from bot.services.supply_impact import NoticeSettings, SupplyChange, apply_and_follow

Result = SupplyChange[PurchaseOrder] | Refused


async def move_expected_date(
    store: SupplyStore,
    po_id: str,
    new_date: date,
    *,
    actor: str,
    now: datetime,
    settings: NoticeSettings,
) -> Result:
    """Expect the purchase order on `new_date` (today or later in the business's zone)."""
    today = now.astimezone(settings.timezone).date()
    return await _change(
        store,
        po_id,
        lambda po: move_date(po, new_date, today=today),
        "purchase_order.move_date",
        actor=actor,
        now=now,
        settings=settings,
    )


async def record_receipt(
    store: SupplyStore,
    po_id: str,
    units: int,
    *,
    actor: str,
    now: datetime,
    settings: NoticeSettings,
) -> Result:
    """Record `units` more units received (partial receipts add up; all of them close it)."""
    return await _change(
        store,
        po_id,
        lambda po: receive(po, units),
        "purchase_order.receipt",
        actor=actor,
        now=now,
        settings=settings,
    )


async def cancel_purchase_order(
    store: SupplyStore, po_id: str, *, actor: str, now: datetime, settings: NoticeSettings
) -> Result:
    """Cancel the purchase order: its remaining units no longer supply anyone."""
    return await _change(
        store, po_id, cancel, "purchase_order.cancel", actor=actor, now=now, settings=settings
    )


async def update_purchase_order(
    store: SupplyStore,
    po_id: str,
    *,
    expected_date: date | None = None,
    received_total: int | None = None,
    status: PoStatus | None = None,
    actor: str,
    now: datetime,
    settings: NoticeSettings,
) -> Result:
    """Several fields at once, as the command line's options give them, in one transaction:
    the expected date, the received quantity as a total, the status. Refused (nothing changed)
    when any part is refused, or UNCHANGED when every part leaves the order as it is."""
    today = now.astimezone(settings.timezone).date()
    rules: list[Callable[[PurchaseOrder], PurchaseOrder | Refused]] = []
    if expected_date is not None:
        rules.append(lambda po: move_date(po, expected_date, today=today))
    if received_total is not None:
        rules.append(lambda po: set_received(po, received_total))
    if status is not None:
        rules.append(lambda po: set_status(po, status))

    def combined(po: PurchaseOrder) -> PurchaseOrder | Refused:
        current = po
        for rule in rules:
            outcome = rule(current)
            if isinstance(outcome, Refused):
                if outcome.reason is RefusalReason.UNCHANGED:
                    continue
                return outcome
            current = outcome
        return Refused(RefusalReason.UNCHANGED) if current == po else current

    return await _change(
        store, po_id, combined, "purchase_order.update", actor=actor, now=now, settings=settings
    )


async def _change(
    store: SupplyStore,
    po_id: str,
    rule: Callable[[PurchaseOrder], PurchaseOrder | Refused],
    action: str,
    *,
    actor: str,
    now: datetime,
    settings: NoticeSettings,
) -> Result:
    known = await store.find_purchase_order_id(po_id)
    found = (await store.get_purchase_orders([known])).get(known) if known else None
    if found is None:
        return Refused(RefusalReason.UNKNOWN)
    po_id = found.po_id
    return await apply_and_follow(
        store,
        found.sku,
        lambda: store.change_purchase_order(po_id, rule, action=action, actor=actor, at=now),
        now=now,
        settings=settings,
    )
