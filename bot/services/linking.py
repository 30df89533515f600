"""Linking a chat to a customer: signed deep links, order number + email/phone, shared contact."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import secrets
import struct
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import phonenumbers

from bot.config import Settings
from bot.domain.contact_details import ContactDetail, contact_detail
from bot.domain.link_guard import ChatLink, LinkingStore, OrderLockout, chat_link_handle
from bot.domain.model import Customer, Order
from bot.domain.order_number import order_key
from bot.domain.outbox import OutgoingMessage
from bot.domain.phone_numbers import dialling_region, e164, international_e164, same_line
from bot.domain.store import Store
from bot.services.handles import order_handle
from bot.services.notices import RenderedMessage
from bot.services.order_lookup import orders_named, staff_order_id

# Why: the server's cap on a deep link's life, counted from its issue time whatever a token says.
TOKEN_LIFETIME = timedelta(days=30)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
# Why: chats are free to make, so a typed order number is limited across all of them (issue 8).
MAX_ORDER_FAILURES = 10
ORDER_FAILURE_WINDOW = timedelta(hours=24)
MAX_PAYLOAD_CHARS = 64
# Why: a token "issued" later than this ahead of the server's clock was not issued by it.
_CLOCK_SKEW = timedelta(minutes=5)
# Why: 96 bits of MAC is far beyond online guessing; the whole token stays at 38 characters.
_MAC_BYTES = 12
_SECONDS = struct.Struct(">I")
# Why: the order's handle (bot.domain.handles), not its id, so any length of shop id fits.
_HANDLE_BYTES = 6
# Why: a keyed digest of the customer id binds the link without carrying the shop's id.
_CUSTOMER_TAG_BYTES = 6
_BOUND_DOMAIN = b"deep-link-bound\x00"
_CUSTOMER_DOMAIN = b"deep-link-customer\x00"
# Why: links of earlier releases (expiry + handle, or expiry + order id) were sent to customers;
# they stay readable, but they bind no customer (see `_still_bound`).
_HANDLE_DOMAIN = b"deep-link-handle\x00"
_ORDER_ID_DOMAIN = b"deep-link\x00"
# Why: enough of a number's last digits to find its few candidate customers by index.
_MIN_PHONE_SUFFIX = 8
_SECRET_SETTING = "link_secret"
_USERNAME_SETTING = "bot_username"


class LinkError(RuntimeError):
    """A deep link cannot be made (for example the bot's username is unknown)."""


@dataclass(frozen=True, slots=True)
class Linked:
    """The chat is now linked to this customer."""

    customer_id: str
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """The details did not match; deliberately silent about which part was wrong."""


@dataclass(frozen=True, slots=True)
class NotContact:
    """The text holds no email address or phone number; no attempt was used up."""


@dataclass(frozen=True, slots=True)
class Expired:
    """A genuine deep link whose time is over."""


@dataclass(frozen=True, slots=True)
class LockedOut:
    """Too many failed attempts; the chat may try again after this many minutes."""

    retry_in_minutes: int


LinkResult = Linked | Refused | NotContact | Expired | LockedOut


@dataclass(frozen=True, slots=True)
class NewChatLinked:
    """Told to a customer's other chats: a chat was linked at `linked_at`; `handle` names it."""

    linked_at: datetime
    handle: str


# Why: rendered per chat from its language candidates (chosen in the chat, the customer's).
AnnouncementRenderer = Callable[[tuple[str | None, ...], NewChatLinked], RenderedMessage]


@dataclass(frozen=True)
class LockoutAlerting:
    """Where staff alerts go and how one about a paused order number reads."""

    chats: tuple[int, ...]
    render: Callable[[OrderLockout], str]

    def messages(self, lockout: OrderLockout) -> list[OutgoingMessage]:
        """One urgent outbox row per alert chat, sent once per lockout."""
        began = lockout.locked_at.astimezone(UTC).isoformat()
        key = f"alert:link-paused:{lockout.order_number}:{began}"
        text = self.render(lockout)
        return [
            OutgoingMessage(f"{key}:{chat_id}", chat_id, text, urgent=True)
            for chat_id in self.chats
        ]


NO_ALERTS = LockoutAlerting((), lambda lockout: "")


@dataclass(frozen=True, slots=True)
class TokenClaim:
    """What an authentic deep-link token vouches for.

    `issued_at` is when it was made (for links of earlier releases: their expiry less
    TOKEN_LIFETIME, the only lifetime they were ever given); `customer_tag` is the keyed digest
    of the customer it was made for, None in links of earlier releases.
    """

    issued_at: datetime
    order_handle: str | None = None
    legacy_order_id: str | None = None
    customer_tag: bytes | None = None


# --- tokens ---


async def link_secret(store: Store, settings: Settings) -> bytes:
    """The HMAC key: configured, else generated once and kept in the store."""
    if settings.link_secret:
        return settings.link_secret.encode()
    stored = await store.get_setting(_SECRET_SETTING)
    if stored is None:
        stored = secrets.token_urlsafe(32)
        await store.set_setting(_SECRET_SETTING, stored)
    return stored.encode()


def make_token(secret: bytes, order_handle_: str, customer_id: str, *, now: datetime) -> str:
    """A 38-char URL-safe /start payload naming an order by its handle and binding its customer.

    Layout: issue time (4 bytes, Unix seconds) + order handle (6) + keyed customer digest (6) +
    MAC (12), base64url without padding; the server caps its life at TOKEN_LIFETIME from the
    issue time (issue 8). Raises ValueError for anything but an order handle
    (bot.services.handles.order_handle).
    """
    try:
        raw_handle = _b64decode(order_handle_)
    except ValueError:
        raw_handle = b""
    if len(raw_handle) != _HANDLE_BYTES or _b64encode(raw_handle) != order_handle_:
        raise ValueError(f"not an order handle: {order_handle_!r}")
    body = (
        _SECONDS.pack(math.floor(now.timestamp())) + raw_handle + customer_tag(secret, customer_id)
    )
    return _b64encode(body + _mac(secret, _BOUND_DOMAIN, body))


def customer_tag(secret: bytes, customer_id: str) -> bytes:
    """The 6-byte keyed digest of a customer id that a deep link carries instead of the id."""
    digest = hmac.new(secret, _CUSTOMER_DOMAIN + customer_id.encode(), hashlib.sha256).digest()
    return digest[:_CUSTOMER_TAG_BYTES]


def read_token(secret: bytes, token: str) -> TokenClaim | None:
    """The claim of an authentic token (expired or not), or None for anything forged or garbled.

    Tokens of earlier releases (expiry + order handle, expiry + order id) are still read; their
    issue time is their expiry less TOKEN_LIFETIME.
    """
    if not token or len(token) > MAX_PAYLOAD_CHARS or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        return None
    try:
        raw = _b64decode(token)
    except (binascii.Error, ValueError):
        return None
    # Why: the last character's spare bits must not give one token several spellings.
    if _b64encode(raw) != token:
        return None
    body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if len(body) <= _SECONDS.size:
        return None
    (seconds,) = _SECONDS.unpack(body[: _SECONDS.size])
    stamped = datetime.fromtimestamp(seconds, UTC)
    named = body[_SECONDS.size :]
    if len(named) == _HANDLE_BYTES + _CUSTOMER_TAG_BYTES and hmac.compare_digest(
        mac, _mac(secret, _BOUND_DOMAIN, body)
    ):
        return TokenClaim(
            stamped,
            order_handle=_b64encode(named[:_HANDLE_BYTES]),
            customer_tag=named[_HANDLE_BYTES:],
        )
    issued_at = stamped - TOKEN_LIFETIME
    if len(named) == _HANDLE_BYTES and hmac.compare_digest(mac, _mac(secret, _HANDLE_DOMAIN, body)):
        return TokenClaim(issued_at, order_handle=_b64encode(named))
    if not hmac.compare_digest(mac, _mac(secret, _ORDER_ID_DOMAIN, body)):
        return None
    try:
        return TokenClaim(issued_at, legacy_order_id=named.decode())
    except UnicodeDecodeError:
        return None


def _mac(secret: bytes, domain: bytes, body: bytes) -> bytes:
    return hmac.new(secret, domain + body, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def order_token(store: Store, secret: bytes, order_id: str, *, now: datetime) -> str:
    """The deep-link token of a stored order; LinkError if its handle is not its own alone.

    Why: handles are 48-bit digests; in the unlikely clash a link could not tell two orders apart.
    """
    order_handle_ = order_handle(order_id)
    order = await store.get_order(order_id)
    if order is None:
        raise LinkError(f"order {order_id!r} is not stored")
    if await store.order_ids_by_handle(order_handle_) != [order_id]:
        raise LinkError(f"order {order_id!r} shares its link handle with another order")
    return make_token(secret, order_handle_, order.customer_id, now=now)


async def deep_link_for_order(
    store: Store, settings: Settings, order_id: str, *, now: datetime
) -> str | None:
    """`https://t.me/<bot>?start=<token>` linking a chat to the order's customer, or None.

    The order may be given as staff type it ("1001" for the shop's "#1001").
    """
    found = await staff_order_id(store, order_id)
    if found is None:
        return None
    token = await order_token(store, await link_secret(store, settings), found, now=now)
    username = await bot_username(store, settings)
    return f"https://t.me/{username}?start={token}"


async def bot_username(store: Store, settings: Settings) -> str:
    """The bot's @username: remembered by the running bot, else asked of the Bot API."""
    stored = await store.get_setting(_USERNAME_SETTING)
    if stored:
        return stored
    if not settings.token:
        raise LinkError("the bot's username is unknown: run the bot once or set TELEGRAM_BOT_TOKEN")
    username = await _fetch_username(settings)
    await store.set_setting(_USERNAME_SETTING, username)
    return username


async def _fetch_username(settings: Settings) -> str:
    url = f"{settings.api_base_url}{settings.token}/getMe"

    def fetch() -> str:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                payload = json.load(response)
        except OSError as exc:
            # Why: the URL holds the token, so it must not appear in the message.
            raise LinkError(
                f"could not ask the Bot API for the bot's username: {type(exc).__name__}"
            ) from None
        result = payload.get("result") if isinstance(payload, dict) else None
        if not isinstance(result, dict) or not isinstance(result.get("username"), str):
            raise LinkError("the Bot API did not return the bot's username")
        return str(result["username"])

    return await asyncio.to_thread(fetch)


# --- linking ---


async def link_by_token(
    store: LinkingStore,
    settings: Settings,
    chat_id: int,
    token: str,
    *,
    now: datetime,
    announce: AnnouncementRenderer | None = None,
) -> LinkResult:
    """Link a chat through a deep-link payload.

    Refused (as a forged link) when the token is not authentic, claims an issue time ahead of
    the server's clock, or its order's customer is no longer the one it was made for; Expired
    TOKEN_LIFETIME after its issue time, whatever the token says (issue 8).
    """
    if (locked := await _lockout(store, chat_id, now)) is not None:
        return locked
    secret = await link_secret(store, settings)
    claim = read_token(secret, token)
    order = await _claimed_order(store, claim) if claim is not None else None
    if claim is None or order is None or claim.issued_at > now + _CLOCK_SKEW:
        return await _fail(store, chat_id, now)
    if claim.issued_at + TOKEN_LIFETIME <= now:
        return Expired()
    if not await _still_bound(store, secret, claim, order):
        return await _fail(store, chat_id, now)
    await _link(store, chat_id, order.customer_id, via="deep_link", now=now, announce=announce)
    return Linked(order.customer_id, order.order_id)


async def _claimed_order(store: Store, claim: TokenClaim) -> Order | None:
    if claim.legacy_order_id is not None:
        return await store.get_order(claim.legacy_order_id)
    found = await store.order_ids_by_handle(claim.order_handle or "")
    # Why: a handle shared by two orders vouches for neither.
    return await store.get_order(found[0]) if len(found) == 1 else None


async def _still_bound(store: Store, secret: bytes, claim: TokenClaim, order: Order) -> bool:
    """Whether the order still belongs to the customer the link was made for.

    Why: links of earlier releases carry no customer; the audit log tells whether an import gave
    the order another customer since the link was made, and such a link is refused.
    """
    if claim.customer_tag is not None:
        return hmac.compare_digest(claim.customer_tag, customer_tag(secret, order.customer_id))
    for entry in await store.audit_entries(f"order:{order.order_id}"):
        if entry.action != "order.upsert" or entry.at < claim.issued_at:
            continue
        # Why: orders are never deleted, so an entry without a value before is the order's first.
        if entry.before is None:
            continue
        before, after = json.loads(entry.before), json.loads(entry.after or "null")
        if not isinstance(before, dict) or not isinstance(after, dict):
            return False
        if before.get("customer_id") != after.get("customer_id"):
            return False
    return True


async def link_by_order_contact(
    store: LinkingStore,
    chat_id: int,
    order_number: str,
    email_or_phone: str,
    *,
    now: datetime,
    alerts: LockoutAlerting = NO_ALERTS,
    announce: AnnouncementRenderer | None = None,
) -> LinkResult:
    """Link a chat by an order number as typed ("order #1001") plus the email or phone on it.

    Text with neither an email address nor a phone number in it, or the order number sent again,
    is NotContact and costs no attempt, like a message without digits at the order-number step
    (issue 7 item 5). A typed number with MAX_ORDER_FAILURES failures from any chats within
    ORDER_FAILURE_WINDOW is Refused even with the right details, whether or not such an order
    exists (issue 8); staff are alerted once per lockout.
    """
    if (locked := await _lockout(store, chat_id, now)) is not None:
        return locked
    given = contact_detail(email_or_phone)
    # Why: the order number sent again ("10485", "order 10485") is not a wrong phone number.
    if given is None or (
        given.kind == "phone" and phone_digits(given.value) == phone_digits(order_number)
    ):
        return NotContact()
    key = order_key(order_number)
    since = now - ORDER_FAILURE_WINDOW
    if key is None or await store.order_link_failures_since(key, since) >= MAX_ORDER_FAILURES:
        return await _fail(store, chat_id, now)
    # Why: several shops' ids may share a key ("#1001", "1001"); the contact decides which is meant.
    for order_id in await orders_named(store, order_number):
        order = await store.get_order(order_id)
        customer = await _imported_customer(store, order.customer_id) if order else None
        if order is not None and customer is not None and _matches(order, customer, given):
            await _link(
                store,
                chat_id,
                customer.customer_id,
                via="order_contact",
                now=now,
                announce=announce,
            )
            return Linked(customer.customer_id, order.order_id)
    await store.record_order_link_failure(
        chat_id, key, at=now, since=since, limit=MAX_ORDER_FAILURES, alerts=alerts.messages
    )
    return await _lockout(store, chat_id, now) or Refused()


async def link_by_contact(
    store: LinkingStore,
    chat_id: int,
    phone: str,
    *,
    now: datetime,
    announce: AnnouncementRenderer | None = None,
) -> LinkResult:
    """Link a chat by the sender's own shared Telegram contact.

    The contact's number (international, as Telegram gives it) must equal in E.164 the phone of
    exactly one customer, a stored number without a prefix read in the country of that
    customer's orders (bot.domain.phone_numbers); ambiguous or invalid numbers link nobody.
    """
    if (locked := await _lockout(store, chat_id, now)) is not None:
        return locked
    given = international_e164(phone)
    suffix = _line_suffix(given) if given is not None else ""
    candidates = await store.customers_by_phone(suffix) if suffix else []
    matching = {
        c.customer_id
        for c in candidates
        if same_line(c.phone, await _customer_region(store, c.customer_id), given)
    }
    # Why: a number shared by several customers must not pick one of them at random.
    if len(matching) != 1:
        return await _fail(store, chat_id, now)
    (customer_id,) = matching
    await _link(store, chat_id, customer_id, via="contact", now=now, announce=announce)
    return Linked(customer_id)


def phone_digits(phone: str) -> str:
    """A phone number reduced to digits without leading zeros ("+49 0170-12" -> "49017012")."""
    return re.sub(r"\D", "", phone).lstrip("0")


def _line_suffix(number: str) -> str:
    """The last digits every written form of an E.164 number ends with, to find candidates."""
    national = str(phonenumbers.parse(number).national_number)
    return national[-_MIN_PHONE_SUFFIX:]


async def _imported_customer(store: Store, customer_id: str) -> Customer | None:
    # Why: the orders' language tells the country; a language chosen in a chat does not.
    return (await store.imported_customers([customer_id])).get(customer_id)


async def _customer_region(store: Store, customer_id: str) -> str | None:
    """The one country the customer's orders point to, or None when none or several."""
    customer = await _imported_customer(store, customer_id)
    language = customer.language if customer else None
    regions = set()
    for order_id in await store.customer_order_ids(customer_id):
        order = await store.get_order(order_id)
        if order is not None:
            regions.add(dialling_region(order.jurisdiction, language))
    regions.discard(None)
    return regions.pop() if len(regions) == 1 else None


def _matches(order: Order, customer: Customer, given: ContactDetail) -> bool:
    if given.kind == "email":
        stored = (customer.email or "").strip().casefold()
        return bool(stored) and given.value.casefold() == stored
    # Why: a number typed without "+" is dialled where the order's customer is (issue 8), or is
    # the whole international number without its "+" ("491701234567"): both name one line.
    region = dialling_region(order.jurisdiction, customer.language)
    readings = {e164(given.value, region), international_e164(given.value)}
    return any(same_line(customer.phone, region, reading) for reading in readings)


async def _link(
    store: LinkingStore,
    chat_id: int,
    customer_id: str,
    *,
    via: str,
    now: datetime,
    announce: AnnouncementRenderer | None,
) -> None:
    actor = f"chat:{chat_id}"
    messages = await _announcements(store, chat_id, customer_id, now, announce)
    await store.link_chat_announced(
        chat_id, customer_id, via=via, actor=actor, at=now, messages=messages
    )
    # Why: a language chosen in the chat before linking carries over to the customer (DESIGN §7).
    if chosen := await store.chat_language(chat_id):
        await store.set_customer_language(customer_id, chosen, actor=actor, at=now)


async def _announcements(
    store: LinkingStore,
    chat_id: int,
    customer_id: str,
    now: datetime,
    announce: AnnouncementRenderer | None,
) -> list[OutgoingMessage]:
    """The customer's other chats told of the new one (issue 8), each in its language."""
    if announce is None or await store.linked_customer(chat_id) == customer_id:
        return []
    others = [
        link for link in await store.customer_chat_links(customer_id) if link.chat_id != chat_id
    ]
    if not others:
        return []
    customer = await store.get_customer(customer_id)
    new = NewChatLinked(now, chat_link_handle(ChatLink(chat_id, customer_id, now)))
    messages = []
    for link in others:
        rendered = announce((link.chat_language, customer.language if customer else None), new)
        messages.append(
            OutgoingMessage(
                f"link:new-chat:{new.handle}:{link.chat_id}",
                link.chat_id,
                rendered.text,
                rendered.buttons,
                customer_id=customer_id,
            )
        )
    return messages


async def _fail(store: LinkingStore, chat_id: int, now: datetime) -> LinkResult:
    await store.record_link_failure(chat_id, at=now)
    return await _lockout(store, chat_id, now) or Refused()


async def _lockout(store: Store, chat_id: int, now: datetime) -> LockedOut | None:
    """LockedOut while the chat has MAX_FAILURES failures within the rolling window."""
    window_start = now - FAILURE_WINDOW
    if await store.link_failures_since(chat_id, window_start) < MAX_FAILURES:
        return None
    # Why: the store only counts, so find the first minute at which enough failures age out.
    low, high = 1, math.ceil(FAILURE_WINDOW.total_seconds() / 60)
    while low < high:
        middle = (low + high) // 2
        # Why: a failure exactly at the window's edge still counts, so look a second past it.
        later = window_start + timedelta(minutes=middle, seconds=1)
        if await store.link_failures_since(chat_id, later) < MAX_FAILURES:
            high = middle
        else:
            low = middle + 1
    return LockedOut(retry_in_minutes=low)


async def unlink(store: Store, chat_id: int, *, now: datetime) -> bool:
    """Make the chat forget its customer, audited with the chat as actor; False if not linked."""
    return await store.unlink_chat(chat_id, actor=f"chat:{chat_id}", at=now)


async def other_chat_link(store: LinkingStore, chat_id: int, handle: str) -> ChatLink | None:
    """The link of another chat of this chat's own customer that `handle` names, else None.

    Why: callback data is untrusted (DESIGN §6); a stale or forged handle, or a pressing chat no
    longer linked to that customer, reaches nothing.
    """
    customer_id = await store.linked_customer(chat_id)
    if customer_id is None:
        return None
    links = await store.customer_chat_links(customer_id)
    return next(
        (link for link in links if link.chat_id != chat_id and chat_link_handle(link) == handle),
        None,
    )


async def remove_other_chat(
    store: LinkingStore, chat_id: int, handle: str, *, now: datetime
) -> bool:
    """Unlink the customer's other chat `handle` names, audited with this chat as actor.

    False (nothing changed) when the handle names no current link of another chat of this
    chat's customer (see `other_chat_link`). The removed chat's queued messages of the
    customer are dropped with the link.
    """
    link = await other_chat_link(store, chat_id, handle)
    if link is None:
        return False
    return await store.unlink_customer_chat(
        link.chat_id, link.customer_id, link.linked_at, actor=f"chat:{chat_id}", at=now
    )
