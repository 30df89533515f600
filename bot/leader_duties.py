"""What the leader instance runs (DESIGN §13), started when it becomes leader, stopped when not.

Catch-up first, as at every start (dates, a missed daily sweep, alerts, recomputes left behind);
then the update inbox's leftovers (updates recorded by an instance that died before handling
them; looked for again every ORPHAN_CHECK_SECONDS while leading), long polling (getUpdates has
one caller per bot: Telegram answers a second one 409 Conflict) and the outbox dispatcher. The
JobQueue jobs (notice sweeps, the daily sweep, ratings, broadcast progress, event delivery) are
scheduled on every instance and act only while it leads (`bot.leadership.leader_only`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from telegram.ext import Application

from bot.context import SERVICES_KEY, Services
from bot.domain.chat_state import STATE_LIFETIME
from bot.domain.processes import gone_claimants
from bot.jobs import (
    DISPATCH_STOP_SECONDS,
    deliver_events,
    start_dispatching,
    start_up,
    stop_dispatching,
)
from bot.leadership import leader_only
from bot.polling import LongPolling
from bot.services.webhook import WebhookDelivery, webhook_target
from bot.update_inbox import UpdateInbox

logger = logging.getLogger(__name__)

EVENT_DELIVERY_KEY = "event_delivery"
EVENT_DELIVERY_INTERVAL = timedelta(seconds=2)
# Why: a dead instance's unhandled updates hold up its chats' later updates (bot/persistence.py
# waits up to 10 s for them); looked for this often, they are handled well within that.
ORPHAN_CHECK_SECONDS = 2.0

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
Fetch = Callable[[], Awaitable[LongPolling]]


class LiveInstances(Protocol):
    """Which instances of `run` are alive (storage/leader_lock.py)."""

    async def live_instances(self) -> set[str] | None:
        """'host/pid' of every live instance; None when it cannot be told."""
        ...


class LeaderDuties:
    """The leader's work inside one running Application (see the module docstring).

    `fetch` starts long polling as a duty; None leaves updates to another door (a webhook,
    where every instance takes updates). `instances` tells which instances are alive (their
    outbox claims are kept); None: claims are left to the dispatcher's own look.
    """

    def __init__(
        self,
        application: AnyApplication,
        inbox: UpdateInbox,
        *,
        fetch: Fetch | None,
        instances: LiveInstances | None = None,
    ) -> None:
        self._application = application
        self._inbox = inbox
        self._fetch = fetch
        self._instances = instances
        self._fetching: LongPolling | None = None
        self._orphans: asyncio.Task[None] | None = None

    async def begin(self) -> None:
        """Catch up, queue the inbox's leftovers, then start polling (if a duty), event delivery
        and the dispatcher; the jobs act once this returns."""
        application = self._application
        services = application.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        # Why: what fell due while no leader ran is settled before the first update is read; on
        # a large shop that takes seconds, so the log says what the bot is doing meanwhile.
        logger.info("settling dates and notices before reading updates")
        started = time.monotonic()
        await start_up(application.bot_data, services)
        logger.info("settled in %.1f s", time.monotonic() - started)
        # Why: conversations left half-way are forgotten after STATE_LIFETIME; their rows go.
        await services.store.prune_chat_state(before=services.clock.now() - STATE_LIFETIME)
        # Why: updates recorded but never handled (a run that died, the last leader or another
        # instance that died) are queued before newer ones, so each chat's order holds.
        live = await self._instances.live_instances() if self._instances is not None else None
        await self._inbox.replay(application.bot, live=live)
        if self._fetch is not None:
            self._fetching = await self._fetch()
        delivery = application.bot_data.get(EVENT_DELIVERY_KEY)
        if isinstance(delivery, WebhookDelivery):
            delivery.resume()
        await self._free_claims_of_the_dead(services)
        start_dispatching(application.bot_data, services)
        if self._instances is not None:
            self._orphans = asyncio.create_task(
                self._take_orphans(self._instances), name="orphaned-updates"
            )

    async def _take_orphans(self, instances: LiveInstances) -> None:
        """Every ORPHAN_CHECK_SECONDS: queue the updates that an instance recorded (and Telegram
        was told it got) but did not handle before it died, so its chats do not wait for the
        next change of leader."""
        while True:
            await asyncio.sleep(ORPHAN_CHECK_SECONDS)
            try:
                live = await instances.live_instances()
                if live is not None:
                    await self._inbox.replay(self._application.bot, live=live)
            except Exception as exc:
                # Why: a database blip; the next look tries again.
                logger.warning("could not look for orphaned updates: %s", type(exc).__name__)

    async def _free_claims_of_the_dead(self, services: Services) -> None:
        """Outbox rows claimed by instances that are gone (the last leader, on any machine) are
        free for this one at once, rather than when their claims run out."""
        if self._instances is None:
            return
        live = await self._instances.live_instances()
        if live is None:
            return
        gone = gone_claimants(await services.store.outbox_claimants(clock=time.time()), live)
        if gone:
            await services.store.release_claims(gone)
            logger.info("freed the outbox claims of %d instance(s) that are gone", len(gone))

    async def end(self, *, at_once: bool) -> None:
        """Stop event delivery, the dispatcher and polling (the jobs stop acting by themselves:
        they are `leader_only`); `at_once` cuts the dispatcher's pass short (no new send starts;
        sends already under way finish)."""
        orphans, self._orphans = self._orphans, None
        if orphans is not None:
            orphans.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await orphans
        stop_event_delivery(self._application)
        await stop_dispatching(
            self._application.bot_data, wait_seconds=0 if at_once else DISPATCH_STOP_SECONDS
        )
        fetching, self._fetching = self._fetching, None
        if fetching is not None:
            await fetching.stop()


def schedule_event_delivery(application: AnyApplication, services: Services) -> None:
    """When a webhook is configured, drain the shop's events to it on every tick while this
    instance leads (the job)."""
    target = webhook_target(services.settings)
    if target is None:
        return
    if application.job_queue is None:
        raise RuntimeError("event delivery needs PTB's job queue (python-telegram-bot[job-queue])")
    delivery = WebhookDelivery(services.store, target)
    application.bot_data[EVENT_DELIVERY_KEY] = delivery
    application.job_queue.run_repeating(
        leader_only(deliver_events),
        interval=EVENT_DELIVERY_INTERVAL,
        first=0,
        data=delivery,
        name="deliver-events",
        # Why: the drain guards itself against overlap; with APScheduler's default of one
        # instance, every tick during a long retry would log a "skipped" warning instead.
        job_kwargs={"max_instances": 2},
    )


def stop_event_delivery(application: AnyApplication) -> None:
    """Let a drain that is waiting to retry return, so stopping the job queue does not hang
    (`WebhookDelivery.resume` lets it deliver again)."""
    delivery = application.bot_data.get(EVENT_DELIVERY_KEY)
    if isinstance(delivery, WebhookDelivery):
        delivery.stop()
