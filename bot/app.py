"""The one place that wires the PTB Application: builder, defaults, limiter, handlers, start-up."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import socket
import sys
from collections.abc import AsyncIterator
from typing import Any, TextIO

from telegram import BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ContextTypes,
    Defaults,
)

from bot.config import Settings
from bot.context import SERVICES_KEY, BotContext, Services
from bot.i18n import SHIPPED_LANGUAGES, Catalogs
from bot.jobs import schedule_notice_jobs
from bot.leader_duties import LeaderDuties, schedule_event_delivery
from bot.leadership import LEADERSHIP_KEY, Leadership, Role
from bot.persistence import CHAT_TURNS_KEY, ChatTurns, DatabasePersistence
from bot.polling import LongPolling
from bot.reply_limiter import ReplyLimiter, ReplyNotDelivered
from bot.run_output import (
    NonJsonAnswers,
    Redactor,
    StartRefused,
    guard_exit_paths,
    start_failure,
)
from bot.runtime import make_clock, make_rules, store_session
from bot.services.webhook import WebhookConfigError, webhook_target
from bot.update_inbox import UpdateInbox
from bot.update_processor import PerChatUpdateProcessor
from bot.web.server import WebServer, build_web_app, serving
from bot.web.webhook import WebhookIntake, webhook_path
from handlers import (
    UPDATE_KINDS,
    all_handlers,
    comment_handlers,
    early_handlers,
    first_handlers,
    handoff_handlers,
)
from handlers.chat_member import GROUP as FIRST_GROUP
from handlers.handoff import GROUP as HANDOFF_GROUP
from handlers.menu import bot_commands, staff_commands
from handlers.ratings import GROUP as COMMENT_GROUP
from handlers.staff.broadcast_progress import schedule_progress_job
from handlers.staff.typed_input import GROUP as STAFF_INPUT_GROUP
from storage.chat_lock import chat_locks
from storage.database import database_url
from storage.leader_lock import leader_lock

# Why: PTB's builder infers loose generic parameters; the context type is the one that matters.
BotApplication = Application[Any, BotContext, Any, Any, Any, Any]

logger = logging.getLogger(__name__)

UPDATE_INBOX_KEY = "update_inbox"


def build_application(services: Services) -> BotApplication:
    """The bot's Application with every handler registered, ready to initialize."""
    settings = services.settings
    token = settings.token
    if not token:
        raise ValueError("a bot token is needed to build the application")
    limiter = ReplyLimiter(
        overall_rate=settings.send_rate, retry_seconds=settings.reply_retry_seconds
    )
    # Why: updates come through the inbox (recorded before they are acknowledged), not PTB's
    # Updater; the processor marks each one handled and keeps each chat's updates in order.
    update_queue: asyncio.Queue[object] = asyncio.Queue()
    inbox = UpdateInbox(services.store, services.clock, update_queue)
    # Why: conversation state lives in the database and each chat's updates take turns across
    # instances (DESIGN §13); with one process (SQLite) its memory stays the one to read.
    several = database_url(settings.database_target).get_backend_name() == "postgresql"
    persistence = DatabasePersistence(services.store, services.clock, fresh_reads=several)
    turns = ChatTurns(persistence, services.store, chat_locks(settings.database_target), inbox)
    application = (
        Application.builder()
        .updater(None)
        .update_queue(update_queue)
        .persistence(persistence)
        .concurrent_updates(PerChatUpdateProcessor(after=inbox.mark_handled, around=turns.turn))
        .token(token)
        .base_url(settings.api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone))
        .rate_limiter(limiter)
        .read_timeout(settings.api_timeout)
        .write_timeout(settings.api_timeout)
        .pool_timeout(settings.api_timeout)
        .connect_timeout(settings.api_connect_timeout)
        # Why: PTB adds the long-poll timeout to this read timeout for each getUpdates.
        .get_updates_read_timeout(settings.api_timeout)
        .get_updates_write_timeout(settings.api_timeout)
        .get_updates_pool_timeout(settings.api_timeout)
        .get_updates_connect_timeout(settings.api_connect_timeout)
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init)
        .build()
    )
    turns.application = application
    application.bot_data[SERVICES_KEY] = services
    application.bot_data[UPDATE_INBOX_KEY] = inbox
    application.bot_data[CHAT_TURNS_KEY] = turns
    application.add_handlers(first_handlers(), group=FIRST_GROUP)
    application.add_handlers(early_handlers(), group=STAFF_INPUT_GROUP)
    application.add_handlers(comment_handlers(), group=COMMENT_GROUP)
    application.add_handlers(handoff_handlers(), group=HANDOFF_GROUP)
    application.add_handlers(all_handlers())
    application.add_error_handler(_on_error)
    if application.job_queue is None:
        raise RuntimeError("the bot needs PTB's job queue (python-telegram-bot[job-queue])")
    # Why: scheduled on every instance; each acts only while its instance leads (leader_only).
    schedule_notice_jobs(application.job_queue)
    schedule_progress_job(application.job_queue)
    schedule_event_delivery(application, services)
    return application


async def _post_init(application: BotApplication) -> None:
    """Remember the bot's username (for deep links) and set the command menu per language."""
    services = application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    me = await application.bot.get_me()
    if me.username:
        await services.store.set_setting("bot_username", me.username)
    catalogs = services.catalogs
    handoff = services.settings.support_chat_id is not None
    menus: list[tuple[str, str | None]] = [(catalogs.default_language, None)]
    menus.extend((language, language) for language in SHIPPED_LANGUAGES)
    for language, language_code in menus:
        try:
            await application.bot.set_my_commands(
                bot_commands(catalogs.translator(language), handoff=handoff),
                language_code=language_code,
            )
        except TelegramError as exc:
            # Why: the command menu is a convenience; the bot answers commands without it.
            logger.warning("could not set the command menu (%s): %s", language_code, exc)
    await _set_staff_menus(application, services)


async def _set_staff_menus(application: BotApplication, services: Services) -> None:
    """Each staff member's private chat (its id is the user id) gets the customers' commands
    plus /po, /stock, /find, /broadcast (DESIGN §10), in the language chosen in that chat, else
    the default language. A failure is logged, not fatal."""
    catalogs = services.catalogs
    for staff_id in sorted(services.settings.staff_ids):
        try:
            language = await services.store.chat_language(staff_id) or catalogs.default_language
            await application.bot.set_my_commands(
                staff_commands(
                    catalogs.translator(language),
                    handoff=services.settings.support_chat_id is not None,
                ),
                scope=BotCommandScopeChat(chat_id=staff_id),
            )
        except TelegramError as exc:
            logger.warning("could not set a staff member's command menu: %s", exc)


async def _on_error(update: object, context: BotContext) -> None:
    """Log the failure with the update and chat ids (never the token); tell the user politely."""
    if not isinstance(update, Update):
        logger.error("error outside an update", exc_info=context.error)
        return
    chat_id = update.effective_chat.id if update.effective_chat is not None else None
    if isinstance(context.error, ReplyNotDelivered):
        # Why: the Bot API failed for the whole retry window; an apology would fail the same way.
        logger.error(
            "update %s from chat %s lost its reply: %s", update.update_id, chat_id, context.error
        )
        return
    logger.error(
        "error while handling update %s from chat %s",
        update.update_id,
        chat_id,
        exc_info=context.error,
    )
    try:
        try:
            t = await context.translator(update)
        except Exception:
            # Why: the failure may be in the store that the language lookup reads.
            t = context.services.catalogs.translator(None)
        text = t.gettext("Sorry, something went wrong on our side. Please try again in a moment.")
        if update.callback_query is not None:
            # Why: the handler may have answered the press already; then a message must do.
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(text, show_alert=True)
                return
        if update.effective_chat is not None:
            await update.effective_chat.send_message(text)
    except (TelegramError, OSError) as exc:
        logger.warning("could not tell the user about an error: %s", type(exc).__name__)


@contextlib.asynccontextmanager
async def running(
    application: BotApplication,
    *,
    intake: WebhookIntake | None = None,
    poll: bool = True,
    poll_timeout: float = 10.0,
) -> AsyncIterator[BotApplication]:
    """Run the application for the duration of the block, then stop it cleanly.

    Every instance handles the updates it is given; the leader (bot/leadership.py) also sweeps,
    dispatches and, without `intake`, polls Telegram (unless `poll` is False: updates then come
    only through the update inbox). With `intake` (served by bot/web/server.py) every instance
    takes updates by webhook (`start_webhook`). On SQLite the one instance is always the leader,
    and it has caught up (dates, notices) before updates are taken.
    """
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        services = application.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        inbox = application.bot_data[UPDATE_INBOX_KEY]
        assert isinstance(inbox, UpdateInbox)
        fetch = (
            functools.partial(start_fetching, application, poll_timeout=poll_timeout)
            if intake is None and poll
            else None
        )
        lock = leader_lock(services.settings.database_target)
        duties = LeaderDuties(application, inbox, fetch=fetch, instances=lock)
        leadership = Leadership(lock, duties)
        application.bot_data[LEADERSHIP_KEY] = leadership
        try:
            await leadership.start()
            if intake is not None:
                await start_webhook(application, intake)
            yield application
        finally:
            if intake is not None:
                await intake.stop()
            await leadership.stop()
            await application.stop()
            turns = application.bot_data[CHAT_TURNS_KEY]
            assert isinstance(turns, ChatTurns)
            await turns.close()


def polling(
    application: BotApplication, *, poll_timeout: float = 10.0, poll: bool = True
) -> contextlib.AbstractAsyncContextManager[BotApplication]:
    """`running` with long polling (see there for `poll`)."""
    return running(application, poll=poll, poll_timeout=poll_timeout)


async def start_fetching(application: BotApplication, *, poll_timeout: float) -> LongPolling:
    """Long polling into the application's update inbox (started); stop the result first.

    A webhook left set by webhook mode is removed first (its pending updates kept), as PTB's own
    polling does: Telegram refuses getUpdates while one is set.
    """
    inbox = application.bot_data[UPDATE_INBOX_KEY]
    assert isinstance(inbox, UpdateInbox)
    await application.bot.delete_webhook(drop_pending_updates=False)
    fetching = LongPolling(
        application.bot, inbox, timeout=poll_timeout, allowed_updates=UPDATE_KINDS
    )
    await fetching.start()
    return fetching


async def start_webhook(application: BotApplication, intake: WebhookIntake) -> None:
    """Open `intake` into the (started) application's update inbox and register the webhook.

    setWebhook (Telegram Bot API) gets the URL, the `secret_token`, the update kinds the bot
    handles (as polling asks for) and keeps the pending updates; every instance registers the same
    URL. The webhook is left set when the bot stops: with several instances behind one URL the
    others keep receiving, and Telegram keeps what it could not deliver until an instance answers.
    StartRefused when Telegram refuses it.
    """
    settings = application.bot_data[SERVICES_KEY].settings
    inbox = application.bot_data[UPDATE_INBOX_KEY]
    assert isinstance(inbox, UpdateInbox)
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    intake.open(inbox, application.bot)
    try:
        await application.bot.set_webhook(
            url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=list(UPDATE_KINDS),
            drop_pending_updates=False,
        )
    except BadRequest as exc:
        raise StartRefused(
            f"the Bot API refused BACKORDER_WEBHOOK_URL {settings.webhook_url} ({exc.message})"
        ) from exc
    logger.info("taking updates by webhook at %s", settings.webhook_url)


class TokenRedactingFormatter(logging.Formatter):
    """Formats records, tracebacks included, with the bot token replaced (httpx logs URLs)."""

    def __init__(self, token: str, fmt: str) -> None:
        super().__init__(fmt)
        self._redact = Redactor(token)

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record without the token."""
        return self._redact(super().format(record))


class RoutineSchedulerRuns(logging.Filter):
    """APScheduler's INFO lines (a job ran, was added) become DEBUG (DESIGN §2, log level)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self._level = level

    def filter(self, record: logging.LogRecord) -> bool:
        """Downgrade routine scheduler records; keep them only when DEBUG is on."""
        if record.name.startswith("apscheduler") and record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
            return self._level <= logging.DEBUG
        return True


def configure_logging(
    token: str, level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Log to stderr (or `stream`) at `level`, routine scheduler runs at DEBUG, token redacted."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        TokenRedactingFormatter(token, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RoutineSchedulerRuns(level))
    handler.addFilter(NonJsonAnswers(level))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return handler


def run_bot(settings: Settings) -> int:
    """`backorder-bot run`: long polling (or, with BACKORDER_WEBHOOK_URL, the webhook) until
    Ctrl-C, with the web server of bot/web/server.py on BACKORDER_LISTEN.

    Exit 2, with one line naming the setting, without a token or when the Bot API cannot be used
    (unreachable, not a Bot API, token rejected); the token is never printed (bot.run_output).
    """
    if not settings.token:
        print(
            "backorder-bot: TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather and "
            "set it in the environment or in .env",
            file=sys.stderr,
        )
        return 2
    try:
        webhook_target(settings)
    except WebhookConfigError as exc:
        print(f"backorder-bot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.token, settings.log_level)
    redact = Redactor(settings.token)
    guard_exit_paths(redact)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(settings))
    except Exception as exc:
        failure = start_failure(exc)
        if failure is None:
            logger.critical("the bot stopped on an unexpected error", exc_info=exc)
            return 1
        print(f"backorder-bot: {redact(failure)}", file=sys.stderr)
        return 2
    return 0


async def _serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with store_session(settings) as store:
        services = Services(
            settings=settings,
            store=store,
            clock=make_clock(settings),
            rules=make_rules(settings),
            catalogs=Catalogs.load(default_language=settings.default_language),
        )
        async with serving_bot(services) as (_, server):
            logger.info("bot is running (web server on %s); press Ctrl-C to stop", server.base_url)
            await stop.wait()
    logger.info("bot stopped")


@contextlib.asynccontextmanager
async def serving_bot(
    services: Services,
    *,
    sock: socket.socket | None = None,
    poll_timeout: float = 10.0,
) -> AsyncIterator[tuple[BotApplication, WebServer]]:
    """The bot as `run` runs it, for the duration of the block: the web server on
    BACKORDER_LISTEN (or `sock`, already bound) and the Application taking updates by webhook
    when BACKORDER_WEBHOOK_URL is set, else by long polling."""
    settings = services.settings
    application = build_application(services)
    intake = None
    if settings.webhook_url is not None and settings.webhook_secret is not None:
        intake = WebhookIntake(settings.webhook_secret, webhook_path(settings.webhook_url))

    def role() -> Role:
        leadership = application.bot_data.get(LEADERSHIP_KEY)
        return leadership.role if isinstance(leadership, Leadership) else "follower"

    web_app = build_web_app(services, webhook=intake, role=role)
    # Why: the server listens before setWebhook, so Telegram's first POST finds it; until the
    # bot runs, the webhook answers 503 and Telegram tries again.
    async with (
        serving(web_app, *settings.listen, sock=sock) as server,
        running(application, intake=intake, poll_timeout=poll_timeout),
    ):
        yield application, server
