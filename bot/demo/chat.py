"""The demo customer's side of a sandbox chat: act, wait for the bot, print what it did."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from bot.demo.transcript import (
    BOT_KINDS,
    button_labels,
    render_bot_event,
    render_contact,
    render_tap,
    render_you,
)

# Why: a reply may need several Bot API calls (answer, edit, send), so the bot counts as done only
# once nothing new has happened for this long.
QUIET_SECONDS = 0.3
FIRST_REPLY_TIMEOUT = 10.0
# Why: a send refused by the flood limits is retried by the bot after `retry_after` seconds.
RETRY_WINDOW = 3.0
SETTLE_LIMIT = 30.0
POLL_SECONDS = 0.05


class DemoChatError(RuntimeError):
    """An action the chat cannot perform (for example no button with that label)."""


class ChatControl(Protocol):
    """The parts of the sandbox control client the demo chat uses."""

    async def send_text(self, user_id: int, text: str) -> int: ...

    async def share_contact(self, user_id: int) -> Any: ...

    async def press(
        self,
        user_id: int,
        *,
        label: str | None = None,
        data: str | None = None,
        message_id: int | None = None,
    ) -> Any: ...

    async def transcript(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]: ...

    async def stats(self) -> dict[str, Any]: ...


class DemoChat:
    """One user's chat with the bot, printed as the DESIGN §3 transcript."""

    def __init__(
        self,
        client: ChatControl,
        user_id: int,
        phone: str,
        *,
        write: Callable[[str], None] = print,
        quiet_seconds: float = QUIET_SECONDS,
        reply_timeout: float = FIRST_REPLY_TIMEOUT,
        on_first_wait: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._client = client
        self._user_id = user_id
        self._phone = phone
        self._write = write
        self._quiet = quiet_seconds
        self._reply_timeout = reply_timeout
        self._on_first_wait = on_first_wait
        self._seq = 0
        # The latest bot message that has an inline keyboard: (message_id, buttons).
        self._keyboard: tuple[int, list[Mapping[str, Any]]] | None = None

    async def say(self, text: str, *, echo: bool = True) -> None:
        """Send a text message and print the bot's answer."""
        await self._flush()
        if echo:
            self._print_lines(render_you(text))
        await self._client.send_text(self._user_id, text)
        await self._settle()

    async def tap(self, label: str, *, echo: bool = True) -> None:
        """Press the button whose label contains `label` on the latest inline keyboard."""
        await self._flush()
        message_id, button = self._find_button(label)
        if echo:
            self._write(render_tap(label))
        await self._client.press(
            self._user_id, data=str(button["callback_data"]), message_id=message_id
        )
        await self._settle()

    async def share_contact(self, *, echo: bool = True) -> None:
        """Share the customer's own phone number."""
        await self._flush()
        if echo:
            self._write(render_contact(self._phone))
        await self._client.share_contact(self._user_id)
        await self._settle()

    async def wait(self, seconds: float) -> None:
        """Let time pass (the shop may act first), printing what the bot sends meanwhile."""
        await self._flush()
        if self._on_first_wait is not None:
            shop_acts, self._on_first_wait = self._on_first_wait, None
            await shop_acts()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        # Why: what the bot sends on its own shows up as it arrives, not when the wait is over.
        while (remaining := deadline - loop.time()) > 0:
            await asyncio.sleep(min(POLL_SECONDS, remaining))
            await self._flush()

    def _find_button(self, label: str) -> tuple[int, Mapping[str, Any]]:
        if self._keyboard is None:
            raise DemoChatError(f"no button [{label}]: the bot has shown no buttons yet")
        message_id, buttons = self._keyboard
        # An exact-case match wins; otherwise any case will do.
        for fold in (False, True):
            wanted = label.casefold() if fold else label
            for button in buttons:
                text = str(button.get("text", ""))
                if "callback_data" in button and wanted in (text.casefold() if fold else text):
                    return message_id, button
        offered = ", ".join(f"[{button.get('text', '')}]" for button in buttons)
        raise DemoChatError(f"no button matches [{label}]; the latest buttons are {offered}")

    async def _settle(self) -> None:
        """Wait for the bot's first reaction, then until it is quiet and owes no retried send."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        refused = await self._refused_sends()
        last_event: float | None = None
        # Why: a send refused by the flood limit is retried later; its retry is worth waiting for.
        owed_since: float | None = None
        while (now := loop.time()) < started + SETTLE_LIMIT:
            # Stats before transcript: a retry lands in a later poll than the refusal it answers.
            refused_before, refused = refused, await self._refused_sends()
            fresh_refusal = refused != refused_before
            if await self._flush(bot_only=True):
                last_event = loop.time()
                owed_since = now if fresh_refusal else None
            elif fresh_refusal:
                owed_since = now
            elif _settled(now, started, last_event, owed_since, self._quiet, self._reply_timeout):
                return
            await asyncio.sleep(POLL_SECONDS)

    async def _refused_sends(self) -> int:
        stats = await self._client.stats()
        return int(stats.get("rate_limited", 0))

    async def _flush(self, *, bot_only: bool = False) -> bool:
        """Print every event since the last one printed; True if any bot event was among them."""
        events = await self._client.transcript(self._user_id, after=self._seq)
        saw_bot = False
        for event in events:
            self._seq = max(self._seq, int(event["seq"]))
            if event.get("kind") in BOT_KINDS:
                saw_bot = True
                self._remember_keyboard(event)
                self._print_lines(render_bot_event(event))
            elif event.get("kind") == "callback_answer" and event.get("callback_answer_text"):
                saw_bot = True
                self._write(f"bot (notice): {event['callback_answer_text']}")
        return saw_bot or (not bot_only and bool(events))

    def _remember_keyboard(self, event: Mapping[str, Any]) -> None:
        if event.get("keyboard") != "inline":
            if self._keyboard is not None and self._keyboard[0] == event.get("message_id"):
                self._keyboard = None
            return
        rows: Sequence[Sequence[Mapping[str, Any]]] = event.get("buttons") or []
        if button_labels(event):
            self._keyboard = (int(event["message_id"]), [button for row in rows for button in row])

    def _print_lines(self, lines: Sequence[str]) -> None:
        for line in lines:
            self._write(line)


def _settled(
    now: float,
    started: float,
    last_event: float | None,
    owed_since: float | None,
    quiet: float,
    reply_timeout: float,
) -> bool:
    """True when the bot has had its say: quiet long enough and no refused send left to retry."""
    if owed_since is not None:
        return now - owed_since >= RETRY_WINDOW
    if last_event is None:
        return now - started >= reply_timeout
    return now - last_event >= quiet
