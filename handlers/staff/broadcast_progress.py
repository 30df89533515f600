"""A broadcast's progress message, edited in place until its final report, and its stop button.

A repeating job edits every unfinished progress message (recorded in broadcast_progress_messages,
so a restart picks them up again) every few seconds; callback data "bx:<broadcast id>" stops one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from babel.dates import format_timedelta
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, JobQueue

from bot.context import BotContext
from bot.domain.broadcasts import BroadcastStatus
from bot.i18n import Translator
from bot.leadership import leader_only
from bot.persistence import chat_lock
from bot.services.broadcasts import (
    AlreadyOver,
    BroadcastView,
    Stopped,
    broadcast_status,
    stop_broadcast,
)
from handlers.common import answer_press, button, label, respond
from handlers.staff.access import staff_actor, staff_only

PREFIX = "bx:"
# Why: Telegram allows a chat about one edit a second; every 3 s keeps far inside, still lively.
PROGRESS_INTERVAL = timedelta(seconds=3)
_OVER = (BroadcastStatus.DONE, BroadcastStatus.STOPPED)
_EDIT_LOCK_KEY = "broadcast_progress_edit_lock"

logger = logging.getLogger(__name__)


def _duration(t: Translator, seconds: float) -> str:
    return format_timedelta(
        timedelta(seconds=max(seconds, 1)), threshold=1.1, locale=t.locale, format="long"
    )


def progress_text(t: Translator, view: BroadcastView) -> str:
    """Sent of total, rate per minute, time left, held and failed (DESIGN §11)."""
    counts = view.counts
    rate, left = view.rate_per_second, view.seconds_left
    lines = [
        t.gettext("<b>Broadcast #{id}</b>: sending", id=view.broadcast_id),
        t.gettext(
            "Sent: {sent} of {total}",
            sent=t.number(counts.sent),
            total=t.number(counts.recipients),
        ),
        t.gettext("Rate: {rate} per minute", rate=t.number(round(rate * 60)))
        if rate
        else t.gettext("Rate: not known yet"),
        _time_left(t, view, left),
        t.gettext("Held (bot blocked): {n}", n=t.number(counts.held)),
        t.gettext("Failed: {n}", n=t.number(counts.failed)),
    ]
    if counts.waiting_for_morning:
        lines.append(
            t.gettext(
                "Waiting for their morning (quiet hours): {n}",
                n=t.number(counts.waiting_for_morning),
            )
        )
    return "\n".join(lines)


def _time_left(t: Translator, view: BroadcastView, left: float | None) -> str:
    """Time left for the copies due now; copies held for the night go when quiet hours end."""
    if left:
        return t.gettext("Time left: about {duration}", duration=_duration(t, left))
    if view.counts.due == 0 and view.counts.waiting_for_morning:
        return t.gettext("Time left: the rest go out when the recipients' quiet hours end")
    return t.gettext("Time left: not known yet")


def report_text(t: Translator, view: BroadcastView) -> str:
    """The final report: sent, held, failed, withdrawn by a stop, how long it took."""
    counts, record = view.counts, view.record
    stopped = view.status is BroadcastStatus.STOPPED
    ends = [view.last_sent_at, record.stopped_at if stopped else None]
    end = max((moment for moment in ends if moment is not None), default=None)
    seconds = (end - record.created_at).total_seconds() if end else 0.0
    lines = [
        t.gettext("<b>Broadcast #{id} stopped</b>", id=view.broadcast_id)
        if stopped
        else t.gettext("<b>Broadcast #{id} finished</b>", id=view.broadcast_id),
        t.ngettext(
            "{n} of {total} message sent",
            "{n} of {total} messages sent",
            counts.sent,
            total=t.number(counts.recipients),
        ),
        t.gettext("Held (bot blocked): {n}", n=t.number(counts.held)),
        t.gettext("Failed: {n}", n=t.number(counts.failed)),
    ]
    if stopped:
        lines.append(
            t.ngettext(
                "{n} not sent because of the stop",
                "{n} not sent because of the stop",
                counts.withdrawn,
            )
        )
    lines.append(t.gettext("Duration: {duration}", duration=_duration(t, seconds)))
    return "\n".join(lines)


def stop_markup(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    """[Stop broadcast]."""
    return InlineKeyboardMarkup([[button(t.gettext("Stop broadcast"), f"{PREFIX}{broadcast_id}")]])


def is_final(view: BroadcastView) -> bool:
    """Over and nothing on its way: the progress message becomes the final report."""
    return view.status in _OVER and view.counts.in_flight == 0


def stopping_text(t: Translator, view: BroadcastView) -> str:
    """A stopped broadcast whose claimed copies are still on their way (DESIGN §11)."""
    counts = view.counts
    return "\n".join(
        [
            t.gettext("<b>Broadcast #{id}</b>: stopping", id=view.broadcast_id),
            t.gettext(
                "Sent: {sent} of {total}",
                sent=t.number(counts.sent),
                total=t.number(counts.recipients),
            ),
            t.ngettext(
                "{n} message is already on its way.",
                "{n} messages are already on their way.",
                counts.in_flight,
            ),
            t.ngettext(
                "{n} not sent because of the stop",
                "{n} not sent because of the stop",
                counts.withdrawn,
            ),
        ]
    )


def _screen(t: Translator, view: BroadcastView) -> tuple[str, InlineKeyboardMarkup | None]:
    if is_final(view):
        return report_text(t, view), None
    if view.status in _OVER:
        return stopping_text(t, view), None
    return progress_text(t, view), stop_markup(t, view.broadcast_id)


def _edit_lock(bot_data: dict[Any, Any]) -> asyncio.Lock:
    """Held from reading a broadcast's state to editing its progress message with it.

    Why: the progress job and [Stop broadcast] both read and then edit; unserialised, a tick that
    read "sending" before the stop could edit after it and put the progress (and its stop button)
    back over the stop, for good when the stop had already made the message the final report.
    """
    lock = bot_data.setdefault(_EDIT_LOCK_KEY, asyncio.Lock())
    assert isinstance(lock, asyncio.Lock)
    return lock


async def progress_screen(
    context: BotContext, t: Translator, broadcast_id: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The progress message (or the final report once over) of a broadcast, as now."""
    view = await broadcast_status(
        context.services.store, broadcast_id, now=context.services.clock.now()
    )
    assert view is not None
    return _screen(t, view)


async def update_progress(context: BotContext) -> None:
    """Job: edit each unfinished progress message; once over, show the report and stop."""
    services = context.services
    store = services.store
    for listed in await store.progress_messages():
        # Why: [Stop broadcast] may be pressed on another instance (it holds the chat's lock
        # while it is handled, bot/persistence.py); the asyncio lock covers this process.
        async with _edit_lock(context.bot_data), chat_lock(context.bot_data, listed.chat_id):
            # Why: look again under the lock; a stop may have made it the final report meanwhile.
            unfinished = {p.broadcast_id: p for p in await store.progress_messages()}
            progress = unfinished.get(listed.broadcast_id)
            if progress is None:
                continue
            view = await broadcast_status(store, progress.broadcast_id, now=services.clock.now())
            if view is None:
                await store.finish_progress_message(progress.broadcast_id)
                continue
            t = services.catalogs.translator(progress.language)
            text, markup = _screen(t, view)
            try:
                await context.bot.edit_message_text(
                    text,
                    chat_id=progress.chat_id,
                    message_id=progress.message_id,
                    reply_markup=markup,
                )
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    # Why: a message deleted or too old to edit: nothing left to update.
                    logger.info("progress of broadcast %s not shown: %s", view.broadcast_id, exc)
                    await store.finish_progress_message(progress.broadcast_id)
                    continue
            except TelegramError as exc:
                # Why: best effort; the next tick tries again.
                logger.debug("progress of broadcast %s not updated: %s", view.broadcast_id, exc)
                continue
            if is_final(view):
                await store.finish_progress_message(progress.broadcast_id)


def schedule_progress_job(job_queue: JobQueue[BotContext]) -> None:
    """Edit progress messages every PROGRESS_INTERVAL (those of a previous run included), while
    this instance leads."""
    job_queue.run_repeating(
        leader_only(update_progress),
        interval=PROGRESS_INTERVAL,
        first=PROGRESS_INTERVAL,
        name="broadcast-progress",
    )


async def press_stop(update: Update, context: BotContext) -> None:
    """[Stop broadcast]: withdraw what is not sent yet and show the report at once."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t = await context.translator(update)
    store = context.services.store
    number = query.data.removeprefix(PREFIX)
    progress = await store.progress_message(int(number)) if number.isdigit() else None
    chat = update.effective_chat
    if (
        progress is None
        or chat is None
        or progress.chat_id != chat.id
        or not isinstance(query.message, Message)
        or query.message.message_id != progress.message_id
    ):
        await answer_press(
            update, label(t.gettext("This button is no longer available.")), alert=True
        )
        return
    result = await stop_broadcast(
        store, progress.broadcast_id, actor=staff_actor(update), now=context.services.clock.now()
    )
    if isinstance(result, Stopped):
        answer = t.ngettext(
            "Broadcast stopped: {n} message will not be sent.",
            "Broadcast stopped: {n} messages will not be sent.",
            result.withdrawn,
        )
        if result.in_flight:
            on_way = t.ngettext(
                "{n} message was already on its way.",
                "{n} messages were already on their way.",
                result.in_flight,
            )
            answer = f"{answer} {on_way}"
        await answer_press(update, label(answer))
    elif isinstance(result, AlreadyOver) and result.status is BroadcastStatus.DONE:
        await answer_press(
            update,
            label(t.gettext("This broadcast has already finished; nothing was changed.")),
            alert=True,
        )
    elif isinstance(result, AlreadyOver):
        await answer_press(
            update,
            label(t.gettext("This broadcast is already over; nothing was changed.")),
            alert=True,
        )
    else:
        await answer_press(
            update, label(t.gettext("This button is no longer available.")), alert=True
        )
        return
    async with _edit_lock(context.bot_data):
        view = await broadcast_status(
            store, progress.broadcast_id, now=context.services.clock.now()
        )
        assert view is not None
        text, markup = _screen(t, view)
        await respond(update, text, markup)
        if is_final(view):
            await store.finish_progress_message(progress.broadcast_id)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """The stop button, behind the staff check."""
    return [CallbackQueryHandler(staff_only(press_stop), pattern=f"^{PREFIX}")]
