"""`backorder-bot demo`: the seeded shop, the sandbox and the real bot, chatting in the terminal."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import time
from pathlib import Path

from bot.app import build_application, polling
from bot.config import Settings
from bot.context import Services
from bot.demo.actions import perform
from bot.demo.chat import DemoChat, DemoChatError
from bot.demo.history import record_open_ended_wait
from bot.demo.script import ScriptError, ScriptStep, parse_script
from bot.demo.seed import DemoCustomer, seed_store
from bot.demo.shop import StagedUpdate, staged_slip
from bot.demo.terminal import QUIT_COMMAND, chat_on_terminal
from bot.domain.quiet_hours import QuietHours
from bot.i18n import Catalogs
from bot.runtime import make_clock, make_rules
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from bot.services.linking import deep_link_for_order
from storage.run_lock import exclusive_run
from storage.store import open_store

# Any well-formed token will do: the sandbox accepts it and it never leaves this machine.
DEMO_TOKEN = "100000001:demo-token"
DEMO_USER_ID = 700100
# Why: short long-polls let the demo stop at once when it is over.
POLL_TIMEOUT = 1.0
# Why: the demo runs at any hour; held until the customer's morning, its notice would never show.
NO_QUIET_HOURS = QuietHours(time(0), time(0))
# Why: the demo shop sells in dollars to US customers; its calendar is the US one unless set.
DEMO_HOLIDAYS = "US"


def run_demo(settings: Settings, script: Path | None) -> int:
    """Run the demo: play `script` and exit, or chat interactively on stdin when it is None."""
    steps: list[ScriptStep] | None = None
    if script is not None:
        try:
            steps = parse_script(script.read_text(encoding="utf-8").splitlines())
        except OSError as exc:
            print(f"backorder-bot demo: cannot read {script}: {exc.strerror}", file=sys.stderr)
            return 2
        except ScriptError as exc:
            where = f"{script}:{exc.line_no}"
            print(f"backorder-bot demo: {where}: {exc.reason}: {exc.line.strip()}", file=sys.stderr)
            return 2
    try:
        return asyncio.run(_run(settings, steps, script))
    except KeyboardInterrupt:
        return 130


async def _run(settings: Settings, steps: list[ScriptStep] | None, script: Path | None) -> int:
    with tempfile.TemporaryDirectory(prefix="backorder-demo-") as workdir:
        async with demo_chat(settings, Path(workdir)) as (chat, customer, deep_link):
            _print_intro(customer, deep_link, scripted=steps is not None)
            if steps is None:
                await chat_on_terminal(chat, sys.stdin)
                return 0
            return await _play(chat, steps, script)


def _to_stderr(line: str) -> None:
    # Why: stdout is the transcript (DESIGN §3); what the shop does is told beside it.
    sys.stdout.flush()
    print(line, file=sys.stderr, flush=True)


@asynccontextmanager
async def demo_chat(
    settings: Settings,
    workdir: Path,
    *,
    write: Callable[[str], None] = print,
    announce: Callable[[str], None] = _to_stderr,
) -> AsyncIterator[tuple[DemoChat, DemoCustomer, str]]:
    """A seeded store, a running sandbox and bot, and the demo customer's chat; all torn down."""
    settings = dataclasses.replace(
        settings, holidays_country=settings.holidays_country or DEMO_HOLIDAYS
    )
    clock = make_clock(settings)
    rules = make_rules(settings)
    async with AsyncExitStack() as cleanup:
        db_path = workdir / "demo.sqlite3"
        # Why: the demo runs the bot as `run` does, so it holds the database's run lock too.
        cleanup.enter_context(exclusive_run(db_path))
        store = await open_store(db_path)
        cleanup.push_async_callback(store.close)
        data_dir = workdir / "csv"
        data_dir.mkdir()
        shop = await seed_store(
            store, data_dir, now=clock.now(), timezone=settings.timezone, rules=rules
        )
        await record_open_ended_wait(store, shop, at=clock.now())
        sandbox = Sandbox(SandboxConfig())
        await sandbox.start("127.0.0.1", port=0)
        cleanup.push_async_callback(sandbox.stop)
        demo_settings = dataclasses.replace(
            settings,
            token=DEMO_TOKEN,
            api_base_url=sandbox.api_base_url,
            db_path=db_path,
            # Why: the demo seeds a shop of its own; it never touches the configured database.
            database_url=None,
            quiet_hours=NO_QUIET_HOURS,
        )
        catalogs = Catalogs.load(default_language=settings.default_language)
        services = Services(demo_settings, store, clock, rules, catalogs)
        await cleanup.enter_async_context(
            polling(build_application(services), poll_timeout=POLL_TIMEOUT)
        )
        client = SandboxClient(sandbox.base_url)
        cleanup.push_async_callback(client.close)
        customer = shop.demo_customer
        # The bot has called getMe by now, so the user is created in its chats.
        await client.create_user(
            DEMO_USER_ID,
            customer.name.split()[0],
            language_code=customer.language,
            phone_number=customer.phone,
        )
        deep_link = await deep_link_for_order(
            store, demo_settings, customer.order_ids[0], now=clock.now()
        )
        supplier = StagedUpdate(
            store,
            staged_slip(shop),
            workdir,
            clock=clock,
            timezone=settings.timezone,
            rules=rules,
            announce=announce,
        )
        chat = DemoChat(
            client, DEMO_USER_ID, customer.phone, write=write, on_first_wait=supplier.apply_once
        )
        yield chat, customer, deep_link or ""


def _print_intro(customer: DemoCustomer, deep_link: str, *, scripted: bool) -> None:
    orders = ", ".join(customer.order_ids)
    token = deep_link.partition("?start=")[2]
    print("Backorder Assistant demo: a seeded shop, the local Bot API sandbox and the real bot.")
    print(f"You are {customer.name} ({customer.email}, {customer.phone}), orders {orders}.")
    if deep_link:
        print(f"Your deep link: {deep_link}")
    if not scripted:
        print(f"Link this chat: send /start {token} (the deep link), or /start and then your")
        print("order number and email, or type 'contact' to share your phone number.")
        print("Then try /orders, /language and /help. 'tap: LABEL' presses a button,")
        print(f"'wait: SECONDS' lets the bot work, {QUIT_COMMAND} (or Ctrl-D) ends the demo.")
        print("On your first 'wait:', a supplier moves a delivery and the bot tells you about it.")
    print()


async def _play(chat: DemoChat, steps: Sequence[ScriptStep], script: Path | None) -> int:
    for step in steps:
        try:
            await perform(chat, step.action)
        except DemoChatError as exc:
            # Why: the transcript so far must come out before the error that ends it.
            sys.stdout.flush()
            print(f"backorder-bot demo: {script}:{step.line_no}: {exc}", file=sys.stderr)
            return 1
    return 0
