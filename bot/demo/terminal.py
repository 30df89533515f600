"""The interactive demo: lines typed on stdin become messages and actions."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TextIO

from bot.demo.actions import perform
from bot.demo.chat import DemoChat, DemoChatError
from bot.demo.script import Action, Say, ScriptError, parse_action

QUIT_COMMAND = "/quit"
_ACTION_PREFIXES = ("say:", "tap:", "wait:")


def typed_action(line: str) -> Action:
    """A typed line: an action when it is written as one, else a text to send."""
    if line == "contact" or line.startswith(_ACTION_PREFIXES):
        action = parse_action(line)
        if action is not None:
            return action
    return Say(line)


async def chat_on_terminal(
    chat: DemoChat, stdin: TextIO, *, write: Callable[[str], None] = print
) -> None:
    """Read lines until EOF or /quit; a terminal gets a `you: ` prompt instead of an echo."""
    interactive = stdin.isatty()
    lines = _lines_of(stdin)
    while True:
        if interactive:
            print("you: ", end="", flush=True)
        raw = await lines.get()
        line = (raw or "").strip()
        if raw is None or line == QUIT_COMMAND:
            return
        if not line:
            continue
        try:
            await perform(chat, typed_action(line), echo=not interactive)
        except (ScriptError, DemoChatError) as exc:
            write(f"  ({exc.reason if isinstance(exc, ScriptError) else exc})")


def _lines_of(stdin: TextIO) -> asyncio.Queue[str | None]:
    """Lines of stdin as they are typed; None at the end."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        # Why: a daemon thread, so Ctrl-C does not wait for a line nobody will type.
        for line in iter(stdin.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="demo-stdin", daemon=True).start()
    return queue
