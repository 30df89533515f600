"""Broadcasts: who a staff message goes to (a segment), what it says, and how far it got (§11)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from bot.domain.fitting import MESSAGE_LIMIT, visible_length
from bot.domain.model import Jurisdiction, Product, PurchaseOrder
from bot.domain.store import SkuBook

# Why: a template parameter is shown inside every copy; a short line, not a letter.
PARAM_LIMIT = 300
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*")
# The outbox error of a copy withdrawn by a stop (it counts as withdrawn, not as failed).
WITHDRAWN = "broadcast stopped"


class SegmentKind(StrEnum):
    """The one way a segment picks its customers (DESIGN §11)."""

    ALL = "all"  # every customer with an open backordered line
    SKU = "sku"  # customers with an open line of one of these SKUs
    SUPPLIER = "supplier"  # customers with an open line of a product of this supplier
    PURCHASE_ORDER = "po"  # customers whose open lines draw on this purchase order (§5)
    ORDERS = "orders"  # the customers of these orders (those with an open line)


@dataclass(frozen=True)
class Segment:
    """Which customers a broadcast reaches: one kind with its values, narrowed by an optional
    language (BCP 47, "de" also takes "de-AT") and jurisdiction."""

    kind: SegmentKind
    values: tuple[str, ...] = ()
    language: str | None = None
    jurisdiction: Jurisdiction | None = None

    def as_json(self) -> dict[str, object]:
        """`{"kind", "values", "language", "jurisdiction"}` as stored and shown by `show`."""
        return {
            "kind": self.kind.value,
            "values": list(self.values),
            "language": self.language,
            "jurisdiction": self.jurisdiction.value if self.jurisdiction else None,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, object]) -> Segment:
        """The segment of `as_json`."""
        values = value.get("values") or []
        assert isinstance(values, list)
        language, jurisdiction = value.get("language"), value.get("jurisdiction")
        return cls(
            SegmentKind(str(value["kind"])),
            tuple(str(item) for item in values),
            str(language) if language else None,
            Jurisdiction(str(jurisdiction)) if jurisdiction else None,
        )


class Template(StrEnum):
    """Catalogue messages; each copy names the recipient's own affected orders and dates."""

    SUPPLIER_DELAY = "supplier_delay"
    STOCK_ARRIVED = "stock_arrived"


# Required and optional parameters of each template.
TEMPLATE_PARAMS: Mapping[Template, tuple[frozenset[str], frozenset[str]]] = {
    Template.SUPPLIER_DELAY: (frozenset({"sku"}), frozenset({"reason"})),
    Template.STOCK_ARRIVED: (frozenset({"sku"}), frozenset()),
}


@dataclass(frozen=True)
class TemplateMessage:
    """A catalogue template with its parameters (sorted (name, value) pairs)."""

    template: Template
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str | None:
        """A parameter's value, or None when not given."""
        return dict(self.params).get(name)

    def as_json(self) -> dict[str, object]:
        """`{"template", "params"}`."""
        return {"template": self.template.value, "params": dict(self.params)}


@dataclass(frozen=True)
class FreeText:
    """Staff-written plain text per language (normalised tag, text), sent HTML-escaped."""

    texts: tuple[tuple[str, str], ...]

    def text(self, language: str) -> str:
        """The text written for `language`."""
        return dict(self.texts)[language]

    @property
    def languages(self) -> frozenset[str]:
        """The languages a text was written for."""
        return frozenset(language for language, _ in self.texts)

    def as_json(self) -> dict[str, object]:
        """`{"text": {language: text}}`."""
        return {"text": dict(self.texts)}


BroadcastMessage = TemplateMessage | FreeText


def message_from_json(value: Mapping[str, object]) -> BroadcastMessage:
    """The message of `TemplateMessage.as_json` or `FreeText.as_json`."""
    if "template" in value:
        params = value.get("params") or {}
        assert isinstance(params, dict)
        pairs = tuple(sorted((str(k), str(v)) for k, v in params.items()))
        return TemplateMessage(Template(str(value["template"])), pairs)
    texts = value["text"]
    assert isinstance(texts, dict)
    return FreeText(tuple(sorted((str(k), str(v)) for k, v in texts.items())))


class Problem(StrEnum):
    """Why a broadcast cannot be previewed or queued as asked."""

    UNKNOWN_TEMPLATE = "unknown_template"
    MISSING_PARAM = "missing_param"
    UNKNOWN_PARAM = "unknown_param"
    PARAM_TOO_LONG = "param_too_long"
    UNKNOWN_SKU = "unknown_sku"
    UNKNOWN_SUPPLIER = "unknown_supplier"
    UNKNOWN_PURCHASE_ORDER = "unknown_purchase_order"
    UNKNOWN_ORDER = "unknown_order"
    NO_VALUES = "no_values"
    UNKNOWN_LANGUAGE = "unknown_language"
    EMPTY_SEGMENT = "empty_segment"
    NO_LINKED_RECIPIENTS = "no_linked_recipients"
    EMPTY_TEXT = "empty_text"
    TEXT_TOO_LONG = "text_too_long"
    NO_DEFAULT_TEXT = "no_default_text"
    NO_PRODUCT_LINES = "no_product_lines"


@dataclass(frozen=True)
class Rejected:
    """The request is refused, nothing queued: the problem and the value it is about."""

    problem: Problem
    detail: str = ""


def template_message(name: str, params: Mapping[str, str]) -> TemplateMessage | Rejected:
    """A template message with its parameters checked against TEMPLATE_PARAMS."""
    try:
        template = Template(name)
    except ValueError:
        return Rejected(Problem.UNKNOWN_TEMPLATE, name)
    required, optional = TEMPLATE_PARAMS[template]
    for param in sorted(params):
        if param not in required | optional:
            return Rejected(Problem.UNKNOWN_PARAM, param)
    for param in sorted(required):
        if not params.get(param, "").strip():
            return Rejected(Problem.MISSING_PARAM, param)
    for param, value in sorted(params.items()):
        if len(value) > PARAM_LIMIT:
            return Rejected(Problem.PARAM_TOO_LONG, param)
    cleaned = tuple(sorted((k, v.strip()) for k, v in params.items() if v.strip()))
    return TemplateMessage(template, cleaned)


def free_text(texts: Mapping[str, str]) -> FreeText | Rejected:
    """Free text per language tag: each non-empty and within one Telegram message once escaped."""
    normalised: dict[str, str] = {}
    for tag, text in texts.items():
        language = normal_tag(tag)
        if not valid_tag(language):
            return Rejected(Problem.UNKNOWN_LANGUAGE, tag)
        if not text.strip():
            return Rejected(Problem.EMPTY_TEXT, language)
        if visible_length(html.escape(text.strip(), quote=False)) > MESSAGE_LIMIT:
            return Rejected(Problem.TEXT_TOO_LONG, language)
        normalised[language] = text.strip()
    if not normalised:
        return Rejected(Problem.EMPTY_TEXT)
    return FreeText(tuple(sorted(normalised.items())))


def normal_tag(tag: str | None) -> str:
    """A language tag lower-cased with hyphens ("pt_BR" -> "pt-br"); "" for none."""
    return (tag or "").strip().replace("_", "-").lower()


def valid_tag(tag: str | None) -> bool:
    """Whether a text has the shape of a BCP 47 language tag ("de", "pt-BR", "zh_Hant")."""
    return _LANGUAGE_TAG.fullmatch(normal_tag(tag)) is not None


def primary(tag: str | None) -> str:
    """The primary language subtag ("de-AT" -> "de")."""
    return normal_tag(tag).split("-", 1)[0]


def copy_language(tag: str | None, available: Collection[str], default: str) -> tuple[str, bool]:
    """The language a recipient's copy is written in, and whether it is their own.

    The exact tag, else its primary language, among `available`; else `default` (DESIGN §11: a
    recipient whose language has no text gets the default language's). A recipient without a
    language reads the default language as their own.
    """
    own = normal_tag(tag)
    if not own:
        return default, True
    if own in available:
        return own, True
    if primary(own) in available:
        return primary(own), True
    return default, primary(own) == primary(default)


def speaks(tag: str | None, wanted: str, default: str) -> bool:
    """Whether a customer's language tag (none: the default language) is the `--language` asked
    for: "de" takes every German, "de-at" only Austrian German."""
    own, asked = normal_tag(tag) or normal_tag(default), normal_tag(wanted)
    return own == asked or ("-" not in asked and primary(own) == asked)


@dataclass(frozen=True, slots=True)
class AffectedOrder:
    """One of a recipient's orders in the segment, with its current estimated ship date."""

    order_id: str
    estimated_ship_date: date | None


def copy_key(broadcast_id: int, customer_id: str) -> str:
    """The outbox dedupe key of a customer's copy: at most one per customer per broadcast."""
    return f"broadcast:{broadcast_id}:{customer_id}"


class BroadcastStatus(StrEnum):
    """Where a broadcast stands (DESIGN §11)."""

    QUEUED = "queued"  # nothing sent (or failed) yet
    SENDING = "sending"
    DONE = "done"  # nothing pending (copies held for blocked chats may remain)
    STOPPED = "stopped"


@dataclass(frozen=True)
class DeliveryCounts:
    """Copies by state; they add up to `recipients` at every read.

    `held`: pending for a chat that blocked the bot; `withdrawn`: never sent because of a stop;
    `in_flight`: after a stop, copies a sender had already claimed (they may still be sent);
    `waiting_for_morning`: the part of `pending` held until the recipient's quiet hours end
    (pending, not yet due; DESIGN §11).
    """

    recipients: int = 0
    sent: int = 0
    held: int = 0
    failed: int = 0
    pending: int = 0
    withdrawn: int = 0
    in_flight: int = 0
    waiting_for_morning: int = 0

    @property
    def due(self) -> int:
        """Pending copies that may go now (not waiting for the recipient's morning)."""
        return self.pending - self.waiting_for_morning

    def as_json(self) -> dict[str, int]:
        """The counts as a JSON object."""
        return {
            "recipients": self.recipients,
            "sent": self.sent,
            "held": self.held,
            "failed": self.failed,
            "pending": self.pending,
            "withdrawn": self.withdrawn,
            "in_flight": self.in_flight,
            "waiting_for_morning": self.waiting_for_morning,
        }


def delivery_status(counts: DeliveryCounts, *, stopped: bool) -> BroadcastStatus:
    """`stopped` once stopped; `done` when nothing is pending; `queued` before anything left."""
    if stopped:
        return BroadcastStatus.STOPPED
    if counts.pending == 0:
        return BroadcastStatus.DONE
    if counts.sent == 0 and counts.failed == 0:
        return BroadcastStatus.QUEUED
    return BroadcastStatus.SENDING


@dataclass(frozen=True)
class BroadcastRecord:
    """A broadcast as recorded: who, when, to whom, what, and how many it was queued for."""

    broadcast_id: int
    created_at: datetime
    created_by: str
    segment: Segment
    message: BroadcastMessage
    recipients: int
    not_linked: int
    fallback: int
    stopped_at: datetime | None = None
    stopped_by: str | None = None
    without_product: int = 0


@dataclass(frozen=True, slots=True)
class ProductLines:
    """The open lines a product template is about: of `sku`, and ready from stock (`ready`)
    or still waiting for it (not `ready`)."""

    sku: str
    ready: bool


def product_lines(message: BroadcastMessage) -> ProductLines | None:
    """Which lines a copy of this message is about; None when it is about no product.

    DESIGN §11: a template names the recipient's own affected orders, so a product template
    reaches only customers with an open line of its SKU, and names only those orders.
    `supplier_delay` is about lines still waiting for the product (a line already covered by
    stock is not delayed); `stock_arrived` says the product has arrived, which is true for a
    customer only when their line of it is now ready from stock (ETA confidence `in_stock`).
    """
    if not isinstance(message, TemplateMessage):
        return None
    sku = message.param("sku")
    if sku is None:
        return None
    return ProductLines(sku, ready=message.template is Template.STOCK_ARRIVED)


@dataclass(frozen=True)
class SegmentFilter:
    """A segment as storage selects it: the kind (a purchase order resolved to its orders by the
    allocation), its values, and the jurisdiction narrowing (language is narrowed by tag);
    with `product`, only orders with such an open line (`product_lines`)."""

    kind: SegmentKind
    values: tuple[str, ...] = ()
    jurisdiction: Jurisdiction | None = None
    product: ProductLines | None = None


@dataclass(frozen=True, slots=True)
class SegmentGroup:
    """Customers of a segment sharing a language tag and reachability, with one linked sample."""

    language: str | None
    linked: bool
    held: bool
    customers: int
    sample: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class SegmentCustomer:
    """A customer of a segment: their language tag, the chat a copy goes to (the most recently
    linked chat that has not blocked the bot, else the most recent; None: not linked) and their
    orders in the segment."""

    customer_id: str
    language: str | None
    chat_id: int | None
    orders: tuple[AffectedOrder, ...]
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class RecipientCopy:
    """A rendered copy for one customer's chat, in `language`.

    Why UTF-8 bytes: a broadcast's copies wait in memory for its one transaction; a non-ASCII
    text is half the size so, and carries no UTF-8 copy of itself (sqlite3 caches one in every
    str it writes).
    """

    customer_id: str
    chat_id: int
    language: str
    text_utf8: bytes
    not_before: datetime | None = None

    @classmethod
    def of(
        cls,
        customer_id: str,
        chat_id: int,
        language: str,
        text: str,
        not_before: datetime | None = None,
    ) -> RecipientCopy:
        """A copy of this HTML text, held until `not_before` (UTC) when given."""
        return cls(customer_id, chat_id, language, text.encode(), not_before)

    @property
    def text(self) -> str:
        """The copy's HTML text."""
        return self.text_utf8.decode()


@dataclass(frozen=True)
class NewBroadcast:
    """What is recorded with a broadcast when it is queued."""

    created_by: str
    segment: Segment
    message: BroadcastMessage
    not_linked: int
    fallback: int
    without_product: int = 0


@dataclass(frozen=True)
class Progress:
    """A broadcast's copies by state, overall and by language, and when sends happened."""

    counts: DeliveryCounts
    by_language: Mapping[str, DeliveryCounts]
    first_sent_at: datetime | None = None
    last_sent_at: datetime | None = None
    # The latest RATE_WINDOW sends: how many, and when the earliest of them was sent.
    recent_sent: int = 0
    recent_first_sent_at: datetime | None = None


# Why: a rate from two sends a few milliseconds apart reads "1,749 per minute" while Telegram
# allows 30 a second at most; a rate is shown once this many sends over this long (DESIGN §11),
# measured over the latest RATE_WINDOW sends so a slowdown shows.
RATE_MIN_SENT = 10
RATE_MIN_SECONDS = 5.0
RATE_WINDOW = 200


class BroadcastStore(Protocol):
    """Persistence of broadcasts: segments, the record, its outbox copies and their progress."""

    async def known_skus(self) -> set[str]:
        """SKUs of all stored products."""
        ...

    async def get_products(self, skus: Collection[str]) -> dict[str, Product]:
        """Products by SKU."""
        ...

    async def get_purchase_orders(self, po_ids: Collection[str]) -> dict[str, PurchaseOrder]:
        """Purchase orders by po_id."""
        ...

    async def sku_books(self, skus: Collection[str] | None = None) -> list[SkuBook]:
        """Supply and open demand per SKU."""
        ...

    async def suppliers(self) -> list[str]:
        """The distinct supplier names of the products."""
        ...

    async def known_order_ids(self, order_ids: Collection[str]) -> set[str]:
        """Which of these order ids are stored."""
        ...

    async def order_ids_by_key(self, key: str) -> list[str]:
        """Ids of the orders whose lookup key (bot.domain.order_number) is `key`, in id order."""
        ...

    async def segment_groups(self, segment: SegmentFilter) -> list[SegmentGroup]:
        """The segment's customers counted by language tag, linked and held."""
        ...

    def segment_customers(
        self,
        segment: SegmentFilter,
        *,
        languages: Collection[str] | None = None,
        customer_ids: Collection[str] | None = None,
        linked_only: bool = True,
    ) -> AsyncIterator[list[SegmentCustomer]]:
        """The segment's customers (linked ones only, unless told) with their orders, in batches
        (customer id order); only those with these language tags ("" for none) and ids when
        given."""
        ...

    async def record_broadcast(
        self, broadcast: NewBroadcast, copies: Sequence[RecipientCopy], *, now: datetime
    ) -> tuple[int, int]:
        """Record a broadcast and queue its copies with its audit row in one transaction; the id
        and the copies queued (a chat unlinked meanwhile gets none)."""
        ...

    async def broadcast_record(self, broadcast_id: int) -> BroadcastRecord | None:
        """A broadcast as recorded, or None."""
        ...

    async def broadcast_records(self, *, limit: int = 50) -> list[BroadcastRecord]:
        """The latest broadcasts, newest first."""
        ...

    async def broadcast_progress(
        self, broadcast_id: int, *, now: datetime | None = None
    ) -> Progress:
        """A broadcast's copies by state (pending rows of blocked chats count as held)."""
        ...

    async def stop_broadcast(self, broadcast_id: int, *, actor: str, at: datetime) -> int:
        """Withdraw a broadcast's pending copies and record the stop (audited); how many."""
        ...
