"""Staff alerts about notices no chat received, in the default language (DESIGN §12)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.delays import QUESTION_KINDS, NoticeKind
from bot.domain.model import Jurisdiction
from bot.domain.notice_delivery import UndeliveredAlert
from bot.i18n import Catalogs, Translator
from bot.services.notice_delivery import AlertRenderer


def make_alert_renderer(catalogs: Catalogs, language: str) -> AlertRenderer:
    """The settling job's alert renderer, in `language` (BACKORDER_DEFAULT_LANGUAGE)."""
    t = catalogs.translator(language)

    def render(alert: UndeliveredAlert) -> str:
        return alert_text(t, alert)

    return render


def show_order_label(catalogs: Catalogs, language: str) -> str:
    """The label of the alert's button that opens the order's staff card (as /find shows it)."""
    return catalogs.translator(language).gettext("Show order")


def alert_text(t: Translator, alert: UndeliveredAlert) -> str:
    """Which order's notice failed, why, and what the law now requires of the shop."""
    name = alert.customer.name if alert.customer else alert.customer_id
    return "\n".join(
        [
            t.gettext("⚠️ <b>A notice could not be delivered</b>"),
            t.gettext(
                "Order {order_id} of {customer} (customer {customer_id}).",
                order_id=alert.notice.order_id,
                customer=name,
                customer_id=alert.customer_id,
            ),
            t.gettext("The customer has no Telegram chat linked to their orders.")
            if alert.no_chat
            else t.gettext("Telegram refused it: {error}", error=alert.error),
            _what_the_law_requires(t, alert),
        ]
    )


def _what_the_law_requires(t: Translator, alert: UndeliveredAlert) -> str:
    notice = alert.notice
    amount = t.money(notice.refund_minor, notice.currency)
    if notice.kind is NoticeKind.AUTO_CANCELLED:
        if notice.refund_due is None:
            return t.gettext(
                "The customer was not told that the order was cancelled. Refund {amount} in full.",
                amount=amount,
            )
        return t.gettext(
            "The customer was not told that the order was cancelled. The full refund of {amount} "
            "is due by {refund_due}.",
            amount=amount,
            refund_due=t.date(notice.refund_due),
        )
    if notice.jurisdiction is Jurisdiction.US and notice.kind in QUESTION_KINDS:
        # Why: 16 CFR 435.2 — without a valid notice the order ships in time or is cancelled.
        if alert.ship_by is None:
            return t.gettext(
                "US rule: no valid delay notice was given. The customer must agree to the delay "
                "or get a full refund of {amount}; contact them.",
                amount=amount,
            )
        return t.gettext(
            "US rule: no valid delay notice was given. The order must ship by {ship_by} or be "
            "cancelled with a full refund of {amount}; the bot cancels it on {cancel_on} if it "
            "has not shipped.",
            ship_by=t.date(alert.ship_by),
            amount=amount,
            cancel_on=t.date(alert.ship_by + timedelta(days=1)),
        )
    if notice.kind in QUESTION_KINDS:
        return t.gettext(
            "The customer was not asked to agree to the delay. Contact them: they may cancel for "
            "a full refund of {amount}.",
            amount=amount,
        )
    return t.gettext("The customer was not told about this change to the order.")
