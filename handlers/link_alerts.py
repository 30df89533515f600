"""Staff alerts about an order number whose linking paused, in the default language (§12)."""

from __future__ import annotations

from bot.context import Services
from bot.domain.link_guard import OrderLockout
from bot.i18n import Translator
from bot.services.linking import LockoutAlerting
from bot.services.notice_delivery import alert_chats


def lockout_alerting(services: Services) -> LockoutAlerting:
    """Where an alert about a paused order number goes (DESIGN §12) and how it reads."""
    settings = services.settings
    t = services.catalogs.translator(settings.default_language)
    return LockoutAlerting(
        alert_chats(settings.support_chat_id, settings.staff_ids),
        lambda lockout: lockout_alert_text(t, lockout),
    )


def lockout_alert_text(t: Translator, lockout: OrderLockout) -> str:
    """Which typed order number was paused, after how many attempts from how many chats.

    "A day" is bot.services.linking.ORDER_FAILURE_WINDOW.
    """
    return "\n".join(
        [
            t.gettext(
                "⚠️ <b>Linking paused for order number {order}</b>", order=lockout.order_number
            ),
            t.ngettext(
                "{n} attempt to link a chat with this order number and a wrong email or phone "
                "within a day.",
                "{n} attempts to link a chat with this order number and a wrong email or phone "
                "within a day.",
                lockout.failures,
            ),
            t.ngettext(
                "They came from {n} chat.",
                "They came from {n} different chats.",
                lockout.chats,
            ),
            t.gettext(
                "Linking by this order number is paused until those attempts are a day old, "
                "whether or not such an order exists. Deep links and shared phone numbers still "
                "work.",
            ),
        ]
    )
