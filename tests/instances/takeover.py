"""Two `backorder-bot run` processes on one PostgreSQL database; the leader is SIGKILLed in the
middle of a dispatch of 1,000 queued messages and the follower takes over.

Shared by tests/instances/test_takeover.py (what must hold) and bench/takeover.py (how long the
takeover took). Both processes poll nothing but the leader: with polling, getUpdates is a leader
duty (Telegram answers a second poller 409 Conflict).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.outbox import OutgoingMessage
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from storage.store import SqlStore

TOKEN = "100000001:takeover-test"
CHATS = 200
PER_CHAT = 5
FIRST_USER = 640000
# Why: fast enough that the dispatch is under way for a second or two, not minutes.
SEND_RATE, CHAT_SEND_RATE = "500", "50"
LEADER_LINE = "this instance is the leader now"
FOLLOWER_LINE = "this instance is a follower"
RUNNING_LINE = "bot is running"
PATIENCE_SECONDS = 60.0
ROOT = Path(__file__).parents[2]


def text(chat_id: int, n: int) -> str:
    """The n-th message to a chat."""
    return f"message {n} to {chat_id}"


@dataclass
class BotProcess:
    """A `backorder-bot run` subprocess whose log lines are read as they come (with the
    monotonic time each was read)."""

    process: asyncio.subprocess.Process
    lines: list[tuple[float, str]] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    async def read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.lines.append((time.monotonic(), line.decode(errors="replace").rstrip()))

    def seen(self, fragment: str, *, after: float = 0.0) -> float | None:
        """When a line containing `fragment` was read (after `after`), or None."""
        for at, line in self.lines:
            if at >= after and fragment in line:
                return at
        return None

    async def wait_for(self, fragment: str, *, after: float = 0.0) -> float:
        """Wait (at most PATIENCE_SECONDS) for a line containing `fragment`; when it was read."""
        async with asyncio.timeout(PATIENCE_SECONDS):
            while (at := self.seen(fragment, after=after)) is None:
                if self.process.returncode is not None and self.reader and self.reader.done():
                    raise AssertionError(f"the bot exited before {fragment!r}: {self.log()}")
                await asyncio.sleep(0.01)
        return at

    def log(self) -> str:
        """Everything it logged."""
        return "\n".join(line for _, line in self.lines)


async def start_bot(
    database_url: str, api_base_url: str, folder: Path, settings: Mapping[str, str] | None = None
) -> BotProcess:
    """`backorder-bot run` against the Bot API at `api_base_url` (the sandbox's) on the database,
    logging at INFO; `settings` add to or override its environment."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api_base_url,
        "BACKORDER_DATABASE_URL": database_url,
        "BACKORDER_SEND_RATE": SEND_RATE,
        "BACKORDER_CHAT_SEND_RATE": CHAT_SEND_RATE,
        "BACKORDER_LOG_LEVEL": "INFO",
        # Why: two bots run side by side; each web server takes a free port.
        "BACKORDER_LISTEN": "127.0.0.1:0",
        **(settings or {}),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env=env,
        cwd=folder,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    bot = BotProcess(process)
    bot.reader = asyncio.create_task(bot.read())
    return bot


async def stop_bot(bot: BotProcess, sig: int = signal.SIGTERM) -> int:
    """Signal the process (if still running) and wait for it; its exit code."""
    if bot.process.returncode is None:
        bot.process.send_signal(sig)
    code = await asyncio.wait_for(bot.process.wait(), PATIENCE_SECONDS)
    if bot.reader is not None:
        await bot.reader
    return code


@contextlib.asynccontextmanager
async def two_bots(
    database_url: str, sandbox: Sandbox, folder: Path
) -> AsyncIterator[tuple[BotProcess, BotProcess]]:
    """The first started leads, the second follows; both are stopped (killed if need be) after."""
    first = await start_bot(database_url, sandbox.api_base_url, folder)
    bots = [first]
    try:
        await first.wait_for(RUNNING_LINE)
        second = await start_bot(database_url, sandbox.api_base_url, folder)
        bots.append(second)
        await second.wait_for(RUNNING_LINE)
        yield first, second
    finally:
        for bot in bots:
            with contextlib.suppress(Exception):
                await stop_bot(bot)
            if bot.process.returncode is None:
                bot.process.kill()
                await bot.process.wait()


@dataclass(frozen=True)
class Takeover:
    """What happened: seconds from the SIGKILL to the follower's "leader now" line, messages
    the sandbox counted when the leader was killed, and each message's arrivals."""

    seconds: float
    sent_at_kill: int
    arrived: Counter[str]
    in_order: bool
    first_log: str
    second_log: str


async def sent_so_far(client: SandboxClient) -> int:
    """Messages the sandbox has accepted from the bot."""
    return int((await client.stats())["messages_sent"])


async def kill_the_leader_mid_dispatch(
    store: SqlStore, sandbox: Sandbox, client: SandboxClient, database_url: str, folder: Path
) -> Takeover:
    """Queue CHATS × PER_CHAT messages with both bots running, SIGKILL the leader once a third
    is sent, wait until the follower has sent the rest; what the chats received."""
    chats = await create_chats(client)
    async with two_bots(database_url, sandbox, folder) as (first, second):
        kill = await dispatch_and_kill_the_leader(store, client, chats, first, second)
    arrived, in_order = await arrivals(client, chats)
    return Takeover(kill.seconds, kill.sent_at_kill, arrived, in_order, first.log(), second.log())


async def create_chats(client: SandboxClient) -> list[int]:
    """The CHATS customers the dispatch writes to, created in the sandbox."""
    chats = [FIRST_USER + n for n in range(CHATS)]
    for chat_id in chats:
        await client.create_user(chat_id, "Customer")
    return chats


@dataclass(frozen=True)
class Kill:
    """Seconds from the SIGKILL to the follower's "leader now" line; messages the sandbox had
    counted at the kill."""

    seconds: float
    sent_at_kill: int


async def dispatch_and_kill_the_leader(
    store: SqlStore,
    client: SandboxClient,
    chats: list[int],
    leader: BotProcess,
    follower: BotProcess,
    *,
    after_kill: Callable[[], Awaitable[None]] | None = None,
) -> Kill:
    """Queue PER_CHAT messages to each of `chats`, SIGKILL `leader` once a third of them is sent,
    run `after_kill` (if any) while `follower` takes over, and wait until every message is sent."""
    total = len(chats) * PER_CHAT
    await leader.wait_for(LEADER_LINE)
    await follower.wait_for(FOLLOWER_LINE)
    await store.enqueue_messages(
        [
            OutgoingMessage(f"{chat_id}:{n}", chat_id, text(chat_id, n))
            for n in range(PER_CHAT)
            for chat_id in chats
        ],
        now=datetime.now(UTC),
    )
    async with asyncio.timeout(PATIENCE_SECONDS):
        while await sent_so_far(client) < total // 3:
            await asyncio.sleep(0.005)
    leader.process.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    sent_at_kill = await sent_so_far(client)
    await leader.process.wait()
    if after_kill is not None:
        await after_kill()
    took_over = await follower.wait_for(LEADER_LINE, after=killed)
    async with asyncio.timeout(PATIENCE_SECONDS):
        while (await store.outbox_summary()).pending:
            await asyncio.sleep(0.05)
    return Kill(took_over - killed, sent_at_kill)


async def arrivals(client: SandboxClient, chats: list[int]) -> tuple[Counter[str], bool]:
    """How often each dispatched message reached its chat, and whether every chat saw its
    messages in order (repeats aside)."""
    arrived: Counter[str] = Counter()
    in_order = True
    for chat_id in chats:
        events = await client.transcript(chat_id)
        shown = [str(event["text"]) for event in events if event["kind"] == "bot_message"]
        in_order = in_order and list(dict.fromkeys(shown)) == [
            text(chat_id, n) for n in range(PER_CHAT)
        ]
        arrived.update(shown)
    return arrived, in_order
