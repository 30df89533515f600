"""What a Bot API method handler receives, how methods are declared, and the send guards."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.html import parse_html, utf16_length
from bot.sandbox.params import Params
from bot.sandbox.state import BotState, Chat, SandboxState

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


@dataclass
class Call:
    """One Bot API call: the sandbox, the calling bot and its parameters."""

    world: SandboxState
    bot: BotState
    params: Params


Handler = Callable[[Call], Awaitable[object]]


@dataclass(frozen=True)
class Method:
    """A served method with the parameter names it requires and accepts (official names)."""

    name: str
    handler: Handler
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    # Required parameters an empty string is a meaningful value of (setWebhook's url: remove it).
    may_be_empty: tuple[str, ...] = ()

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every parameter name the method reads."""
        return self.required + self.optional


@dataclass(frozen=True)
class FormattedText:
    """Message text after parse-mode processing."""

    text: str
    html: str | None
    entities: list[dict[str, object]]


def formatted_text(params: Params) -> FormattedText:
    """Apply parse_mode/entities to `text` and enforce Telegram's length limits."""
    source = params.string("text")
    if source is None:
        raise bad_request("message text is empty")
    parse_mode = (params.string("parse_mode") or "").lower()
    html: str | None = None
    if parse_mode == "html":
        parsed = parse_html(source)
        text, entities, html = parsed.text, parsed.entities, source
    elif parse_mode in ("", "markdown", "markdownv2"):
        # Why: the bot uses HTML; Markdown sources are kept verbatim rather than half-parsed.
        text, entities = source, _entities(params.json_value("entities"))
    else:
        raise bad_request("unsupported parse_mode")
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_length(text) > MESSAGE_LIMIT:
        raise bad_request("message is too long")
    return FormattedText(text, html, entities)


def formatted_caption(params: Params) -> FormattedText:
    """Apply parse_mode/caption_entities to `caption` (may be empty), at most 1024 characters
    after entity parsing, as Telegram counts them."""
    source = params.string("caption") or ""
    parse_mode = (params.string("parse_mode") or "").lower()
    html: str | None = None
    if parse_mode == "html":
        parsed = parse_html(source)
        text, entities, html = parsed.text, parsed.entities, source
    elif parse_mode in ("", "markdown", "markdownv2"):
        text, entities = source, _entities(params.json_value("caption_entities"))
    else:
        raise bad_request("unsupported parse_mode")
    if utf16_length(text) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    return FormattedText(text, html, entities)


def _entities(value: object) -> list[dict[str, object]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise bad_request("can't parse entities JSON object")
    return [dict(item) for item in value]


def guard_send(call: Call, chat: Chat, *, paid: bool = False) -> None:
    """Refuse a send as Telegram would: blocked user, injected fault, flood limit (a `paid`
    send, with allow_paid_broadcast, against the paid broadcast limit instead of the free one)."""
    world = call.world
    refuse_if_blocked(call, chat)
    if world.config.fault_5xx_rate > 0 and world.rng.random() < world.config.fault_5xx_rate:
        world.stats.faults_injected += 1
        code = world.rng.choice((500, 502))
        raise ApiError(code, "Internal Server Error" if code == 500 else "Bad Gateway")
    now = asyncio.get_running_loop().time()
    retry_after = call.bot.flood.admit(chat.chat_id, now, paid=paid, group=chat.group is not None)
    if retry_after is not None:
        world.stats.rate_limited += 1
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )


def topic_of(call: Call, chat: Chat) -> int | None:
    """The forum topic a send goes to (`message_thread_id`), checked as Telegram checks it.

    Private chats ignore the parameter; in a supergroup an unknown thread is 400 "message thread
    not found", and a closed topic takes posts only from admins who can manage topics
    (400 "TOPIC_CLOSED" otherwise).
    """
    thread_id = call.params.integer("message_thread_id")
    group = chat.group
    if group is None or thread_id is None:
        return None
    topic = group.topic(thread_id)
    if topic is None:
        raise bad_request("message thread not found")
    if topic.closed and not group.bot_can_manage_topics:
        raise bad_request("TOPIC_CLOSED")
    return thread_id


def refuse_if_blocked(call: Call, chat: Chat) -> None:
    """403 for calls into a chat whose user blocked the bot, or never started it."""
    if not chat.started:
        call.world.stats.forbidden += 1
        raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
    if chat.blocked:
        call.world.stats.forbidden += 1
        raise ApiError(403, "Forbidden: bot was blocked by the user")
