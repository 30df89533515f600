"""/broadcast: a staff member drafts a broadcast in one message edited in place (DESIGN §11).

Segment → message → preview → confirm; the draft lives in the database (broadcast_drafts), the
typed answers come through handlers/staff/typed_input.py. Callback data "bw:<draft no>:<action>"
names the draft it was drawn for, never a shop's identifier: a press from another draft is stale.
Actions: k<kind> segment kind, l<lang> / j<J> narrowing, n continue, t<i> template, f free text,
a add a language, p<lang> its language, r skip the reason, v preview, y send, m change the
message, s change the segment, x cancel.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.clock import business_today
from bot.context import BotContext
from bot.domain.broadcast_drafts import Draft, ProgressMessage, Step
from bot.domain.broadcasts import (
    PARAM_LIMIT,
    Problem,
    Rejected,
    SegmentKind,
    Template,
    free_text,
)
from bot.domain.fitting import fits
from bot.domain.model import Jurisdiction
from bot.domain.staff_prompts import PROMPT_LIFETIME, PromptKind, StaffPrompt
from bot.i18n import LANGUAGE_NAMES, SHIPPED_LANGUAGES, Translator
from bot.services.broadcasts import (
    Preview,
    QuietHoursRule,
    check_segment,
    preview_broadcast,
    queue_broadcast,
)
from handlers.broadcast_texts import broadcast_texts
from handlers.common import answer_press, button, cut, label, respond, send_new
from handlers.staff.access import staff_actor, staff_only
from handlers.staff.broadcast_progress import progress_screen
from handlers.staff.purchase_orders import show_screen
from handlers.staff.texts import staff_user_id

PREFIX = "bw:"
# Prompt kinds of this flow (typed_input hands them to `answer_typed`).
PROMPTS = frozenset(
    {PromptKind.BC_VALUE, PromptKind.BC_SKU, PromptKind.BC_REASON, PromptKind.BC_TEXT}
)
_KINDS = {
    "a": SegmentKind.ALL,
    "s": SegmentKind.SKU,
    "u": SegmentKind.SUPPLIER,
    "p": SegmentKind.PURCHASE_ORDER,
    "o": SegmentKind.ORDERS,
}
_TEMPLATES = (Template.SUPPLIER_DELAY, Template.STOCK_ARRIVED)
_SEPARATORS = re.compile(r"[,;\s]+")
# Why: a screen names a few typed values, each cut short; thousands of order numbers would not
# fit one Telegram message.
_LISTED = 10
_VALUE_LIMIT = 60


def _data(draft: Draft, action: str) -> str:
    return f"{PREFIX}{draft.draft_no}:{action}"


def _cancel_row(t: Translator, draft: Draft) -> list[InlineKeyboardButton]:
    return [button(t.gettext("Cancel"), _data(draft, "x"))]


def _heading(t: Translator) -> str:
    return t.gettext("<b>New broadcast</b>")


def segment_text(t: Translator, draft: Draft) -> str:
    """The segment drafted so far, in words."""
    match draft.kind:
        case SegmentKind.ALL:
            who = t.gettext("All waiting customers")
        case SegmentKind.SKU:
            who = t.gettext("Customers waiting for {skus}", skus=_listed(t, draft.values))
        case SegmentKind.SUPPLIER:
            who = t.gettext(
                "Customers waiting on supplier {supplier}",
                supplier=cut(draft.values[0], _VALUE_LIMIT),
            )
        case SegmentKind.PURCHASE_ORDER:
            who = t.gettext(
                "Customers waiting on purchase order {po_id}", po_id=_listed(t, draft.values)
            )
        case _:
            who = t.gettext("Customers of orders {orders}", orders=_listed(t, draft.values))
    narrowing = []
    if draft.language:
        narrowing.append(t.language_name(draft.language))
    if draft.jurisdiction:
        narrowing.append(draft.jurisdiction.value)
    if narrowing:
        who = t.gettext("{segment} (only {narrowing})", segment=who, narrowing=", ".join(narrowing))
    return t.gettext("To: {segment}", segment=who)


def _listed(t: Translator, values: tuple[str, ...]) -> str:
    """Typed values as a list; past _LISTED, the rest counted (a screen stays one message)."""
    shown = ", ".join(cut(value, _VALUE_LIMIT) for value in values[:_LISTED])
    if len(values) <= _LISTED:
        return shown
    more = t.ngettext("and {n} more", "and {n} more", len(values) - _LISTED)
    return f"{shown} {more}"


def screen(t: Translator, draft: Draft, note: str = "") -> tuple[str, InlineKeyboardMarkup]:
    """The wizard's screen for the draft's step, with an optional `note` below it."""
    lines = [_heading(t)]
    rows: list[list[InlineKeyboardButton]] = []
    if draft.step is Step.SEGMENT:
        lines.append(t.gettext("Who should receive it?"))
        rows = [
            [button(t.gettext("All waiting customers"), _data(draft, "ka"))],
            [button(t.gettext("By product (SKU)"), _data(draft, "ks"))],
            [button(t.gettext("By supplier"), _data(draft, "ku"))],
            [button(t.gettext("By purchase order"), _data(draft, "kp"))],
            [button(t.gettext("Order list"), _data(draft, "ko"))],
        ]
    elif draft.step is Step.VALUES:
        asks = {
            SegmentKind.SKU: t.gettext("Type the SKU, or several separated by commas or spaces."),
            SegmentKind.SUPPLIER: t.gettext("Type the supplier's name."),
            SegmentKind.PURCHASE_ORDER: t.gettext("Type the purchase order number."),
            SegmentKind.ORDERS: t.gettext("Type the order numbers, separated by commas or spaces."),
        }
        lines.append(asks.get(draft.kind or SegmentKind.ORDERS, ""))
        rows = [[button(t.gettext("« Back"), _data(draft, "s"))]]
    else:
        lines.append(segment_text(t, draft))
        if draft.step is Step.NARROW:
            lines.append(t.gettext("Narrow it down by language or jurisdiction, or continue."))
            rows = _narrow_rows(t, draft)
        elif draft.step is Step.MESSAGE:
            lines.append(t.gettext("What should the message say?"))
            rows = [
                [button(t.gettext("Supplier delay"), _data(draft, "t0"))],
                [button(t.gettext("Stock arrived"), _data(draft, "t1"))],
                [button(t.gettext("Write my own text"), _data(draft, "f"))],
                [button(t.gettext("« Back"), _data(draft, "s"))],
            ]
        else:
            lines.append(_message_text(t, draft))
            rows = _message_rows(t, draft)
    rows.append(_cancel_row(t, draft))
    text = "\n\n".join(line for line in lines if line)
    return (f"{text}\n\n{note}" if note else text), InlineKeyboardMarkup(rows)


def _narrow_rows(t: Translator, draft: Draft) -> list[list[InlineKeyboardButton]]:
    def mark(name: str, chosen: bool) -> str:
        return f"✓ {name}" if chosen else name

    languages = [
        button(mark(LANGUAGE_NAMES[code], draft.language == code), _data(draft, f"l{code}"))
        for code in SHIPPED_LANGUAGES
    ]
    places = [
        button(mark(j.value, draft.jurisdiction is j), _data(draft, f"j{j.value}"))
        for j in Jurisdiction
    ]
    return [
        languages[:3],
        languages[3:],
        places,
        [button(t.gettext("Continue"), _data(draft, "n"))],
    ]


# Why: one line on a phone screen is about this long; the preview shows the whole text.
_EXCERPT_LIMIT = 60


def _message_text(t: Translator, draft: Draft) -> str:
    if draft.template is Template.SUPPLIER_DELAY:
        text = t.gettext("Message: supplier delay")
    elif draft.template is Template.STOCK_ARRIVED:
        text = t.gettext("Message: stock arrived")
    elif draft.texts:
        names = ", ".join(t.language_name(code) for code, _ in draft.texts)
        text = t.gettext("Message: your own text in {languages}", languages=names)
        # Why: staff see what they typed before the preview, a line per language.
        for code, typed_text in draft.texts:
            excerpt = cut(" ".join(typed_text.split()), _EXCERPT_LIMIT)
            text += "\n" + t.gettext(
                "• {language}: {excerpt}", language=t.language_name(code), excerpt=excerpt
            )
    else:
        text = t.gettext("Message: your own text")
    sku = dict(draft.params).get("sku")
    if sku:
        text += "\n" + t.gettext("Product: {sku}", sku=sku)
    reason = dict(draft.params).get("reason")
    if reason:
        text += "\n" + t.gettext("Reason: {reason}", reason=reason)
    return text


def _message_rows(t: Translator, draft: Draft) -> list[list[InlineKeyboardButton]]:
    back = [button(t.gettext("« Back"), _data(draft, "m"))]
    if draft.step is Step.PARAMS and draft.template is Template.SUPPLIER_DELAY and _sku(draft):
        return [[button(t.gettext("Skip"), _data(draft, "r"))], back]
    if draft.step is Step.TEXTS:
        return [
            [button(t.gettext("Add a language"), _data(draft, "a"))],
            [button(t.gettext("Preview"), _data(draft, "v"))],
            back,
        ]
    if draft.step is Step.TEXT and draft.texts:
        return [[button(t.gettext("Preview"), _data(draft, "v"))], back]
    return [back]


def _sku(draft: Draft) -> str | None:
    return dict(draft.params).get("sku")


async def start(update: Update, context: BotContext) -> None:
    """/broadcast: a fresh draft and its first screen, as a new message."""
    t = await context.translator(update)
    chat = update.effective_chat
    assert chat is not None
    store, now = context.services.store, context.services.clock.now()
    await store.clear_staff_prompt(chat.id)
    draft = await store.start_broadcast_draft(chat.id, staff_user_id(update), now=now)
    text, markup = screen(t, draft)
    sent = await send_new(update, text, markup)
    if sent is not None:
        await store.save_broadcast_draft(replace(draft, message_id=sent.message_id), now=now)


async def press(update: Update, context: BotContext) -> None:
    """A wizard button: act on the chat's current draft; a press from another one is stale."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = await context.translator(update)
    chat = update.effective_chat
    assert chat is not None
    store = context.services.store
    number, _, action = query.data.removeprefix(PREFIX).partition(":")
    draft = await store.broadcast_draft(chat.id, staff_user_id(update))
    if draft is None or str(draft.draft_no) != number or not _allowed(draft, action):
        await answer_press(
            update, label(t.gettext("This button is no longer available.")), alert=True
        )
        return
    await answer_press(update)
    if isinstance(query.message, Message):
        draft = replace(draft, message_id=query.message.message_id)
    await store.clear_staff_prompt(chat.id)
    await _act(update, context, t, draft, action)


def _allowed(draft: Draft, action: str) -> bool:
    """Whether `action` can be pressed at the draft's step (an old screen's button cannot)."""
    code, arg = action[:1], action[1:]
    match code:
        case "k":
            return draft.step is Step.SEGMENT and arg in _KINDS
        case "l":
            return draft.step is Step.NARROW and arg in SHIPPED_LANGUAGES
        case "j":
            return draft.step is Step.NARROW and arg in {j.value for j in Jurisdiction}
        case "n":
            return draft.step is Step.NARROW
        case "t":
            return draft.step is Step.MESSAGE and arg in ("0", "1")
        case "f":
            return draft.step is Step.MESSAGE
        case "r":
            return draft.step is Step.PARAMS and draft.template is Template.SUPPLIER_DELAY
        case "a":
            return draft.step in (Step.TEXTS, Step.PREVIEW) and bool(draft.texts)
        case "p":
            written = {code for code, _ in draft.texts}
            return draft.step is Step.TEXTS and arg in SHIPPED_LANGUAGES and arg not in written
        case "v":
            return draft.step in (Step.TEXTS, Step.TEXT) and bool(draft.texts)
        case "y":
            return draft.step is Step.PREVIEW and draft.message is not None
        case "m":
            return draft.kind is not None and draft.step not in (Step.SEGMENT, Step.VALUES)
        case "s" | "x":
            return True
    return False


async def _act(
    update: Update, context: BotContext, t: Translator, draft: Draft, action: str
) -> None:
    code, arg = action[:1], action[1:]
    if code == "x":
        await context.services.store.clear_broadcast_draft(draft.chat_id)
        await respond(update, t.gettext("Broadcast cancelled. Nothing was sent."))
        return
    if code == "k":
        kind = _KINDS[arg]
        draft = replace(draft, kind=kind, values=(), language=None, jurisdiction=None)
        if kind is SegmentKind.ALL:
            await _show(update, context, t, replace(draft, step=Step.NARROW))
        else:
            await _ask(update, context, t, replace(draft, step=Step.VALUES), PromptKind.BC_VALUE)
    elif code == "l":
        language = None if draft.language == arg else arg
        await _show(update, context, t, replace(draft, language=language))
    elif code == "j":
        chosen = Jurisdiction(arg)
        place = None if draft.jurisdiction is chosen else chosen
        await _show(update, context, t, replace(draft, jurisdiction=place))
    elif code == "n" or code == "m":
        cleared = replace(draft, step=Step.MESSAGE, template=None, params=(), texts=())
        await _show(update, context, t, cleared)
    elif code == "t":
        await _template_chosen(update, context, t, draft, _TEMPLATES[int(arg)])
    elif code == "f":
        await _ask_text(update, context, t, replace(draft, template=None, params=()), t.language)
    elif code == "r":
        await show_preview(update, context, t, draft)
    elif code == "a":
        await _show(update, context, t, replace(draft, step=Step.TEXTS), _language_picks(t, draft))
    elif code == "p":
        await _ask_text(update, context, t, draft, arg)
    elif code == "v":
        await show_preview(update, context, t, draft)
    elif code == "y":
        await _send(update, context, t, draft)
    else:
        await _show(update, context, t, replace(draft, step=Step.SEGMENT, kind=None, values=()))


def _language_picks(t: Translator, draft: Draft) -> InlineKeyboardMarkup:
    written = {code for code, _ in draft.texts}
    picks = [
        button(LANGUAGE_NAMES[code], _data(draft, f"p{code}"))
        for code in SHIPPED_LANGUAGES
        if code not in written
    ]
    rows = [picks[i : i + 3] for i in range(0, len(picks), 3)]
    rows.append([button(t.gettext("Preview"), _data(draft, "v"))])
    rows.append(_cancel_row(t, draft))
    return InlineKeyboardMarkup(rows)


async def _template_chosen(
    update: Update, context: BotContext, t: Translator, draft: Draft, template: Template
) -> None:
    draft = replace(draft, template=template, params=(), texts=(), step=Step.PARAMS)
    if draft.kind is SegmentKind.SKU and draft.values:
        draft = draft.with_param("sku", draft.values[0])
    await _next_param(update, context, t, draft)


async def _next_param(update: Update, context: BotContext, t: Translator, draft: Draft) -> None:
    """Ask for the template's SKU, then (supplier delay) its optional reason, then preview."""
    if _sku(draft) is None:
        await _ask(
            update, context, t, draft, PromptKind.BC_SKU, t.gettext("Type the product's SKU.")
        )
    elif draft.template is Template.SUPPLIER_DELAY and "reason" not in dict(draft.params):
        note = t.gettext(
            "Type the reason the supplier gave (it is shown as typed to every customer), or skip."
        )
        await _ask(update, context, t, draft, PromptKind.BC_REASON, note)
    else:
        await show_preview(update, context, t, draft)


async def _ask_text(
    update: Update, context: BotContext, t: Translator, draft: Draft, language: str
) -> None:
    note = t.gettext(
        "Type the message for customers who read {language}:", language=t.language_name(language)
    )
    await _ask(
        update, context, t, replace(draft, step=Step.TEXT), PromptKind.BC_TEXT, note, language
    )


async def _ask(
    update: Update,
    context: BotContext,
    t: Translator,
    draft: Draft,
    kind: PromptKind,
    note: str = "",
    target: str = "",
) -> None:
    chat = update.effective_chat
    assert chat is not None
    now = context.services.clock.now()
    prompt = StaffPrompt(
        chat.id,
        staff_user_id(update),
        kind,
        target or str(draft.draft_no),
        draft.message_id,
        now + PROMPT_LIFETIME,
    )
    await context.services.store.set_staff_prompt(prompt)
    await _show(update, context, t, draft, note=note)


async def _show(
    update: Update,
    context: BotContext,
    t: Translator,
    draft: Draft,
    markup: InlineKeyboardMarkup | None = None,
    *,
    note: str = "",
) -> None:
    """Save the draft, then show its screen in place (a typed answer edits the draft's screen)."""
    await context.services.store.save_broadcast_draft(draft, now=context.services.clock.now())
    text, keyboard = screen(t, draft, note)
    await show_screen(update, context, text, markup or keyboard, draft.message_id)


async def answer_typed(
    update: Update, context: BotContext, t: Translator, prompt: StaffPrompt
) -> bool:
    """A typed answer to one of the wizard's questions; False when the chat's question stays
    open (typed again after the reason is sent, or the next question asked), True when taken
    (the screen moves on)."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and message.text is not None and chat is not None
    store = context.services.store
    draft = await store.broadcast_draft(chat.id, staff_user_id(update))
    if draft is None:
        return True
    draft = replace(draft, message_id=prompt.message_id or draft.message_id)
    text = message.text.strip()
    if prompt.kind is PromptKind.BC_VALUE:
        values = (
            (text,)
            if draft.kind is SegmentKind.SUPPLIER
            else tuple(value for value in _SEPARATORS.split(text) if value)
        )
        draft = replace(draft, values=values)
        segment = draft.segment
        assert segment is not None
        services = context.services
        today = business_today(services.clock, services.settings.timezone)
        refused = await check_segment(store, segment, today=today)
        if refused is not None:
            await send_new(update, problem_text(t, refused))
            return False
        await store.clear_staff_prompt(chat.id)
        await _show(update, context, t, replace(draft, step=Step.NARROW))
    elif prompt.kind is PromptKind.BC_SKU:
        if text not in await store.get_products([text]):
            await send_new(update, problem_text(t, Rejected(Problem.UNKNOWN_SKU, text)))
            return False
        await store.clear_staff_prompt(chat.id)
        await _next_param(update, context, t, draft.with_param("sku", text))
        # Why: the next question (the reason) is open now; "taken" would clear it as answered.
        return False
    elif prompt.kind is PromptKind.BC_REASON:
        if len(text) > PARAM_LIMIT:
            await send_new(update, problem_text(t, Rejected(Problem.PARAM_TOO_LONG, "reason")))
            return False
        await store.clear_staff_prompt(chat.id)
        await show_preview(update, context, t, draft.with_param("reason", text))
    else:
        checked = free_text({prompt.target: text})
        if isinstance(checked, Rejected):
            await send_new(update, problem_text(t, checked))
            return False
        await store.clear_staff_prompt(chat.id)
        await _show(
            update, context, t, replace(draft.with_text(prompt.target, text), step=Step.TEXTS)
        )
    return True


def problem_text(t: Translator, refused: Rejected) -> str:
    """Why a draft's value or message cannot be used, and what to do."""
    detail = cut(refused.detail, _VALUE_LIMIT)
    match refused.problem:
        case Problem.UNKNOWN_SKU:
            return t.gettext("No product {sku} — please type the SKU again.", sku=detail)
        case Problem.UNKNOWN_SUPPLIER:
            return t.gettext("No supplier named {name} — please type the name again.", name=detail)
        case Problem.UNKNOWN_PURCHASE_ORDER:
            return t.gettext(
                "No purchase order {po_id} — please type the number again.", po_id=detail
            )
        case Problem.UNKNOWN_ORDER:
            return t.gettext(
                "No order {order_id} — please type the order numbers again.", order_id=detail
            )
        case Problem.NO_VALUES:
            return t.gettext("Type at least one value.")
        case Problem.PARAM_TOO_LONG:
            return t.ngettext(
                "That is too long: at most {n} character, please.",
                "That is too long: at most {n} characters, please.",
                PARAM_LIMIT,
            )
        case Problem.TEXT_TOO_LONG:
            return t.gettext("That text is too long for one Telegram message. Please shorten it.")
        case Problem.EMPTY_SEGMENT:
            return t.gettext("No customer with an open backorder is in this segment.")
        case Problem.NO_PRODUCT_LINES:
            return t.gettext(
                "No customer in this segment has an open line of {sku} that this message is "
                "about: nobody would get it.",
                sku=detail,
            )
        case Problem.NO_LINKED_RECIPIENTS:
            return t.ngettext(
                "The {n} customer in this segment has not linked a chat: nobody can be reached.",
                "None of the {n} customers in this segment has linked a chat: nobody can be "
                "reached.",
                int(detail or 0),
            )
        case Problem.NO_DEFAULT_TEXT:
            return t.gettext(
                "Customers whose language has no text get the {language} text: please add it.",
                language=t.language_name(detail),
            )
    return t.gettext("This broadcast cannot be sent as drafted.")


async def show_preview(update: Update, context: BotContext, t: Translator, draft: Draft) -> None:
    """Recipients by language, who cannot be reached, samples; then [Send] [Change] [Cancel]."""
    services = context.services
    draft = replace(draft, step=Step.PREVIEW)
    segment, message = draft.segment, draft.message
    assert segment is not None and message is not None
    preview = await preview_broadcast(
        services.store,
        segment,
        message,
        texts=broadcast_texts(services.catalogs),
        today=business_today(services.clock, services.settings.timezone),
        quiet=_quiet(context),
        now=services.clock.now(),
    )
    if isinstance(preview, Preview) and preview.recipients == 0:
        preview = Rejected(Problem.NO_LINKED_RECIPIENTS, str(preview.not_linked))
    if isinstance(preview, Rejected):
        rows = [[button(t.gettext("Change the segment"), _data(draft, "s"))]]
        if preview.problem is Problem.NO_DEFAULT_TEXT:
            rows = [[button(t.gettext("Add a language"), _data(draft, "a"))]]
        rows.append([button(t.gettext("Change the message"), _data(draft, "m"))])
        rows.append(_cancel_row(t, draft))
        text = "\n\n".join([_heading(t), segment_text(t, draft), problem_text(t, preview)])
        await show_screen(update, context, text, InlineKeyboardMarkup(rows), draft.message_id)
        await services.store.save_broadcast_draft(draft, now=services.clock.now())
        return
    summary = preview_text(t, draft, preview, services.catalogs.default_language)
    # Why: a blocked chat's copy is held, not sent; the button counts who will get it now, as
    # the final report counts sends (the preview's text says how many are held).
    reachable = preview.recipients - preview.held
    rows = [
        [
            button(
                t.ngettext("Send to {n} customer", "Send to {n} customers", reachable),
                _data(draft, "y"),
            )
        ],
        [button(t.gettext("Change the message"), _data(draft, "m"))],
        _cancel_row(t, draft),
    ]
    samples = [sample_text(t, language, copy) for language, copy in preview.samples.items()]
    whole = "\n\n".join([summary, *samples])
    if fits(whole, 3):
        await services.store.save_broadcast_draft(draft, now=services.clock.now())
        await show_screen(update, context, whole, InlineKeyboardMarkup(rows), draft.message_id)
        return
    # Why: samples that do not fit one message go below it one by one, then the buttons.
    await services.store.save_broadcast_draft(draft, now=services.clock.now())
    await show_screen(update, context, summary, None, draft.message_id)
    for language, copy in preview.samples.items():
        sample = sample_text(t, language, copy)
        if fits(sample, 0):
            await send_new(update, sample)
        else:
            await send_new(update, sample_heading(t, language))
            await send_new(update, copy)
    asked = await send_new(
        update,
        t.ngettext(
            "Send this broadcast to {n} customer?",
            "Send this broadcast to {n} customers?",
            reachable,
        ),
        InlineKeyboardMarkup(rows),
    )
    if asked is not None:
        draft = replace(draft, message_id=asked.message_id)
    await services.store.save_broadcast_draft(draft, now=services.clock.now())


def preview_text(t: Translator, draft: Draft, preview: Preview, default_language: str) -> str:
    """The preview's figures: recipients by language, held, not linked, default-language text."""
    lines = [
        t.gettext("<b>Preview of the broadcast</b>"),
        segment_text(t, draft),
        _message_text(t, draft),
        "",
        t.ngettext(
            "{n} customer will get it:",
            "{n} customers will get it:",
            preview.recipients,
        ),
    ]
    for language, count in preview.by_language.items():
        lines.append(
            t.gettext(
                "• {language}: {count}", language=t.language_name(language), count=t.number(count)
            )
        )
    if preview.held:
        lines.append(
            t.ngettext(
                "{n} of them has blocked the bot: their copy is held.",
                "{n} of them have blocked the bot: their copies are held.",
                preview.held,
            )
        )
    if preview.waiting_for_morning and preview.morning is not None:
        lines.append(
            t.ngettext(
                "{n} customer is in their quiet hours; they get it from {time} their time.",
                "{n} customers are in their quiet hours; they get it from {time} their time.",
                preview.waiting_for_morning,
                time=t.time(preview.morning),
            )
        )
    if preview.fallback:
        lines.append(
            t.ngettext(
                "{n} customer gets the {language} text for lack of one in their language.",
                "{n} customers get the {language} text for lack of one in their language.",
                preview.fallback,
                language=t.language_name(default_language),
            )
        )
    if preview.not_linked:
        lines.append(
            t.ngettext(
                "{n} customer in the segment has not linked a chat and cannot be reached.",
                "{n} customers in the segment have not linked a chat and cannot be reached.",
                preview.not_linked,
            )
        )
    if preview.without_product:
        lines.append(
            t.ngettext(
                "{n} customer in the segment is left out: no open line of {sku} this message "
                "is about.",
                "{n} customers in the segment are left out: no open line of {sku} this message "
                "is about.",
                preview.without_product,
                sku=dict(draft.params).get("sku", ""),
            )
        )
    return "\n".join(lines)


def sample_heading(t: Translator, language: str) -> str:
    """The line above a sample copy."""
    return t.gettext("<b>Sample in {language}:</b>", language=t.language_name(language))


def sample_text(t: Translator, language: str, copy: str) -> str:
    """A sample copy under its heading."""
    return f"{sample_heading(t, language)}\n{copy}"


async def _send(update: Update, context: BotContext, t: Translator, draft: Draft) -> None:
    """Queue the drafted broadcast; its screen becomes the progress message."""
    services = context.services
    segment, message = draft.segment, draft.message
    assert segment is not None and message is not None
    chat = update.effective_chat
    assert chat is not None
    now = services.clock.now()
    queued = await queue_broadcast(
        services.store,
        segment,
        message,
        texts=broadcast_texts(services.catalogs),
        actor=staff_actor(update),
        now=now,
        today=business_today(services.clock, services.settings.timezone),
        quiet=_quiet(context),
    )
    if isinstance(queued, Rejected):
        await show_preview(update, context, t, draft)
        await send_new(update, problem_text(t, queued))
        return
    await services.store.clear_broadcast_draft(chat.id)
    text, markup = await progress_screen(context, t, queued.broadcast_id)
    shown = await respond(update, text, markup)
    if shown is not None:
        language = str(t.locale).replace("_", "-")
        await services.store.add_progress_message(
            ProgressMessage(queued.broadcast_id, chat.id, shown.message_id, language)
        )


def _quiet(context: BotContext) -> QuietHoursRule:
    """The quiet-hours rule broadcasts follow, as notices do (BACKORDER_QUIET_HOURS)."""
    settings = context.services.settings
    return QuietHoursRule(settings.quiet_hours, settings.timezone)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers, every one behind the staff check."""
    return [
        CommandHandler("broadcast", staff_only(start)),
        CallbackQueryHandler(staff_only(press), pattern=f"^{PREFIX}"),
    ]
