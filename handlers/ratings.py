"""Ratings (CSAT, DESIGN §12): the 1-5 question, the press, the optional comment, staff alerts.

The comment is the chat's next text after a score (kept in the database, ratings.comment_until):
its handler runs in a group of its own (GROUP) after a staff member's typed answers and before
every customer flow, so an order number typed as a comment is stored as one and never starts
linking or a free-text intent. Any command ends the wait (the chat moved on) and goes on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, tzinfo
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext, Services
from bot.domain.outbox import Button
from bot.domain.ratings import SCORES, Outcome, RatingQuestion
from bot.i18n import Catalogs, Translator
from bot.services.notice_delivery import alert_chats
from bot.services.notices import RenderedMessage
from bot.services.ratings import (
    AlreadyRated,
    LowRatingAlert,
    NoSuchRating,
    QuestionRenderer,
    RatingAlerts,
    Scored,
    ask_for_rating,
    awaited_comment,
    moved_on,
    save_comment,
    score_rating,
    skip_comment,
)
from handlers.common import answer_press, button, label, respond, send_new

# Why: PTB runs groups in order: after a staff member's typed answer (-3), before the hand-off
# relay (-1), so a comment after rating a closed hand-off is kept, not relayed; flows are group 0.
GROUP = -2
PREFIX = "rt:"
SKIP = "s"
_PRESS = f"^{PREFIX}[A-Za-z0-9_-]{{8}}:[1-5{SKIP}]$"
_STAR = "⭐"


def make_question_renderer(catalogs: Catalogs) -> QuestionRenderer:
    """The question in the chat's language: what it is about and five buttons, 1 to 5."""

    def render(question: RatingQuestion) -> RenderedMessage:
        t = catalogs.translator(*question.languages)
        return RenderedMessage(question_text(t, question), (score_buttons(t, question.handle),))

    return render


def question_text(t: Translator, question: RatingQuestion) -> str:
    """Why we ask (the order shipped or was cancelled, a conversation closed) and how to answer."""
    order_id = question.subject.order_id
    if order_id is None:
        about = t.gettext(
            "Thank you for talking with our team. How well did we help you? Tap a rating from "
            "1 (poor) to 5 (excellent)."
        )
        return about
    if question.outcome is Outcome.CANCELLED:
        closed = t.gettext("Order {order_id} was cancelled.", order_id=order_id)
    else:
        closed = t.gettext("Order {order_id} has shipped.", order_id=order_id)
    ask = t.gettext(
        "How well did we look after you while it was on backorder? Tap a rating from 1 (poor) "
        "to 5 (excellent)."
    )
    return f"{closed}\n\n{ask}"


def score_buttons(t: Translator, rating_handle: str) -> tuple[Button, ...]:
    """One row: 1 ⭐ … 5 ⭐ (callback data `rt:<handle>:<score>`, a few bytes)."""
    return tuple(
        Button(f"{t.number(score)} {_STAR}", f"{PREFIX}{rating_handle}:{score}") for score in SCORES
    )


def make_rating_alert_renderer(
    catalogs: Catalogs, language: str, timezone: tzinfo = UTC
) -> Callable[[LowRatingAlert], str]:
    """Staff alerts about low scores, in `language` (BACKORDER_DEFAULT_LANGUAGE), dates in
    `timezone` (BACKORDER_TIMEZONE)."""
    t = catalogs.translator(language)

    def render(alert: LowRatingAlert) -> str:
        return alert_text(t, alert, timezone)

    return render


def alert_text(t: Translator, alert: LowRatingAlert, timezone: tzinfo = UTC) -> str:
    """Whose score, about what (the order; a conversation by the day it closed), the score and
    the comment (or that one may follow)."""
    name = alert.customer_name or alert.customer_id
    score = t.number(alert.score)
    title = (
        t.gettext("💬 <b>Comment on a low rating ({score} out of 5)</b>", score=score)
        if alert.follow_up
        else t.gettext("⚠️ <b>Low rating: {score} out of 5</b>", score=score)
    )
    order_id = alert.subject.order_id
    about = (
        t.gettext(
            "From {customer} (customer {customer_id}) about order {order_id}.",
            customer=name,
            customer_id=alert.customer_id,
            order_id=order_id,
        )
        if order_id is not None
        else t.gettext(
            "From {customer} (customer {customer_id}) about a conversation with the team "
            "closed on {date}.",
            customer=name,
            customer_id=alert.customer_id,
            date=t.date(alert.asked_at.astimezone(timezone).date()),
        )
    )
    comment = (
        t.gettext("Comment: “{comment}”", comment=alert.comment)
        if alert.comment is not None
        else t.gettext("No comment yet; if the customer adds one, it follows.")
    )
    return "\n".join([title, about, comment])


def rating_alerts(services: Services) -> RatingAlerts:
    """Where low-score alerts go (the support chat, else each staff member's chat)."""
    settings = services.settings
    return RatingAlerts(
        alert_chats(settings.support_chat_id, settings.staff_ids),
        make_rating_alert_renderer(services.catalogs, settings.default_language, settings.timezone),
    )


async def ask(services: Services, *, customer_id: str, subject: str) -> bool:
    """Queue the rating question about `subject` (e.g. `handoff:7` when a hand-off closes) with
    the application's catalogs, quiet hours and clock; False when it was asked already or the
    customer has no chat to ask in (see bot.services.ratings.ask_for_rating)."""
    settings = services.settings
    return await ask_for_rating(
        services.store,
        customer_id=customer_id,
        subject=subject,
        now=services.clock.now(),
        render=make_question_renderer(services.catalogs),
        quiet_hours=settings.quiet_hours,
        timezone=settings.timezone,
    )


def _thanks(t: Translator, score: int) -> str:
    return t.gettext(
        "Thank you! You rated us {score} out of 5.", score=f"{t.number(score)} {_STAR}"
    )


async def pressed(update: Update, context: BotContext) -> None:
    """A score (first one counts; thanks and a comment invitation in place) or Skip."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None or not isinstance(query.data, str):
        return
    rating, _, choice = query.data.removeprefix(PREFIX).partition(":")
    services = context.services
    t = await context.translator(update)
    now = services.clock.now()
    if choice == SKIP:
        skipped = await skip_comment(services.store, chat_id=chat.id, rating=rating, now=now)
        if skipped is None or skipped.score is None:
            await _refuse(update, t)
            return
        await answer_press(update)
        await respond(update, _thanks(t, skipped.score))
        return
    message_id = query.message.message_id if isinstance(query.message, Message) else None
    result = await score_rating(
        services.store,
        chat_id=chat.id,
        rating=rating,
        score=int(choice),
        message_id=message_id,
        now=now,
        alerts=rating_alerts(services),
    )
    if isinstance(result, NoSuchRating):
        await _refuse(update, t)
        return
    if isinstance(result, AlreadyRated):
        await answer_press(
            update, label(t.gettext("You have already rated this. Thank you!")), alert=True
        )
        return
    assert isinstance(result, Scored)
    await answer_press(update)
    # TRANSLATORS: "Skip" names the button under this message; use the same word as for "Skip".
    invite = t.gettext("Tell us more in a message — or tap Skip.")
    skip = InlineKeyboardMarkup([[button(t.gettext("Skip"), f"{PREFIX}{rating}:{SKIP}")]])
    await respond(update, f"{_thanks(t, int(choice))}\n\n{invite}", skip)


async def _refuse(update: Update, t: Translator) -> None:
    await answer_press(update, label(t.gettext("This button is no longer available.")), alert=True)


async def take_comment(update: Update, context: BotContext) -> None:
    """The chat's text right after a score is its comment: stored, acknowledged, and the update
    stops here; any other text goes on to the flows."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or not message.text or chat is None:
        return
    services = context.services
    now = services.clock.now()
    if not (await context.chat_profile(update)).awaits_comment(now):
        return
    pending = await awaited_comment(services.store, chat.id, now=now)
    if pending is None:
        return
    saved = await save_comment(
        services.store, pending, message.text, now=now, alerts=rating_alerts(services)
    )
    if not saved:
        return
    t = await context.translator(update)
    if pending.message_id is not None and pending.rating.score is not None:
        # Why: the Skip button under the question has nothing left to skip.
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_text(
                _thanks(t, pending.rating.score), chat_id=chat.id, message_id=pending.message_id
            )
    thanks = t.gettext("Thank you for your comment. We have passed it on to our team.")
    await send_new(update, thanks)
    raise ApplicationHandlerStop


async def end_comment(update: Update, context: BotContext) -> None:
    """A command: the chat moved on, so its next text is no comment (the command goes on)."""
    chat = update.effective_chat
    if chat is None:
        return
    now = context.services.clock.now()
    if (await context.chat_profile(update)).awaits_comment(now):
        await moved_on(context.services.store, chat.id, now=now)


def grouped_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """The handlers of GROUP: a comment awaited from this chat, and commands ending the wait."""
    return [
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, take_comment),
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, end_comment),
    ]


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers in the main group: the question's buttons."""
    return [CallbackQueryHandler(pressed, pattern=_PRESS)]
