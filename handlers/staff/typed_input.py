"""What staff type when a screen asked for it: a date, units received, units on hand, and the
/broadcast wizard's answers (segment values, a template's SKU or reason, a free text).

Registered in a group before every other handler: it acts only on a staff member's text while
their chat has an open question (kept in the database, staff_prompts) and then stops the update
there; any other text (every customer's) goes on to the customer flows untouched. /cancel or any
other command closes the question.

"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.domain.staff_prompts import PromptKind, StaffPrompt
from bot.i18n import Translator
from handlers.common import send_new
from handlers.staff.access import is_staff
from handlers.staff.broadcast import PROMPTS as BROADCAST_PROMPTS
from handlers.staff.broadcast import answer_typed as answer_broadcast
from handlers.staff.purchase_orders import apply_move, apply_receipt, show_screen
from handlers.staff.stock import _units, apply_on_hand

# Why: PTB runs groups in order; this one comes before a rating's comment and the flows.
GROUP = -3


async def answer_prompt(update: Update, context: BotContext) -> None:
    """Take a staff member's typed answer to their chat's open question, if there is one."""
    message = update.effective_message
    chat, user = update.effective_chat, update.effective_user
    if message is None or not message.text or chat is None or user is None:
        return
    if not is_staff(update, context):
        return
    store = context.services.store
    prompt = await store.staff_prompt(chat.id, user.id, now=context.services.clock.now())
    if prompt is None:
        return
    t = await context.translator(update)
    # Why: the question is closed before it is answered, so a handler that asks a follow-up (the
    # wizard's reason after its SKU) opens its own and keeps it; an answer that must be typed
    # again reopens the same question unless the handler opened another.
    await store.clear_staff_prompt(chat.id)
    done = await _answer(update, context, t, prompt, message.text)
    now = context.services.clock.now()
    if not done and await store.staff_prompt(chat.id, user.id, now=now) is None:
        await store.set_staff_prompt(prompt)
    raise ApplicationHandlerStop


async def _answer(
    update: Update, context: BotContext, t: Translator, prompt: StaffPrompt, text: str
) -> bool:
    """Act on the typed answer to `prompt`; False when it must be typed again."""
    done = False
    if prompt.kind in BROADCAST_PROMPTS:
        done = await answer_broadcast(update, context, t, prompt)
    elif prompt.kind is PromptKind.PO_DATE:
        day = t.parse_date(text)
        if day is None:
            example = t.date(
                t.parse_date("2026-12-24") or context.services.clock.now().date(), "short"
            )
            await send_new(
                update,
                t.gettext(
                    "I can't read that date. Type it like {example} or 2026-12-24.",
                    example=example,
                ),
            )
            return False
        done = await apply_move(update, context, t, prompt.target, day, prompt.message_id)
    else:
        units = _units(text)
        if units is None:
            await send_new(update, t.gettext("That is not a whole number of units."))
            return False
        if prompt.kind is PromptKind.PO_RECEIPT:
            done = await apply_receipt(update, context, t, prompt.target, units, prompt.message_id)
        else:
            done = await apply_on_hand(update, context, t, prompt.target, units, prompt.message_id)
    return done


async def close_prompt(update: Update, context: BotContext) -> None:
    """Any command closes a staff chat's open question; /cancel says so and stops there."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None or not is_staff(update, context):
        return
    store = context.services.store
    prompt = await store.staff_prompt(chat.id, user.id, now=context.services.clock.now())
    draft = await store.broadcast_draft(chat.id, user.id)
    # Why: another command abandons a /broadcast draft (a new /broadcast starts its own).
    abandoned = await store.clear_broadcast_draft(chat.id)
    if prompt is None and not abandoned:
        return
    await store.clear_staff_prompt(chat.id)
    if (message.text or "").split("@")[0].split()[0] == "/cancel":
        t = await context.translator(update)
        if draft is not None:
            text = t.gettext("Broadcast cancelled. Nothing was sent.")
            await show_screen(update, context, text, None, draft.message_id)
        else:
            await show_screen(update, context, t.gettext("OK, nothing was changed."), None)
        raise ApplicationHandlerStop


def grouped_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """The handlers of GROUP: typed answers, and commands closing the question."""
    return [
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, answer_prompt),
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, close_prompt),
    ]
