"""Staff texts shared by the flows: the one-line summary of a change and why one was refused."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.domain.delays import NoticeKind
from bot.domain.model import PoStatus, Product, PurchaseOrder
from bot.domain.supply_changes import RefusalReason, Refused
from bot.i18n import Translator
from bot.services.supply_impact import Impact, NoticeSettings, SupplyChange
from handlers.notices import make_renderer

_DELAYS = frozenset(
    {
        NoticeKind.DELAY_FIRST,
        NoticeKind.DELAY_RENEWED,
        NoticeKind.DELAY_CONSENT_REQUEST,
        NoticeKind.DELAY_INFO,
    }
)


def notice_settings(context: BotContext) -> NoticeSettings:
    """The notice sweep's settings and renderer, from the application's services."""
    services = context.services
    return NoticeSettings(
        timezone=services.settings.timezone,
        rules=services.rules,
        refund_days=services.settings.refund_days,
        quiet_hours=services.settings.quiet_hours,
        render=make_renderer(services.catalogs),
    )


def staff_user_id(update: Update) -> int:
    """The staff member's Telegram user id (staff_only has checked there is one)."""
    user = update.effective_user
    assert user is not None
    return user.id


def status_text(t: Translator, status: PoStatus) -> str:
    """A purchase order's status in words."""
    match status:
        case PoStatus.CONFIRMED:
            return t.gettext("confirmed")
        case PoStatus.PLANNED:
            return t.gettext("planned")
    return t.gettext("cancelled")


def impact_text(t: Translator, impact: Impact) -> str:
    """'23 customers, 31 orders later' and '12 delay notices queued, 4 need consent'."""
    counts = [(impact.later, "later"), (impact.earlier, "earlier"), (impact.now_ready, "ready")]
    shown = [(count, kind) for count, kind in counts if count]
    if not impact.orders:
        effect = t.gettext("no customer's dates changed")
    elif len(shown) == 1 and shown[0][0] == impact.orders:
        # Why: every order moved one way: "4 customers, 5 orders later" says it all.
        whole = {
            "later": t.ngettext("{n} order later", "{n} orders later", impact.orders),
            "earlier": t.ngettext("{n} order earlier", "{n} orders earlier", impact.orders),
            "ready": t.ngettext("{n} order now ready", "{n} orders now ready", impact.orders),
        }
        who = t.ngettext("{n} customer", "{n} customers", impact.customers)
        effect = f"{who}, {whole[shown[0][1]]}"
    else:
        # Why: an order can both move earlier and become ready; the counts are of the same
        # orders, so they follow the total, as the command line says it.
        part = {
            "later": lambda n: t.ngettext("{n} later", "{n} later", n),
            "earlier": lambda n: t.ngettext("{n} earlier", "{n} earlier", n),
            "ready": lambda n: t.ngettext("{n} now ready", "{n} now ready", n),
        }
        who = t.ngettext("{n} customer", "{n} customers", impact.customers)
        orders = t.ngettext("{n} order", "{n} orders", impact.orders)
        effect = f"{who}, {orders}: " + ", ".join(part[kind](count) for count, kind in shown)
    delays = sum(count for kind, count in impact.notices.items() if kind in _DELAYS)
    good = impact.notices.get(NoticeKind.GOOD_NEWS, 0)
    ready = impact.notices.get(NoticeKind.READY_TO_SHIP, 0)
    cancelled = impact.notices.get(NoticeKind.AUTO_CANCELLED, 0)
    parts = [
        t.ngettext("{n} delay notice queued", "{n} delay notices queued", delays) if delays else "",
        t.ngettext("{n} good-news notice queued", "{n} good-news notices queued", good)
        if good
        else "",
        t.ngettext("{n} ready-to-ship notice queued", "{n} ready-to-ship notices queued", ready)
        if ready
        else "",
        t.ngettext("{n} cancellation notice queued", "{n} cancellation notices queued", cancelled)
        if cancelled
        else "",
        t.ngettext("{n} needs consent", "{n} need consent", impact.need_consent)
        if impact.need_consent
        else "",
        t.ngettext("{n} notice reaches no chat", "{n} notices reach no chat", impact.unreachable)
        if impact.unreachable
        else "",
    ]
    notices = ", ".join(part for part in parts if part) or t.gettext("no notices queued")
    # Why: the pieces are translated HTML already; filling them into another message would
    # escape them twice.
    return f"{effect}; {notices}"


def po_change_text(t: Translator, change: SupplyChange[PurchaseOrder]) -> str:
    """'PO-7 moved to 14 Jan 2027: 23 customers, 31 orders later; 12 delay notices queued'."""
    before, after = change.before, change.after
    if after.status is PoStatus.CANCELLED:
        head = t.gettext("{po_id} cancelled", po_id=after.po_id)
    elif after.received_quantity != before.received_quantity:
        head = t.ngettext(
            "{po_id}: {n} unit received ({received} of {ordered})",
            "{po_id}: {n} units received ({received} of {ordered})",
            after.received_quantity - before.received_quantity,
            po_id=after.po_id,
            received=t.number(after.received_quantity),
            ordered=t.number(after.quantity),
        )
    else:
        head = t.gettext(
            "{po_id} moved to {date}", po_id=after.po_id, date=t.date(after.expected_date)
        )
    return f"{head}: {impact_text(t, change.impact)}"


def stock_change_text(t: Translator, change: SupplyChange[Product]) -> str:
    """'LAMP: on hand set to 12 (was 3): 4 customers, 4 orders now ready; …'."""
    head = t.gettext(
        "{sku}: on hand set to {units} (was {before})",
        sku=change.after.sku,
        units=t.number(change.after.on_hand),
        before=t.number(change.before.on_hand),
    )
    return f"{head}: {impact_text(t, change.impact)}"


def refusal_text(t: Translator, refused: Refused) -> str:
    """Why a change was not made (nothing was changed)."""
    limit = t.number(refused.limit) if refused.limit is not None else ""
    match refused.reason:
        case RefusalReason.UNKNOWN:
            text = t.gettext("There is no such purchase order or product.")
        case RefusalReason.CANCELLED:
            text = t.gettext("This purchase order is cancelled and can no longer be changed.")
        case RefusalReason.DATE_PAST:
            text = t.gettext("That date is in the past.")
        case RefusalReason.DATE_TOO_FAR:
            text = t.gettext("That date is more than {days} days ahead.", days=limit)
        case RefusalReason.QUANTITY_NOT_POSITIVE:
            text = t.gettext("The quantity must be at least 1.")
        case RefusalReason.QUANTITY_NEGATIVE:
            text = t.gettext("The quantity must not be negative.")
        case RefusalReason.QUANTITY_TOO_LARGE:
            text = t.gettext("The quantity must not exceed {limit}.", limit=limit)
        case RefusalReason.BEYOND_ORDERED:
            text = t.gettext("That is more than ordered: at most {limit} units.", limit=limit)
        case RefusalReason.RECEIVED_SHRINKS:
            text = t.gettext("The received quantity cannot go below {limit}.", limit=limit)
        case RefusalReason.FULLY_RECEIVED:
            text = t.gettext("This purchase order is fully received already.")
        case _:
            text = t.gettext("Nothing to change: the value is the same.")
    unchanged = t.gettext("Nothing was changed.")
    return f"{text} {unchanged}"
