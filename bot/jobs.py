"""JobQueue callbacks: thin, each runs one service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.ext import JobQueue

from bot.clock import business_today
from bot.context import BotContext, Services
from bot.domain.daily_schedule import due_sweep_day
from bot.leadership import leader_only
from bot.recompute_job import recompute_left_behind
from bot.services.alerts import (
    alert_blocked_questions,
    alert_overdue_refunds,
    alert_overdue_supply,
    alert_ready_unshipped,
)
from bot.services.dispatcher import Dispatcher, DispatchLimits, sending_bot
from bot.services.eta import RECOMPUTE_MARK, recompute_etas
from bot.services.notice_delivery import StaffAlerts, alert_chats, settle_notices
from bot.services.notices import sweep
from bot.services.overdue_supply import overdue_supply, overdue_to_report
from bot.services.ratings import ask_about_closed_orders
from bot.services.run_state import (
    changed_date_settings,
    date_settings,
    last_swept_day,
    record_swept_day,
    remember_date_settings,
)
from bot.services.webhook import WebhookDelivery
from handlers.notice_alerts import make_alert_renderer, show_order_label
from handlers.notices import make_renderer, sweep_lock
from handlers.ratings import make_question_renderer
from handlers.staff.alert_texts import AlertTexts

logger = logging.getLogger(__name__)


async def deliver_events(context: BotContext) -> None:
    """Send the shop's webhook every event it has not acknowledged yet."""
    delivery = context.job.data if context.job else None
    if not isinstance(delivery, WebhookDelivery):
        raise TypeError("the event delivery job needs its WebhookDelivery as job data")
    await delivery.drain()


# --- proactive notices: sweeps on the JobQueue, the outbox dispatcher beside it ---

logger = logging.getLogger(__name__)

SWEEP_INTERVAL = timedelta(seconds=1)
# Why: the daily sweep is due at a wall-clock time in the business's zone; checking against the
# clock (not a timer armed in advance) survives DST gaps and folds, suspends and clock changes.
DAILY_CHECK_INTERVAL = timedelta(seconds=20)
_DAILY_LOCK_KEY = "daily_sweep_lock"
DISPATCH_KEY = "notice_dispatch"
DISPATCH_STOP_SECONDS = 5.0
_SWEPT_MARK_KEY = "notice_swept_mark"
# Why: a customer's next rating question falls due a day after the last (QUESTION_GAP), at no
# particular change; a look this often sends it within minutes of its time.
RATINGS_INTERVAL = timedelta(minutes=10)
_UNREACHABLE_MARK_KEY = "alerts_unreachable_mark"


@dataclass
class NoticeDispatch:
    """The outbox dispatcher running beside the application, and how to stop it."""

    dispatcher: Dispatcher
    sender: Bot
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


def schedule_notice_jobs(job_queue: JobQueue[BotContext]) -> None:
    """A sweep after every recompute (checked each second), the daily sweep and the ratings
    look; each acts only while this instance leads (bot/leadership.py)."""
    job_queue.run_repeating(
        leader_only(sweep_when_recomputed),
        interval=SWEEP_INTERVAL,
        first=SWEEP_INTERVAL,
        name="notices-sweep",
        # Why: the sweep skips itself while another runs; one instance would log every skip.
        job_kwargs={"max_instances": 3},
    )
    job_queue.run_repeating(
        leader_only(daily_sweep),
        interval=DAILY_CHECK_INTERVAL,
        first=DAILY_CHECK_INTERVAL,
        name="notices-daily",
    )
    job_queue.run_repeating(
        leader_only(ratings_due),
        interval=RATINGS_INTERVAL,
        first=RATINGS_INTERVAL,
        name="ratings-due",
    )


async def ratings_due(context: BotContext) -> None:
    """Ask the rating questions whose turn came (one a day per customer) since the last look."""
    await ask_ratings(context.bot_data, context.services, watch=False)


async def ask_ratings(bot_data: dict[Any, Any], services: Services, *, watch: bool) -> None:
    """Ask about orders that closed after the bot looked after them as backorders (§12); with
    `watch`, first remember the orders backordered now (after a sweep: the ETAs are fresh)."""
    settings = services.settings
    report = await ask_about_closed_orders(
        services.store,
        now=services.clock.now(),
        render=make_question_renderer(services.catalogs),
        quiet_hours=settings.quiet_hours,
        timezone=settings.timezone,
        watch=watch,
    )
    if report.asked:
        _wake_dispatcher(bot_data)


async def daily_sweep(context: BotContext) -> None:
    """Run the daily sweep when its time in the business's zone has come and it has not run."""
    await sweep_if_due(context.bot_data, context.services)


async def sweep_if_due(bot_data: dict[Any, Any], services: Services) -> bool:
    """The daily sweep (recompute, deadlines, notices) once per calendar day; True if it ran.

    Every calendar day, not only business days: EU/UK deadlines run in calendar days.
    """
    lock = bot_data.setdefault(_DAILY_LOCK_KEY, asyncio.Lock())
    if lock.locked():
        return False
    async with lock:
        settings = services.settings
        last = await last_swept_day(services.store)
        day = due_sweep_day(services.clock.now(), settings.timezone, settings.daily_sweep_at, last)
        if day is None:
            return False
        await catch_up(bot_data, services)
        await record_swept_day(services.store, day)
        return True


async def start_up(bot_data: dict[Any, Any], services: Services) -> None:
    """Settle what changed while the bot was down: date settings, a missed daily sweep, notices."""
    current = date_settings(services.settings)
    changed = await changed_date_settings(services.store, current)
    if changed:
        logger.info("%s changed since the last run: recomputing every date", ", ".join(changed))
    swept = await sweep_if_due(bot_data, services)
    if not swept and changed != []:
        await catch_up(bot_data, services)
    elif not swept:
        # Why: alerts raised while the bot was down (or never, on an old database) go out now;
        # each is raised once, so the daily catch-up finding them again queues nothing.
        await raise_daily_alerts(bot_data, services)
    await remember_date_settings(services.store, current)
    await recompute_left_behind(bot_data, services, at_start=True)
    await sweep_if_recomputed(bot_data, services)


async def sweep_when_recomputed(context: BotContext) -> None:
    """Queue notices when ETAs changed since the last sweep (by the bot or the command line),
    after recomputing what a change left without a recompute (its process died)."""
    await recompute_left_behind(context.bot_data, context.services)
    await sweep_if_recomputed(context.bot_data, context.services)


async def catch_up(bot_data: dict[Any, Any], services: Services) -> None:
    """Recompute for today and sweep: deadlines and notices that fell due (also at start-up)."""
    today = business_today(services.clock, services.settings.timezone)
    async with sweep_lock(bot_data):
        await recompute_etas(services.store, rules=services.rules, today=today)
    await sweep_if_recomputed(bot_data, services)
    await raise_daily_alerts(bot_data, services)


async def raise_daily_alerts(bot_data: dict[Any, Any], services: Services) -> None:
    """Overdue purchase orders (logged and alerted) and overdue refunds (alerted), DESIGN §12."""
    queued = await report_overdue_supply(services)
    today = business_today(services.clock, services.settings.timezone)
    queued += await alert_overdue_refunds(
        services.store,
        today=today,
        chats=_alert_chats(services),
        texts=_alert_texts(services),
        now=services.clock.now(),
    )
    if queued:
        _wake_dispatcher(bot_data)


async def report_overdue_supply(services: Services) -> int:
    """Log one WARNING per purchase order past its date with customers waiting, once a day (§5),
    and alert staff once per purchase order and expected date (§12); alerts newly raised."""
    today = business_today(services.clock, services.settings.timezone)
    found = await overdue_supply(services.store, today=today)
    for po in await overdue_to_report(services.store, today=today, found=found):
        logger.warning(
            "purchase order %s (sku %s, supplier %s) was due %s (%s overdue) and has not "
            "arrived: waiting on it: %s of %s",
            po.po_id,
            po.sku,
            po.supplier or "unknown",
            po.expected_date.isoformat(),
            _counted(po.days_overdue, "day"),
            _counted(len(po.lines), "line"),
            _counted(len(po.customers), "customer"),
        )
    return await alert_overdue_supply(
        services.store,
        found,
        chats=_alert_chats(services),
        texts=_alert_texts(services),
        now=services.clock.now(),
    )


def _alert_chats(services: Services) -> tuple[int, ...]:
    settings = services.settings
    return alert_chats(settings.support_chat_id, settings.staff_ids)


def _alert_texts(services: Services) -> AlertTexts:
    return AlertTexts(services.catalogs.translator(services.settings.default_language))


async def alert_blocked_customers(bot_data: dict[Any, Any], services: Services) -> int:
    """Alert staff once per customer and open delay question when every chat of the customer
    is unreachable; looks only when the unreachable chats changed since the last look."""
    mark = await services.store.unreachable_mark()
    if bot_data.get(_UNREACHABLE_MARK_KEY) == mark:
        return 0
    queued = await alert_blocked_questions(
        services.store,
        chats=_alert_chats(services),
        texts=_alert_texts(services),
        now=services.clock.now(),
    )
    bot_data[_UNREACHABLE_MARK_KEY] = mark
    return queued


def _counted(count: int, noun: str) -> str:
    """'1 day', '3 days': the log's English counts (staff read logs in English)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


async def sweep_if_recomputed(bot_data: dict[Any, Any], services: Services) -> None:
    """Settle notices on their way; sweep unless nothing was recomputed or a sweep is running."""
    lock = sweep_lock(bot_data)
    if lock.locked():
        return
    async with lock:
        settled = await settle_notices(
            services.store,
            now=services.clock.now(),
            render=make_renderer(services.catalogs),
            alerts=staff_alerts(services),
        )
        if settled.undelivered:
            # Why: a notice no chat received leaves its order at the question before it, which a
            # blocked customer may still hold; look again even though no chat changed.
            bot_data.pop(_UNREACHABLE_MARK_KEY, None)
        blocked = await alert_blocked_customers(bot_data, services)
        if settled.alerts_queued or settled.resent or blocked:
            _wake_dispatcher(bot_data)
        mark = await services.store.get_setting(RECOMPUTE_MARK)
        if _SWEPT_MARK_KEY in bot_data and bot_data[_SWEPT_MARK_KEY] == mark:
            return
        settings = services.settings
        report = await sweep(
            services.store,
            now=services.clock.now(),
            timezone=settings.timezone,
            rules=services.rules,
            refund_days=settings.refund_days,
            render=make_renderer(services.catalogs),
            quiet_hours=settings.quiet_hours,
        )
        # Why: the mark was read before the sweep; a recompute during it means one more sweep.
        bot_data[_SWEPT_MARK_KEY] = mark
    alerted = await alert_ready_unshipped(
        services.store,
        report.ready_unshipped,
        chats=_alert_chats(services),
        texts=_alert_texts(services),
        now=services.clock.now(),
    )
    if report.messages_queued or alerted:
        _wake_dispatcher(bot_data)
    await ask_ratings(bot_data, services, watch=True)


def staff_alerts(services: Services) -> StaffAlerts:
    """Where staff alerts go and the language they are written in."""
    settings = services.settings
    return StaffAlerts(
        alert_chats(settings.support_chat_id, settings.staff_ids),
        make_alert_renderer(services.catalogs, settings.default_language),
        show_order_label(services.catalogs, settings.default_language),
    )


def _wake_dispatcher(bot_data: dict[Any, Any]) -> None:
    dispatch = bot_data.get(DISPATCH_KEY)
    if isinstance(dispatch, NoticeDispatch):
        dispatch.dispatcher.wake()


def start_dispatching(bot_data: dict[Any, Any], services: Services) -> NoticeDispatch:
    """Start sending the outbox in the background with a bot of its own (429s must reach it)."""
    settings = services.settings
    sender = sending_bot(
        settings.token or "",
        settings.api_base_url,
        connections=settings.sends_in_flight,
        timeout=settings.api_timeout,
        connect_timeout=settings.api_connect_timeout,
    )
    limits = DispatchLimits(
        send_rate=settings.send_rate,
        chat_send_rate=settings.chat_send_rate,
        max_in_flight=settings.sends_in_flight,
        paid_broadcast=settings.paid_broadcast,
    )
    dispatcher = Dispatcher(services.store, services.clock, limits=limits)
    dispatch = NoticeDispatch(dispatcher, sender)
    dispatch.task = asyncio.create_task(dispatch.dispatcher.run(sender, dispatch.stop))
    bot_data[DISPATCH_KEY] = dispatch
    return dispatch


async def stop_dispatching(
    bot_data: dict[Any, Any], *, wait_seconds: float = DISPATCH_STOP_SECONDS
) -> None:
    """Stop the background sender when its pass ends, or cut it short after `wait_seconds`
    (0: at once, as when this instance stops leading), and close its connections."""
    dispatch = bot_data.pop(DISPATCH_KEY, None)
    if not isinstance(dispatch, NoticeDispatch):
        return
    dispatch.stop.set()
    if dispatch.task is not None:
        # Why: a long pass may wait out a flood; rows it had not marked are sent after a restart
        # (or by the next leader: their claims name a process that no longer sends).
        if wait_seconds <= 0:
            dispatch.task.cancel()
            await asyncio.gather(dispatch.task, return_exceptions=True)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(dispatch.task, wait_seconds)
    # Why: the sending bot was never initialized (no getMe), so Bot.shutdown would skip this.
    await dispatch.sender.request.shutdown()
