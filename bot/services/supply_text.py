"""Staff changes and purchase orders as English lines for the command line (operators' text)."""

from __future__ import annotations

from bot.domain.delays import NoticeKind
from bot.domain.model import Product, PurchaseOrder
from bot.domain.supply_changes import RefusalReason, Refused
from bot.services.staff_lookup import PurchaseOrderView, StockView
from bot.services.supply_impact import Impact, SupplyChange

# The summary groups notice kinds as staff think of them.
NOTICE_GROUPS: dict[NoticeKind, str] = {
    NoticeKind.DELAY_FIRST: "delay",
    NoticeKind.DELAY_RENEWED: "delay",
    NoticeKind.DELAY_CONSENT_REQUEST: "delay",
    NoticeKind.DELAY_INFO: "delay",
    NoticeKind.GOOD_NEWS: "good-news",
    NoticeKind.READY_TO_SHIP: "ready-to-ship",
    NoticeKind.AUTO_CANCELLED: "cancellation",
}


def counted(count: int, noun: str) -> str:
    """'1 order', '3 orders'."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def impact_text(impact: Impact) -> str:
    """'23 customers, 31 orders later; 12 delay notices queued, 4 need consent'."""
    if not impact.orders:
        moved = "no customer's dates changed"
    else:
        parts = [
            (impact.later, "later"),
            (impact.earlier, "earlier"),
            (impact.now_ready, "now ready"),
        ]
        shown = [(count, word) for count, word in parts if count]
        who = f"{counted(impact.customers, 'customer')}, {counted(impact.orders, 'order')}"
        if len(shown) == 1 and shown[0][0] == impact.orders:
            moved = f"{who} {shown[0][1]}"
        else:
            moved = f"{who} ({', '.join(f'{count:,} {word}' for count, word in shown)})"
    groups: dict[str, int] = {}
    for kind, count in impact.notices.items():
        groups[NOTICE_GROUPS[kind]] = groups.get(NOTICE_GROUPS[kind], 0) + count
    if groups:
        notices = ", ".join(counted(count, f"{group} notice") for group, count in groups.items())
        notices += " queued"
        if impact.need_consent:
            verb = "needs" if impact.need_consent == 1 else "need"
            notices += f", {impact.need_consent:,} {verb} consent"
    else:
        notices = "no notices queued"
    if impact.unreachable:
        notices += f", {counted(impact.unreachable, 'notice')} with no chat to reach"
    return f"{moved}; {notices}"


def purchase_order_change_text(change: SupplyChange[PurchaseOrder], action: str) -> str:
    """The one-line summary of a purchase order change."""
    before, after = change.before, change.after
    if action == "cancel" or (after.status != before.status and after.status == "cancelled"):
        head = f"{after.po_id} cancelled"
    elif action == "move" or (
        after.expected_date != before.expected_date
        and (after.received_quantity, after.status) == (before.received_quantity, before.status)
    ):
        head = f"{after.po_id} moved to {after.expected_date.isoformat()}"
    elif action == "receive":
        received = after.received_quantity - before.received_quantity
        head = (
            f"{after.po_id}: received {counted(received, 'unit')}"
            f" ({after.received_quantity:,} of {after.quantity:,})"
        )
    else:
        changes = []
        if after.expected_date != before.expected_date:
            changes.append(f"expected {after.expected_date.isoformat()}")
        if after.received_quantity != before.received_quantity:
            changes.append(f"received {after.received_quantity:,} of {after.quantity:,}")
        if after.status != before.status:
            changes.append(f"status {after.status.value}")
        head = f"{after.po_id} updated: {', '.join(changes)}"
    return f"{head}: {impact_text(change.impact)}"


def stock_change_text(change: SupplyChange[Product]) -> str:
    """The one-line summary of an on-hand change."""
    before, after = change.before, change.after
    head = f"{after.sku} on hand set to {after.on_hand:,} (was {before.on_hand:,})"
    return f"{head}: {impact_text(change.impact)}"


def refusal_text(refused: Refused, *, subject: str) -> str:
    """Why a change was refused, for stderr; nothing was changed."""
    limit = f"{refused.limit:,}" if refused.limit is not None else ""
    reasons = {
        RefusalReason.UNKNOWN: f"no {subject}",
        RefusalReason.CANCELLED: f"{subject} is cancelled and cannot be changed",
        RefusalReason.DATE_PAST: "the date is in the past",
        RefusalReason.DATE_TOO_FAR: f"the date is more than {limit} days ahead",
        RefusalReason.QUANTITY_NOT_POSITIVE: "the quantity must be at least 1",
        RefusalReason.QUANTITY_NEGATIVE: "the quantity must not be negative",
        RefusalReason.QUANTITY_TOO_LARGE: f"the quantity must not exceed {limit}",
        RefusalReason.BEYOND_ORDERED: f"more than ordered: at most {limit} units",
        RefusalReason.RECEIVED_SHRINKS: f"the received quantity cannot go below {limit}",
        RefusalReason.FULLY_RECEIVED: f"{subject} is fully received already",
        RefusalReason.UNCHANGED: "nothing to change: the values are the same",
    }
    return f"{reasons[refused.reason]}; nothing changed"


def purchase_order_text(view: PurchaseOrderView) -> str:
    """A purchase order and the lines waiting on it, for a terminal."""
    po = view.po
    # Why: a cancelled purchase order brings nothing, whatever was left of it.
    to_come = "0 to come (cancelled)" if po.status == "cancelled" else f"{po.remaining:,} to come"
    lines = [
        f"Purchase order {po.po_id}: {po.sku} ({view.product_name})",
        f"Supplier: {view.supplier or '-'}",
        f"Status: {po.status.value}{' (overdue)' if view.overdue else ''}",
        f"Expected: {po.expected_date.isoformat()}",
        f"Quantity: {po.quantity:,} ordered, {po.received_quantity:,} received, {to_come}",
        f"Waiting: {counted(view.customers, 'customer')}, {counted(len(view.lines), 'line')}",
    ]
    if view.lines:
        rows = [("order", "line", "customer", "qty")]
        rows += [
            (line.order_id, str(line.line_no), line.customer_id, f"{line.quantity:,}")
            for line in view.lines
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        lines.append("")
        lines += [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
    return "\n".join(lines)


def stock_text(view: StockView) -> str:
    """A product's stock picture, for a terminal."""
    supply = view.next_supply
    next_supply = (
        f"{supply.po_id} due {supply.expected_date.isoformat()} ({supply.remaining:,} units)"
        if supply
        else "none"
    )
    return "\n".join(
        [
            f"{view.product.sku} ({view.product.name}): {view.product.on_hand:,} on hand",
            f"Waiting: {counted(view.waiting_lines, 'line')},"
            f" {counted(view.waiting_units, 'unit')}",
            f"Next supply: {next_supply}",
        ]
    )
