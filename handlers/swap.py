"""Pick an alternative for a waiting item: offers that ship sooner, a confirmation, the outcome."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.clock import business_today
from bot.context import BotContext
from bot.domain.actions import ActionResult, AlreadyDone, Done, NotAllowed, NotFound
from bot.domain.handles import resolve
from bot.i18n import Translator
from bot.services.handles import order_handle, product_handle
from bot.services.status import LineView
from bot.services.swap import SubstituteOffer, confirm_swap, offer_substitutes
from handlers.actions_common import (
    actor,
    line_number,
    not_available,
    owned_view,
    read_tap,
    show_outcome,
    show_with_order,
    unchanged_text,
)
from handlers.cancel import action_store
from handlers.common import answer_press, button, label, respond, short
from handlers.orders import ALTERNATIVES_PREFIX, CANCEL_PREFIX, NAME_IN_TEXT, order_data

PICK_PREFIX = "ap:"
CONFIRM_PREFIX = "ay:"


async def show_offers(update: Update, context: BotContext) -> None:
    """[Alternatives]: up to three products that ship sooner, each with its price and date."""
    tap = await read_tap(update, context, ALTERNATIVES_PREFIX, 2)
    if tap is None:
        return
    t, customer_id, order_id, (which,) = tap.t, tap.customer_id, tap.order_id, tap.fields
    line_no = line_number(which)
    offers = None if line_no is None else await _offers(context, customer_id, order_id, line_no)
    if line_no is None or offers is None or isinstance(offers, NotFound):
        await not_available(update, t)
        return
    await answer_press(update)
    line = await _line(context, customer_id, order_id, line_no)
    if line is None:
        await not_available(update, t)
        return
    if isinstance(offers, NotAllowed):
        if offers.reason == "no_substitute":
            await respond(
                update, no_substitute_text(t, line), no_substitute_keyboard(t, order_id, line)
            )
        else:
            await show_with_order(
                update, context, t, customer_id, order_id, refused_text(t, offers)
            )
        return
    await respond(
        update, offers_text(t, line, offers), offers_keyboard(t, order_id, line_no, offers)
    )


def offers_text(t: Translator, line: LineView, offers: list[SubstituteOffer]) -> str:
    """The waiting item's date, then each offer with its price difference and ship date."""
    heading = t.gettext(
        "<b>Alternatives to {product}</b>", product=short(line.product_name, NAME_IN_TEXT)
    )
    eta = line.eta
    waiting = (
        t.gettext("Your item is estimated to ship {date}.", date=t.date(eta.ship_date))
        if eta is not None and eta.ship_date is not None
        else t.gettext("Your item has no estimated ship date yet.")
    )
    intro = t.ngettext(
        "This product would ship sooner:", "These products would ship sooner:", len(offers)
    )
    items = [
        t.gettext(
            "• <b>{product}</b> — {price} · ships {date}",
            product=short(offer.name, NAME_IN_TEXT),
            price=price_difference(t, offer),
            date=t.date(offer.ship_date) if offer.ship_date else "—",
        )
        for offer in offers
    ]
    return "\n".join([heading, waiting, "", intro, *items])


def price_difference(t: Translator, offer: SubstituteOffer) -> str:
    """ "+4,00 €", "−10,00 €" or "same price"."""
    amount = t.money(abs(offer.price_difference_minor), offer.currency)
    if offer.price_difference_minor > 0:
        return label(t.gettext("+{amount}", amount=amount))
    if offer.price_difference_minor < 0:
        return label(t.gettext("−{amount}", amount=amount))
    return label(t.gettext("same price"))


def offers_keyboard(
    t: Translator, order_id: str, line_no: int, offers: list[SubstituteOffer]
) -> InlineKeyboardMarkup:
    """One button per offer, then the way back to the order."""
    handle = order_handle(order_id)
    rows = [
        [
            InlineKeyboardButton(
                f"{short(offer.name)} · {price_difference(t, offer)}",
                callback_data=f"{PICK_PREFIX}{handle}:{line_no}:{product_handle(offer.sku)}",
            )
        ]
        for offer in offers
    ]
    rows.append([_back(t, order_id, t.gettext("« Back to the order"))])
    return InlineKeyboardMarkup(rows)


def no_substitute_text(t: Translator, line: LineView) -> str:
    """Nothing ships sooner: say so and offer to cancel or keep waiting."""
    return t.gettext(
        "Sorry, we have no alternative to <b>{product}</b> that would ship sooner. "
        "You can cancel this item or keep waiting for it.",
        product=short(line.product_name, NAME_IN_TEXT),
    )


def no_substitute_keyboard(t: Translator, order_id: str, line: LineView) -> InlineKeyboardMarkup:
    """[Cancel item] [Keep waiting]."""
    cancel = button(
        t.gettext("Cancel {product}", product=short(line.product_name)),
        f"{CANCEL_PREFIX}{order_handle(order_id)}:{line.line_no}",
    )
    return InlineKeyboardMarkup([[cancel, _back(t, order_id, t.gettext("Keep waiting"))]])


async def pick_offer(update: Update, context: BotContext) -> None:
    """An offer chosen: confirm it, accepting a price increase explicitly."""
    tap = await read_tap(update, context, PICK_PREFIX, 3)
    if tap is None:
        return
    t, customer_id, order_id = tap.t, tap.customer_id, tap.order_id
    which, product = tap.fields
    line_no = line_number(which)
    offers = None if line_no is None else await _offers(context, customer_id, order_id, line_no)
    if line_no is None or offers is None or isinstance(offers, NotFound):
        await not_available(update, t)
        return
    await answer_press(update)
    offer = (
        next((offer for offer in offers if product_handle(offer.sku) == product), None)
        if isinstance(offers, list)
        else None
    )
    line = await _line(context, customer_id, order_id, line_no)
    state = await action_store(context).order_state(order_id)
    if offer is None or line is None or state is None:
        text = unavailable_text(t)
        await show_with_order(update, context, t, customer_id, order_id, text)
        return
    await respond(
        update,
        swap_text(t, line, offer),
        swap_keyboard(t, order_id, line_no, state.version, offer),
    )


def swap_text(t: Translator, line: LineView, offer: SubstituteOffer) -> str:
    """Exactly what the swap does: the new item and date, and what it costs or refunds."""
    heading = t.gettext(
        "<b>Swap {old} for {new}?</b>",
        old=short(line.product_name, NAME_IN_TEXT),
        new=short(offer.name, NAME_IN_TEXT),
    )
    when = (
        t.gettext(
            "{product} × {quantity} is estimated to ship {date}.",
            product=short(offer.name, NAME_IN_TEXT),
            quantity=t.number(line.quantity),
            date=t.date(offer.ship_date),
        )
        if offer.ship_date
        else ""
    )
    amount = t.money(abs(offer.price_difference_minor), offer.currency)
    if offer.price_difference_minor > 0:
        money = t.gettext("The new item costs <b>{amount}</b> more in total.", amount=amount)
    elif offer.price_difference_minor < 0:
        money = t.gettext(
            "The new item costs less: you will get <b>{amount}</b> back.", amount=amount
        )
    else:
        money = t.gettext("The price is the same.")
    return "\n".join(part for part in (heading, when, money) if part)


def swap_keyboard(
    t: Translator, order_id: str, line_no: int, version: int, offer: SubstituteOffer
) -> InlineKeyboardMarkup:
    """[I accept the extra 4,00 €] or [Yes, swap]; [No, keep waiting]."""
    accept = offer.price_difference_minor > 0
    handle, product = order_handle(order_id), product_handle(offer.sku)
    data = f"{CONFIRM_PREFIX}{handle}:{line_no}:{version}:{int(accept)}:{product}"
    text = (
        t.gettext(
            "I accept the extra {amount}",
            amount=t.money(offer.price_difference_minor, offer.currency),
        )
        if accept
        else t.gettext("Yes, swap")
    )
    rows = [[button(text, data)], [_back(t, order_id, t.gettext("No, keep waiting"))]]
    return InlineKeyboardMarkup(rows)


async def confirm(update: Update, context: BotContext) -> None:
    """The swap confirmed: the service re-checks owner, state, version, offer and price."""
    tap = await read_tap(update, context, CONFIRM_PREFIX, 5)
    if tap is None:
        return
    order_id, (line_no, version, accept, product) = tap.order_id, tap.fields
    if not (line_no.isdigit() and version.isdigit()) or accept not in ("0", "1"):
        await not_available(update, tap.t)
        return
    services = context.services
    sku = await _offered_sku(context, tap.customer_id, order_id, int(line_no), product)
    if sku is None:
        await answer_press(update)
        await show_with_order(
            update, context, tap.t, tap.customer_id, order_id, unavailable_text(tap.t)
        )
        return
    result = await confirm_swap(
        action_store(context),
        tap.customer_id,
        order_id,
        int(line_no),
        sku,
        int(version),
        accept_price_increase=accept == "1",
        actor=actor(tap.customer_id),
        now=services.clock.now(),
        timezone=services.settings.timezone,
        rules=services.rules,
        refund_days=services.settings.refund_days,
    )
    await show_outcome(update, context, tap, order_id, result, outcome_text)


def outcome_text(t: Translator, result: ActionResult) -> str:
    """What became of a swap, politely."""
    if isinstance(result, Done):
        if result.refund_minor > 0 and result.refund_due is not None:
            return t.gettext(
                "✅ Swapped. We will refund <b>{amount}</b> by {date} at the latest.",
                amount=t.money(result.refund_minor, result.currency),
                date=t.date(result.refund_due),
            )
        return t.gettext("✅ Swapped. The new item is on your order now.")
    if isinstance(result, AlreadyDone):
        return t.gettext("This swap is already done — nothing more to do.")
    return unchanged_text(t, result, refused_text)


def refused_text(t: Translator, refusal: NotAllowed) -> str:
    """Why this item cannot be swapped as things stand."""
    if refusal.reason == "shipped":
        return t.gettext("This item has already shipped, so it can no longer be swapped.")
    if refusal.reason == "not_open":
        return t.gettext("This item is no longer on the order, so it can't be swapped.")
    if refusal.reason == "price_increase_not_accepted":
        return t.gettext("Please confirm that you accept the higher price first.")
    return unavailable_text(t)


async def _offers(
    context: BotContext, customer_id: str, order_id: str, line_no: int
) -> list[SubstituteOffer] | NotFound | NotAllowed:
    services = context.services
    return await offer_substitutes(
        action_store(context),
        customer_id,
        order_id,
        line_no,
        rules=services.rules,
        today=business_today(services.clock, services.settings.timezone),
    )


async def _line(
    context: BotContext, customer_id: str, order_id: str, line_no: int
) -> LineView | None:
    view = await owned_view(context.services.store, customer_id, order_id)
    return next((line for line in view.lines if line.line_no == line_no), None) if view else None


async def _offered_sku(
    context: BotContext, customer_id: str, order_id: str, line_no: int, product: str
) -> str | None:
    """The SKU a product handle stands for among the line's offers and the order's own items."""
    offers = await _offers(context, customer_id, order_id, line_no)
    view = await owned_view(context.services.store, customer_id, order_id)
    # Why: after the swap the new item is on the order, so a second press hears "already done".
    skus = [offer.sku for offer in offers] if isinstance(offers, list) else []
    skus.extend(line.sku for line in (view.lines if view else ()))
    return resolve("product", product, skus)


def unavailable_text(t: Translator) -> str:
    """The alternative pressed is not offered for this item any more."""
    return t.gettext("Sorry, that alternative is not available for this item any more.")


def _back(t: Translator, order_id: str, text: str) -> InlineKeyboardButton:
    return button(text, order_data(order_id))


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers."""
    return [
        CallbackQueryHandler(show_offers, pattern=f"^{ALTERNATIVES_PREFIX}"),
        CallbackQueryHandler(pick_offer, pattern=f"^{PICK_PREFIX}"),
        CallbackQueryHandler(confirm, pattern=f"^{CONFIRM_PREFIX}"),
    ]
