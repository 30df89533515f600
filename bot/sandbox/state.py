"""Everything the sandbox remembers: bots, their chats, messages, pending updates, transcripts."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import aiohttp

from bot.clock import Clock, SystemClock
from bot.sandbox.config import SandboxConfig
from bot.sandbox.errors import bad_request
from bot.sandbox.flood import FloodGate
from bot.sandbox.markup import Markup
from bot.sandbox.media import StoredFile

DEFAULT_BOT_ID = 100000001
BOT_EVENT_KINDS = frozenset({"bot_message", "bot_edit"})
# Why: without allowed_updates, Telegram leaves these out unless asked for explicitly.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Signal:
    """Wakes every waiter once something changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake the current waiters."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Sleep until the next change or the timeout, whichever comes first."""
        event = self._event
        with suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(0.0, timeout))


@dataclass
class Stats:
    """Counters the benchmarks and tests read."""

    calls: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    faults_injected: int = 0
    forbidden: int = 0
    messages_sent: int = 0
    # Sends with allow_paid_broadcast; each costs 0.1 Telegram Stars.
    paid_messages: int = 0
    messages_edited: int = 0
    updates_delivered: int = 0
    # Webhook POSTs made, and those that failed (non-2xx answer, connection error, timeout).
    webhook_posts: int = 0
    webhook_failures: int = 0
    # Photos and documents sent, by kind ("photo", "document"); they count in messages_sent too.
    files_sent: Counter[str] = field(default_factory=Counter)
    # Why: whether the bot answers chats side by side shows as several calls in flight at once.
    peak_in_flight: Counter[str] = field(default_factory=Counter)
    _in_flight: Counter[str] = field(default_factory=Counter)

    @contextmanager
    def call_in_flight(self, method: str) -> Iterator[None]:
        """Count a call as in flight while the block runs, keeping each method's peak."""
        self._in_flight[method] += 1
        self.peak_in_flight[method] = max(self.peak_in_flight[method], self._in_flight[method])
        try:
            yield
        finally:
            self._in_flight[method] -= 1

    def as_dict(self) -> dict[str, object]:
        """JSON-ready counters."""
        return {
            "calls": dict(self.calls),
            "rate_limited": self.rate_limited,
            "faults_injected": self.faults_injected,
            "forbidden": self.forbidden,
            "messages_sent": self.messages_sent,
            "paid_messages": self.paid_messages,
            # Why: counted in tenths so the sum stays exact (0.1 Stars per paid message).
            "stars_charged": self.paid_messages / 10,
            "messages_edited": self.messages_edited,
            "updates_delivered": self.updates_delivered,
            "webhook_posts": self.webhook_posts,
            "webhook_failures": self.webhook_failures,
            "files_sent": dict(self.files_sent),
            "peak_in_flight": dict(self.peak_in_flight),
        }


@dataclass
class ShownMessage:
    """A message as the chat currently shows it."""

    message_id: int
    from_bot: bool
    date: int
    text: str = ""
    html: str | None = None
    entities: list[dict[str, object]] = field(default_factory=list)
    markup: Markup | None = None
    edit_date: int | None = None
    contact: dict[str, object] | None = None
    reply_to: int | None = None
    # Group chats: the member who wrote (None: the private chat's user), the forum topic, if any.
    sender: dict[str, object] | None = None
    thread_id: int | None = None
    # A photo: its sizes (PhotoSize objects), with the caption kept in `text`/`entities`.
    photo: list[dict[str, object]] | None = None
    # A service message, e.g. {"forum_topic_created": {...}}; it has no text.
    service: dict[str, object] | None = None
    # A photo or document message: its kind and file; `text` and `entities` are its caption.
    media: tuple[str, StoredFile] | None = None

    @property
    def inline_markup(self) -> Markup | None:
        """The inline keyboard under the message, if any."""
        return self.markup if self.markup is not None and self.markup.kind == "inline" else None


@dataclass
class Topic:
    """A forum topic: its thread id (the id of the service message that created it), name, state."""

    thread_id: int
    name: str
    icon_color: int
    closed: bool = False


@dataclass
class Group:
    """What a supergroup adds to a chat: title, members, the bot's rights, forum topics."""

    chat_id: int
    title: str
    is_forum: bool
    members: dict[int, dict[str, object]]
    admin_ids: frozenset[int]
    bot_is_admin: bool
    bot_can_manage_topics: bool
    topics: dict[int, Topic] = field(default_factory=dict)

    def topic(self, thread_id: int) -> Topic | None:
        """The forum topic with this thread id, if the chat is a forum and has it."""
        return self.topics.get(thread_id) if self.is_forum else None


@dataclass
class Chat:
    """A private chat between one user and one bot, or (with `group`) a supergroup."""

    user: dict[str, object]
    phone_number: str | None = None
    blocked: bool = False
    # Why: Telegram lets a bot write to a user only once they started it (a group member may
    # never have); False until the user writes to the bot.
    started: bool = True
    messages: dict[int, ShownMessage] = field(default_factory=dict)
    events: list[dict[str, object]] = field(default_factory=list)
    menu_button: dict[str, object] | None = None
    last_message_id: int = 0
    changed: Signal = field(default_factory=Signal)
    group: Group | None = None

    @property
    def chat_id(self) -> int:
        """Private chat ids equal the user's id; supergroup ids are negative (-100…)."""
        if self.group is not None:
            return self.group.chat_id
        return int(str(self.user["id"]))

    def as_json(self) -> dict[str, object]:
        """The Chat object of the Bot API."""
        if self.group is not None:
            group: dict[str, object] = {
                "id": self.group.chat_id,
                "type": "supergroup",
                "title": self.group.title,
            }
            if self.group.is_forum:
                group["is_forum"] = True
            return group
        chat: dict[str, object] = {"id": self.chat_id, "type": "private"}
        chat.update(
            {
                key: self.user[key]
                for key in ("first_name", "last_name", "username")
                if key in self.user
            }
        )
        return chat

    def next_message_id(self) -> int:
        """Ids grow by one per message, user's and bot's alike."""
        self.last_message_id += 1
        return self.last_message_id

    def latest_bot_message(self, *, with_inline_keyboard: bool) -> ShownMessage | None:
        """The newest bot message (optionally: that still has an inline keyboard)."""
        for message in reversed(self.messages.values()):
            if message.from_bot and (message.inline_markup or not with_inline_keyboard):
                return message
        return None


@dataclass
class Webhook:
    """A bot's webhook (setWebhook) and the state of its delivery (getWebhookInfo)."""

    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None
    task: asyncio.Task[None] | None = None


@dataclass
class BotState:
    """One bot's world: its users' chats, the update queue, commands and menu buttons."""

    bot_id: int
    username: str
    flood: FloodGate
    chats: dict[int, Chat] = field(default_factory=dict)
    updates: deque[dict[str, object]] = field(default_factory=deque)
    last_update_id: int = 0
    allowed_updates: frozenset[str] | None = None
    commands: dict[tuple[str, str], list[dict[str, object]]] = field(default_factory=dict)
    default_menu_button: dict[str, object] | None = None
    open_callback_queries: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Files the bot sent, by file_id (sending one again by its file_id reuses it).
    files: dict[str, StoredFile] = field(default_factory=dict)
    changed: Signal = field(default_factory=Signal)
    polls_started: int = 0
    webhook: Webhook | None = None

    def remember_allowed_updates(self, value: object) -> None:
        """Keep `allowed_updates` (getUpdates, setWebhook): a JSON array of update kinds; an
        empty one means the default kinds, None keeps the previous setting."""
        if value is None:
            return
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise bad_request("can't parse allowed_updates JSON array")
        self.allowed_updates = frozenset(value) if value else None

    def deliverable(self, limit: int) -> list[dict[str, object]]:
        """The next `limit` pending updates of the kinds the bot asked for; updates of other
        kinds are dropped, as Telegram does."""
        wanted = self.allowed_updates
        kept = deque(
            update
            for update in self.updates
            if any(
                (kind in wanted) if wanted else kind not in OPT_IN_UPDATES
                for kind in update
                if kind != "update_id"
            )
        )
        if len(kept) != len(self.updates):
            self.updates = kept
        return list(kept)[:limit]

    def user_json(self) -> dict[str, object]:
        """The bot's own User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Backorder Assistant",
            "username": self.username,
        }

    def chat(self, chat_id: int | None) -> Chat:
        """A chat the bot can write to, or 400 "chat not found"."""
        chat = self.chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def push_update(self, kind: str, payload: dict[str, object]) -> None:
        """Queue an update for getUpdates and wake the long polls."""
        self.last_update_id += 1
        self.updates.append({"update_id": self.last_update_id, kind: payload})
        self.changed.fire()

    def message_json(self, chat: Chat, message: ShownMessage) -> dict[str, object]:
        """The Message object of the Bot API, as the message is shown now."""
        sender = self.user_json() if message.from_bot else (message.sender or chat.user)
        body: dict[str, object] = {
            "message_id": message.message_id,
            "from": sender,
            "chat": chat.as_json(),
            "date": message.date,
        }
        if message.thread_id is not None:
            body["message_thread_id"] = message.thread_id
            body["is_topic_message"] = True
        if message.service is not None:
            body.update(message.service)
        elif message.contact is not None:
            body["contact"] = message.contact
        elif message.media is not None or message.photo is not None:
            if message.media is not None:
                kind, stored = message.media
                body[kind] = stored.photo_sizes() if kind == "photo" else stored.document_json()
            else:
                body["photo"] = message.photo
            if message.text:
                body["caption"] = message.text
            if message.entities:
                body["caption_entities"] = message.entities
        else:
            body["text"] = message.text
        if message.entities and message.photo is None and message.media is None:
            body["entities"] = message.entities
        if message.edit_date is not None:
            body["edit_date"] = message.edit_date
        if message.inline_markup is not None:
            body["reply_markup"] = message.inline_markup.source
        replied = chat.messages.get(message.reply_to) if message.reply_to else None
        if replied is not None:
            body["reply_to_message"] = self.message_json(chat, replied)
        return body


def message_extras(message: ShownMessage) -> dict[str, object]:
    """Transcript fields only some messages have: topic, photo, service action, group author."""
    extras: dict[str, object] = {}
    if message.thread_id is not None:
        extras["message_thread_id"] = message.thread_id
    if message.photo is not None:
        extras["photo"] = message.photo[-1]["file_id"]
    if message.service is not None:
        extras["service"] = next(iter(message.service))
    if message.sender is not None:
        extras["from_user_id"] = message.sender["id"]
    return extras


class SandboxState:
    """All bots of one sandbox, the shared settings, counters and transcript sequence."""

    def __init__(self, config: SandboxConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self.rng = random.Random(config.seed)
        self.stats = Stats()
        self.bots: dict[int, BotState] = {}
        self.default_bot_id: int | None = None
        self.last_seq = 0
        self.closing = False
        # Webhook delivery's HTTP client, made on first use in the running loop.
        self.http: aiohttp.ClientSession | None = None

    def bot(self, bot_id: int | None = None) -> BotState:
        """The bot's state, created on first use; None means the default bot."""
        wanted = bot_id if bot_id is not None else (self.default_bot_id or DEFAULT_BOT_ID)
        state = self.bots.get(wanted)
        if state is None:
            state = self.bots[wanted] = BotState(wanted, self._username(wanted), self._flood())
        return state

    def claim_default(self, bot_id: int) -> None:
        """The first bot that calls getMe becomes the control API's default."""
        if self.default_bot_id is None:
            self.default_bot_id = bot_id
            self.bot(bot_id).username = self.config.bot_username

    def reconfigure(self, changes: dict[str, object]) -> None:
        """Apply new settings; limits and the fault RNG restart from them."""
        self.config.apply(changes)
        if "seed" in changes:
            self.rng = random.Random(self.config.seed)
        for state in self.bots.values():
            state.flood = self._flood()

    def unix_now(self) -> int:
        """The message date Telegram would stamp."""
        return int(self.clock.now().timestamp())

    def record(self, chat: Chat, kind: str, **fields: object) -> dict[str, object]:
        """Append an event to the chat's transcript and wake its waiters."""
        self.last_seq += 1
        event: dict[str, object] = {
            "seq": self.last_seq,
            "kind": kind,
            "message_id": 0,
            "text": "",
            "html": None,
            "buttons": [],
            "keyboard": None,
            "callback_answer_text": None,
            **fields,
        }
        chat.events.append(event)
        chat.changed.fire()
        return event

    def record_message(self, chat: Chat, kind: str, message: ShownMessage) -> dict[str, object]:
        """Record a bot message or edit with its current text and keyboard."""
        markup = message.markup
        shown = markup is not None and markup.kind in ("inline", "reply", "remove")
        # Why: a photo or document is recorded with its file; `text` is then its caption.
        media = {message.media[0]: message.media[1].transcript()} if message.media else {}
        return self.record(
            chat,
            kind,
            message_id=message.message_id,
            text=message.text,
            html=message.html,
            buttons=markup.buttons() if markup is not None else [],
            keyboard=markup.kind if shown and markup is not None else None,
            **message_extras(message),
            **media,
        )

    def close(self) -> None:
        """End every long poll and webhook delivery so the server can stop at once."""
        self.closing = True
        for state in self.bots.values():
            if state.webhook is not None and state.webhook.task is not None:
                state.webhook.task.cancel()
            state.changed.fire()
            for chat in state.chats.values():
                chat.changed.fire()

    def http_client(self) -> aiohttp.ClientSession:
        """The HTTP client that POSTs updates to webhooks."""
        if self.http is None or self.http.closed:
            self.http = aiohttp.ClientSession()
        return self.http

    async def close_http(self) -> None:
        """Close the webhook HTTP client (after `close`)."""
        if self.http is not None:
            await self.http.close()
            self.http = None

    def _flood(self) -> FloodGate:
        config = self.config
        return FloodGate(
            config.global_rate,
            config.per_chat_rate,
            config.burst,
            config.paid_broadcast_rate,
            config.group_rate_per_minute,
        )

    def _username(self, bot_id: int) -> str:
        if bot_id == (self.default_bot_id or DEFAULT_BOT_ID):
            return self.config.bot_username
        return f"sandbox{bot_id}_bot"
