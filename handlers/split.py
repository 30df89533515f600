"""Ship what is ready: what goes now and what keeps waiting, a confirmation, or one delivery."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.clock import business_today
from bot.context import BotContext
from bot.domain.actions import ActionResult, AlreadyDone, Done, NotAllowed, NotFound
from bot.i18n import Translator
from bot.services.handles import order_handle
from bot.services.split import SplitQuote, confirm_split, quote_split, set_ship_complete
from bot.services.status import OrderView
from handlers.actions_common import (
    actor,
    not_available,
    owned_view,
    read_tap,
    show_outcome,
    show_with_order,
    unchanged_text,
)
from handlers.cancel import action_store
from handlers.common import answer_press, button, respond, short
from handlers.orders import NAME_IN_TEXT, SPLIT_PREFIX, order_data
from handlers.paging import clamp, nav_row, page_note, page_number, paginate

CONFIRM_PREFIX = "sy:"
COMPLETE_PREFIX = "sc:"


async def ask_split(update: Update, context: BotContext) -> None:
    """[Ship what's ready] ("sa:<order>[:<page>]"): what ships now, what waits; ask to confirm."""
    tap = await read_tap(update, context, SPLIT_PREFIX, 1, 2)
    if tap is None:
        return
    t, customer_id, order_id = tap.t, tap.customer_id, tap.order_id
    page = page_number(tap.fields[0]) if tap.fields else 0
    if page is None:
        await not_available(update, t)
        return
    services = context.services
    quote = await quote_split(
        action_store(context),
        customer_id,
        order_id,
        rules=services.rules,
        today=business_today(services.clock, services.settings.timezone),
    )
    if isinstance(quote, NotFound):
        await not_available(update, t)
        return
    await answer_press(update)
    if isinstance(quote, NotAllowed):
        await show_with_order(update, context, t, customer_id, order_id, refused_text(t, quote))
        return
    view = await owned_view(services.store, customer_id, order_id)
    parts = split_parts(t, quote, view)
    pages = paginate(parts)
    page = clamp(page, pages)
    await respond(
        update, split_text(t, quote, parts, pages, page), split_keyboard(t, quote, pages, page)
    )


def split_parts(t: Translator, quote: SplitQuote, view: OrderView | None) -> list[str]:
    """The two deliveries as items: the ready part now, the rest with its own estimated date."""
    dates = {
        line.line_no: line.eta.ship_date
        for line in (view.lines if view else ())
        if line.eta is not None and line.eta.ship_date is not None
    }
    now = [
        t.gettext(
            "• {product} × {quantity}",
            product=short(part.name, NAME_IN_TEXT),
            quantity=t.number(part.quantity),
        )
        for part in quote.ready
    ]
    later = [
        t.gettext(
            "• {product} × {quantity} — estimated to ship {date}",
            product=short(part.name, NAME_IN_TEXT),
            quantity=t.number(part.quantity),
            date=t.date(ship_date),
        )
        if (ship_date := dates.get(part.line_no)) is not None
        else t.gettext(
            "• {product} × {quantity} — no estimated ship date yet",
            product=short(part.name, NAME_IN_TEXT),
            quantity=t.number(part.quantity),
        )
        for part in quote.waiting
    ]
    return [*now, *later]


def split_text(
    t: Translator, quote: SplitQuote, parts: list[str], pages: list[range], page: int
) -> str:
    """The heading, then one page of the two deliveries, each under its own heading."""
    heading = t.gettext("<b>Ship what is ready in order {order_id}?</b>", order_id=quote.order_id)
    ready = len(quote.ready)
    shown = pages[page]
    now = [parts[index] for index in shown if index < ready]
    later = [parts[index] for index in shown if index >= ready]
    lines = [heading]
    # Why: every page names the delivery its items belong to, even when it starts mid-list.
    if now:
        lines.extend(["", t.gettext("<b>Ships now:</b>"), *now])
    if later:
        lines.extend(["", t.gettext("<b>Follows later:</b>"), *later])
    note = page_note(t, page, len(pages))
    return "\n".join([*lines, *(["", note] if note else [])])


def split_keyboard(
    t: Translator, quote: SplitQuote, pages: list[range] | None = None, page: int = 0
) -> InlineKeyboardMarkup:
    """[Yes, ship what's ready] with the version; [I prefer one complete delivery]; paging."""
    handle = order_handle(quote.order_id)
    rows = [
        [button(t.gettext("Yes, ship what's ready"), f"{CONFIRM_PREFIX}{handle}:{quote.version}")],
        [button(t.gettext("I prefer one complete delivery"), COMPLETE_PREFIX + handle)],
    ]
    count = len(pages) if pages else 1
    nav = nav_row(t, page, count, lambda number: f"{SPLIT_PREFIX}{handle}:{number}")
    if nav:
        rows.append(nav)
    rows.append([button(t.gettext("« Back to the order"), order_data(quote.order_id))])
    return InlineKeyboardMarkup(rows)


async def confirm(update: Update, context: BotContext) -> None:
    """[Yes, ship what's ready]: the service re-checks owner, state and version."""
    tap = await read_tap(update, context, CONFIRM_PREFIX, 2)
    if tap is None:
        return
    order_id, (version,) = tap.order_id, tap.fields
    if not version.isdigit():
        await not_available(update, tap.t)
        return
    services = context.services
    result = await confirm_split(
        action_store(context),
        tap.customer_id,
        order_id,
        int(version),
        actor=actor(tap.customer_id),
        now=services.clock.now(),
        timezone=services.settings.timezone,
        rules=services.rules,
    )
    await show_outcome(update, context, tap, order_id, result, outcome_text)


async def prefer_complete(update: Update, context: BotContext) -> None:
    """[I prefer one complete delivery]: remember it on the order."""
    tap = await read_tap(update, context, COMPLETE_PREFIX, 1)
    if tap is None:
        return
    order_id = tap.order_id
    result = await set_ship_complete(
        action_store(context),
        tap.customer_id,
        order_id,
        True,
        actor=actor(tap.customer_id),
        now=context.services.clock.now(),
    )
    await show_outcome(update, context, tap, order_id, result, complete_text)


def outcome_text(t: Translator, result: ActionResult) -> str:
    """What became of a split, politely."""
    if isinstance(result, Done):
        return t.gettext("✅ Done: the ready items ship now, the rest follows when it arrives.")
    if isinstance(result, AlreadyDone):
        return t.gettext("The ready items are already on their way — nothing more to do.")
    return unchanged_text(t, result, refused_text)


def complete_text(t: Translator, result: ActionResult) -> str:
    """One complete delivery stored (or already wanted): the same sentence either way."""
    return t.gettext(
        "All right: we will ship order {order_id} in one complete delivery.",
        order_id=result.order_id,
    )


def refused_text(t: Translator, refusal: NotAllowed) -> str:
    """Why the order cannot be split as it stands."""
    if refusal.reason == "nothing_ready":
        return t.gettext(
            "Nothing in this order is ready to ship yet, so there is nothing to send ahead."
        )
    return t.gettext("This order has nothing left waiting, so there is nothing to split.")


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        CallbackQueryHandler(ask_split, pattern=f"^{SPLIT_PREFIX}"),
        CallbackQueryHandler(confirm, pattern=f"^{CONFIRM_PREFIX}"),
        CallbackQueryHandler(prefer_complete, pattern=f"^{COMPLETE_PREFIX}"),
    ]
