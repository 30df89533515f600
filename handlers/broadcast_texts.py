"""Broadcast copies as each customer reads them: a catalogue template naming their own orders and
current dates in their language and locale, or staff's free text (DESIGN §11)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from bot.domain.broadcasts import AffectedOrder, FreeText, Template, TemplateMessage
from bot.domain.fitting import MESSAGE_LIMIT, fits
from bot.i18n import SHIPPED_LANGUAGES, Catalogs, Translator, format_locale
from bot.services.broadcasts import BroadcastTexts, CopyRequest

# Why: stands for the order id while an order's line is made once per date (never in a text).
_SLOT = "\x00"


def broadcast_texts(catalogs: Catalogs) -> BroadcastTexts:
    """The renderer of broadcast copies. A template's pieces are made once per language and
    locale, an order's line once per date: 100,000 copies cost little more than joining them."""
    parts: dict[tuple[str, str | None, TemplateMessage, str | None], TemplateParts] = {}

    def render(request: CopyRequest) -> str:
        message = request.message
        if isinstance(message, FreeText):
            return html.escape(message.text(request.language))
        key = (request.language, request.locale, message, request.product_name)
        found = parts.get(key)
        if found is None:
            base = catalogs.translators[request.language]
            locale = format_locale((request.locale, request.language))
            t = base if locale is None or locale == base.locale else replace(base, locale=locale)
            found = parts[key] = TemplateParts(t, message, request.product_name)
        return found.copy(request.orders)

    return BroadcastTexts(frozenset(SHIPPED_LANGUAGES), catalogs.default_language, render)


def template_copy(
    t: Translator,
    message: TemplateMessage,
    product_name: str | None,
    orders: Sequence[AffectedOrder],
) -> str:
    """A template's copy: what happened, the recipient's orders with their estimated ship dates,
    what they can do. Orders that do not fit one message are summed up in a last line."""
    return TemplateParts(t, message, product_name).copy(orders)


class TemplateParts:
    """A template's texts in one language and locale, each made once: the heading for one order
    or several, the closing, and an order's line for each estimated ship date."""

    def __init__(self, t: Translator, message: TemplateMessage, product_name: str | None) -> None:
        self._t = t
        self._message = message
        self._product = product_name or message.param("sku") or ""
        self._tail = _closing(t, message)
        self._heads: dict[bool, list[str]] = {}
        self._lines: dict[date | None, str] = {}

    def copy(self, orders: Sequence[AffectedOrder]) -> str:
        """The copy naming these orders, within one Telegram message."""
        one = len(orders) == 1
        head = self._heads.get(one)
        if head is None:
            head = self._heads[one] = _heading(self._t, self._message, self._product, one)
        lines = [self._line(order) for order in orders]
        text = "\n".join([*head, *lines, "", self._tail])
        # Why: a short text fits for certain (a character is at most two UTF-16 units).
        if len(text) <= MESSAGE_LIMIT // 2 or fits(text, 0):
            return text
        shown = _most_that_fit(self._t, head, lines, self._tail)
        more = _more(self._t, len(lines) - shown)
        return "\n".join([*head, *lines[:shown], more, "", self._tail])

    def _line(self, order: AffectedOrder) -> str:
        day = order.estimated_ship_date
        line = self._lines.get(day)
        if line is None:
            line = self._lines[day] = _order_line(self._t, _SLOT, day)
        return line.replace(_SLOT, html.escape(order.order_id))


def _more(t: Translator, count: int) -> str:
    return t.ngettext(
        "…and {n} more order. Send /orders to see them all.",
        "…and {n} more orders. Send /orders to see them all.",
        count,
    )


def _most_that_fit(t: Translator, head: list[str], lines: list[str], tail: str) -> int:
    low, high = 0, len(lines) - 1
    while low < high:
        middle = (low + high + 1) // 2
        more = _more(t, len(lines) - middle)
        if fits("\n".join([*head, *lines[:middle], more, "", tail]), 0):
            low = middle
        else:
            high = middle - 1
    return low


def _heading(t: Translator, message: TemplateMessage, product: str, one: bool) -> list[str]:
    # Why: one order or several, no number shown: a choice of wording, not the plural of a count.
    where = (
        t.gettext("Where your order stands now:")
        if one
        else t.gettext("Where your orders stand now:")
    )
    if message.template is Template.STOCK_ARRIVED:
        return [
            t.gettext("<b>Good news about your order</b>")
            if one
            else t.gettext("<b>Good news about your orders</b>"),
            t.gettext("{product} has arrived from our supplier.", product=product),
            "",
            where,
        ]
    lines = [
        t.gettext("<b>A supplier delay affects your order</b>")
        if one
        else t.gettext("<b>A supplier delay affects your orders</b>"),
        t.gettext("Our supplier of {product} is delivering later than planned.", product=product),
    ]
    reason = message.param("reason")
    if reason:
        # TRANSLATORS: {reason} is staff's note, as typed (in one language for every customer).
        lines.append(t.gettext("What the supplier told us: {reason}", reason=reason))
    return [*lines, "", where]


def _order_line(t: Translator, order_id: str, day: date | None) -> str:
    if day is None:
        return t.gettext("• Order {order_id}: no estimated ship date yet", order_id=order_id)
    return t.gettext(
        "• Order {order_id}: estimated ship date {date}", order_id=order_id, date=t.date(day)
    )


def _closing(t: Translator, message: TemplateMessage) -> str:
    if message.template is Template.STOCK_ARRIVED:
        return t.gettext("Send /orders to see the details.")
    return t.gettext("We are sorry for the wait. Send /orders to see the details and your options.")
