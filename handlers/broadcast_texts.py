"""Broadcast copies as each customer reads them: a catalogue template naming their own orders and
current dates in their language and locale, or staff's free text (DESIGN §11)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from babel import Locale

from bot.domain.broadcasts import AffectedOrder, FreeText, Template, TemplateMessage
from bot.domain.fitting import MESSAGE_LIMIT, fits
from bot.i18n import SHIPPED_LANGUAGES, Catalogs, Translator, format_locale
from bot.services.broadcasts import BroadcastTexts, CopyRequest

DateText = Callable[[Translator, date], str]


def broadcast_texts(catalogs: Catalogs) -> BroadcastTexts:
    """The renderer of broadcast copies, with translators and formatted dates cached: a broadcast
    to 100,000 customers formats each (locale, date) once."""
    translators: dict[tuple[str, str | None], Translator] = {}
    dates: dict[tuple[Locale, date], str] = {}

    def translator(language: str, tag: str | None) -> Translator:
        key = (language, tag)
        found = translators.get(key)
        if found is None:
            base = catalogs.translators[language]
            locale = format_locale((tag, language))
            found = (
                base if locale is None or locale == base.locale else replace(base, locale=locale)
            )
            translators[key] = found
        return found

    def date_text(t: Translator, day: date) -> str:
        key = (t.locale, day)
        text = dates.get(key)
        if text is None:
            text = dates[key] = t.date(day)
        return text

    def render(request: CopyRequest) -> str:
        message = request.message
        if isinstance(message, FreeText):
            return html.escape(message.text(request.language))
        t = translator(request.language, request.locale)
        return template_copy(t, message, request.product_name, request.orders, date_text)

    return BroadcastTexts(frozenset(SHIPPED_LANGUAGES), catalogs.default_language, render)


def template_copy(
    t: Translator,
    message: TemplateMessage,
    product_name: str | None,
    orders: Sequence[AffectedOrder],
    date_text: DateText | None = None,
) -> str:
    """A template's copy: what happened, the recipient's orders with their estimated ship dates,
    what they can do. Orders that do not fit one message are summed up in a last line."""
    write_date = date_text or (lambda tr, day: tr.date(day))
    head = _heading(t, message, product_name or message.param("sku") or "", len(orders))
    tail = _closing(t, message)
    lines = [_order_line(t, order, write_date) for order in orders]
    text = "\n".join([*head, *lines, "", tail])
    # Why: a short text fits for certain (a character is at most two UTF-16 units).
    if len(text) <= MESSAGE_LIMIT // 2 or fits(text, 0):
        return text
    shown = _most_that_fit(t, head, lines, tail)
    more = t.ngettext(
        "…and {n} more order. Send /orders to see them all.",
        "…and {n} more orders. Send /orders to see them all.",
        len(lines) - shown,
    )
    return "\n".join([*head, *lines[:shown], more, "", tail])


def _most_that_fit(t: Translator, head: list[str], lines: list[str], tail: str) -> int:
    low, high = 0, len(lines) - 1
    while low < high:
        middle = (low + high + 1) // 2
        more = t.ngettext(
            "…and {n} more order. Send /orders to see them all.",
            "…and {n} more orders. Send /orders to see them all.",
            len(lines) - middle,
        )
        if fits("\n".join([*head, *lines[:middle], more, "", tail]), 0):
            low = middle
        else:
            high = middle - 1
    return low


def _heading(t: Translator, message: TemplateMessage, product: str, count: int) -> list[str]:
    # Why: one order or several, no number shown: a choice of wording, not the plural of a count.
    one = count == 1
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


def _order_line(t: Translator, order: AffectedOrder, write_date: DateText) -> str:
    if order.estimated_ship_date is None:
        return t.gettext("• Order {order_id}: no estimated ship date yet", order_id=order.order_id)
    return t.gettext(
        "• Order {order_id}: estimated ship date {date}",
        order_id=order.order_id,
        date=write_date(t, order.estimated_ship_date),
    )


def _closing(t: Translator, message: TemplateMessage) -> str:
    if message.template is Template.STOCK_ARRIVED:
        return t.gettext("Send /orders to see the details.")
    return t.gettext("We are sorry for the wait. Send /orders to see the details and your options.")
