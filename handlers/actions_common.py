"""What the action flows (cancel, swap, split) share: reading a tap, answering, the outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telegram import CallbackQuery, Update

from bot.context import BotContext
from bot.domain.actions import ActionResult, Changed, NotAllowed, NotFound
from bot.domain.store import Store
from bot.i18n import Translator
from bot.services.handles import customer_order
from bot.services.status import OrderView, order_view
from handlers.common import answer_press, label, linked_customer_id, respond
from handlers.orders import order_screen

Refusal = Callable[[Translator, NotAllowed], str]


@dataclass(frozen=True)
class Tap:
    """A press from a linked customer on one of their orders, with the other fields of its data."""

    query: CallbackQuery
    t: Translator
    customer_id: str
    order_id: str
    fields: list[str]


async def read_tap(update: Update, context: BotContext, prefix: str, *counts: int) -> Tap | None:
    """The press, its order (the first field's handle among the chat's own orders) and the other
    fields (`counts` include the handle); None, after saying the order is unavailable, else."""
    query = update.callback_query
    if query is None or query.data is None:
        return None
    t = await context.translator(update)
    customer_id = await linked_customer_id(update, context)
    parts = fields(query.data, prefix, *counts)
    order_id = (
        await customer_order(context.services.store, customer_id, parts[0])
        if customer_id is not None and parts is not None
        else None
    )
    if customer_id is None or parts is None or order_id is None:
        await not_available(update, t)
        return None
    return Tap(query, t, customer_id, order_id, parts[1:])


def actor(customer_id: str) -> str:
    """Who the audit log and the shop's events name for a customer's action."""
    return f"customer:{customer_id}"


def fields(data: str, prefix: str, *counts: int) -> list[str] | None:
    """The colon-separated fields after `prefix` (as many as one of `counts`), None if malformed."""
    parts = data.removeprefix(prefix).split(":")
    return parts if len(parts) in counts and all(parts) else None


def line_number(text: str) -> int | None:
    """A line number from callback data, None for the whole order or anything else."""
    return int(text) if text.isdigit() else None


async def owned_view(store: Store, customer_id: str, order_id: str) -> OrderView | None:
    """The order as it stands now, only for its own customer."""
    view = await order_view(store, order_id)
    return view if view is not None and view.order.customer_id == customer_id else None


async def not_available(update: Update, t: Translator) -> None:
    """The one answer for a missing order, another customer's order and forged data."""
    text = label(t.gettext("Sorry, that order is not available in this chat."))
    await answer_press(update, text, alert=True)


async def show_with_order(
    update: Update, context: BotContext, t: Translator, customer_id: str, order_id: str, text: str
) -> None:
    """A sentence about the outcome, then the order as it stands now with its actions."""
    view = await owned_view(context.services.store, customer_id, order_id)
    if view is None:
        await respond(update, text)
        return
    order_text, keyboard = await order_screen(context, t, view)
    await respond(update, f"{text}\n\n{order_text}", keyboard)


async def show_outcome(
    update: Update,
    context: BotContext,
    tap: Tap,
    order_id: str,
    result: ActionResult,
    describe: Callable[[Translator, ActionResult], str],
) -> None:
    """After a confirmation: the not-available alert, or the outcome above the order."""
    if isinstance(result, NotFound):
        await not_available(update, tap.t)
        return
    await answer_press(update)
    text = describe(tap.t, result)
    await show_with_order(update, context, tap.t, tap.customer_id, order_id, text)


def unchanged_text(t: Translator, result: Changed | NotAllowed | NotFound, refused: Refusal) -> str:
    """An outcome where nothing was done: a stale button, a refusal or an unavailable order."""
    if isinstance(result, Changed):
        return t.gettext("This order changed in the meantime. Here is where it stands now:")
    if isinstance(result, NotAllowed):
        return refused(t, result)
    return t.gettext("Sorry, that order is not available in this chat.")
