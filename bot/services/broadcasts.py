"""Use cases: preview, queue, follow and stop a broadcast to a segment of customers (DESIGN §11).

The chat's `/broadcast` wizard and `backorder-bot broadcast` call these same functions. Copies are
written by a renderer from the handlers layer (`BroadcastTexts`); these functions return values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.broadcasts import (
    RATE_MIN_SECONDS,
    RATE_MIN_SENT,
    AffectedOrder,
    BroadcastMessage,
    BroadcastRecord,
    BroadcastStatus,
    BroadcastStore,
    DeliveryCounts,
    FreeText,
    NewBroadcast,
    Problem,
    Progress,
    RecipientCopy,
    Rejected,
    Segment,
    SegmentCustomer,
    SegmentFilter,
    SegmentKind,
    TemplateMessage,
    copy_language,
    delivery_status,
    normal_tag,
    product_lines,
    speaks,
    valid_tag,
)
from bot.domain.delays import hold_for_quiet_hours
from bot.domain.eta import lines_by_purchase_order
from bot.domain.quiet_hours import QuietHours
from bot.domain.time_zones import named_zone
from bot.services.order_lookup import staff_order_ids


@dataclass(frozen=True)
class QuietHoursRule:
    """Quiet hours (BACKORDER_QUIET_HOURS) and the zone of customers without their own
    (BACKORDER_TIMEZONE): a broadcast copy is never urgent, so one queued during its recipient's
    quiet hours waits until they end, by the notices' rule (`hold_for_quiet_hours`, DESIGN §11)."""

    hours: QuietHours
    default_zone: ZoneInfo

    @property
    def morning(self) -> time:
        """The local time quiet hours end (copies held for the night go from then)."""
        return self.hours.end

    def release(self, zone_name: str | None, now: datetime) -> datetime | None:
        """When (UTC) a copy queued at `now` for a customer in `zone_name` (an IANA name; None
        or unknown: the default zone) may go out; None when it may go at once."""
        zone = named_zone(zone_name) or self.default_zone
        return hold_for_quiet_hours((), now=now, zone=zone, quiet_hours=self.hours).not_before


class _Releases:
    """Each zone's release time for one `now` (recipients share a few zones)."""

    def __init__(self, rule: QuietHoursRule | None, now: datetime | None) -> None:
        self._rule, self._now = rule, now
        self._by_zone: dict[str | None, datetime | None] = {}

    def of(self, zone_name: str | None) -> datetime | None:
        if self._rule is None or self._now is None:
            return None
        if zone_name not in self._by_zone:
            self._by_zone[zone_name] = self._rule.release(zone_name, self._now)
        return self._by_zone[zone_name]


@dataclass(frozen=True)
class CopyRequest:
    """One recipient's copy to write: the message, the template's product name (param `sku`),
    the copy's language, the recipient's own language tag (for dates: their locale) and their
    affected orders with current estimated ship dates."""

    message: BroadcastMessage
    product_name: str | None
    language: str
    locale: str | None
    orders: Sequence[AffectedOrder]


@dataclass(frozen=True)
class BroadcastTexts:
    """How copies are written, from the handlers layer: the languages every template is complete
    in, the default language (BACKORDER_DEFAULT_LANGUAGE) and the renderer of one copy (HTML
    within one Telegram message)."""

    template_languages: frozenset[str]
    default_language: str
    render: Callable[[CopyRequest], str]


@dataclass(frozen=True)
class Preview:
    """Who a broadcast would reach, without queueing anything.

    `recipients`: linked customers (a copy each), `by_language` their count by the copy's
    language, `held` those of them whose chat blocked the bot (queued, held), `not_linked`
    customers of the segment without a chat, `fallback` recipients given the default
    language's text for lack of their own, `samples` one real recipient's copy per language,
    `waiting_for_morning` recipients now in their quiet hours (their copy goes at `morning`,
    their local time; None without a quiet-hours rule), `without_product` customers of the
    segment left out because they have no open line of a product template's product.
    """

    recipients: int
    by_language: Mapping[str, int]
    held: int
    not_linked: int
    fallback: int
    samples: Mapping[str, str]
    waiting_for_morning: int = 0
    morning: time | None = None
    without_product: int = 0


@dataclass(frozen=True)
class Queued:
    """A broadcast recorded and its copies queued in the outbox."""

    broadcast_id: int
    recipients: int
    not_linked: int
    fallback: int
    waiting_for_morning: int = 0
    without_product: int = 0


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast with where it stands: its record, status and copies by state.

    `counts` (and each language's in `by_language`) add up: sent + held + failed + pending +
    withdrawn + in_flight = recipients. `first_sent_at`/`last_sent_at` give the send rate of a
    progress message (`rate_per_second`, `seconds_left`).
    """

    record: BroadcastRecord
    status: BroadcastStatus
    counts: DeliveryCounts
    by_language: Mapping[str, DeliveryCounts]
    first_sent_at: datetime | None
    last_sent_at: datetime | None
    recent_sent: int = 0
    recent_first_sent_at: datetime | None = None

    @property
    def broadcast_id(self) -> int:
        """The broadcast's id."""
        return self.record.broadcast_id

    @property
    def rate_per_second(self) -> float | None:
        """Copies sent per second over the latest sends (RATE_WINDOW); None until it means
        something: fewer than RATE_MIN_SENT sends, or over less than RATE_MIN_SECONDS (a frozen
        business clock, whose sends all bear one time, never gives a rate) (DESIGN §11)."""
        first, last, sent = self.recent_first_sent_at, self.last_sent_at, self.recent_sent
        if first is None or last is None or sent < RATE_MIN_SENT:
            return None
        seconds = (last - first).total_seconds()
        return (sent - 1) / seconds if seconds >= RATE_MIN_SECONDS else None

    @property
    def seconds_left(self) -> float | None:
        """Seconds until the copies due now are sent at the current rate; None when unknown.
        Copies waiting for their recipient's morning are not counted: they are not due yet."""
        rate = self.rate_per_second
        due = self.counts.due
        if due == 0:
            return 0.0
        return due / rate if rate else None


@dataclass(frozen=True)
class Stopped:
    """The broadcast is stopped: `withdrawn` pending copies will not be sent; `in_flight` copies
    a sender had already claimed may still arrive."""

    broadcast_id: int
    withdrawn: int
    in_flight: int = 0


@dataclass(frozen=True)
class AlreadyOver:
    """Nothing to stop: the broadcast was already done (nothing pending or held) or stopped."""

    broadcast_id: int
    status: BroadcastStatus


@dataclass(frozen=True)
class NoSuchBroadcast:
    """No broadcast has this id."""

    broadcast_id: int


StopResult = Stopped | AlreadyOver | NoSuchBroadcast


@dataclass(frozen=True)
class _Plan:
    """A checked request: the segment as storage selects it, the message and its product."""

    segment: Segment
    query: SegmentFilter
    message: BroadcastMessage
    base: SegmentFilter
    product_name: str | None
    available: frozenset[str]
    default: str

    def language_of(self, tag: str | None) -> tuple[str, bool]:
        return copy_language(tag, self.available, self.default)

    def in_segment(self, tag: str | None) -> bool:
        language = self.segment.language
        return language is None or speaks(tag, language, self.default)

    async def segment_size(self, store: BroadcastStore) -> int:
        """How many customers the segment has before a product template narrows it to those
        with an open line of its product (`product_lines`); 0 for a message about no product."""
        if self.query.product is None:
            return 0
        return sum(
            group.customers
            for group in await store.segment_groups(self.base)
            if self.in_segment(group.language)
        )

    def lacks_text(self, language: str) -> bool:
        """Whether free text has no text for a copy in `language` (none for the default)."""
        return isinstance(self.message, FreeText) and language not in self.message.languages


async def preview_broadcast(
    store: BroadcastStore,
    segment: Segment,
    message: BroadcastMessage,
    *,
    texts: BroadcastTexts,
    today: date,
    quiet: QuietHoursRule | None = None,
    now: datetime | None = None,
) -> Preview | Rejected:
    """Recipients by language, the segment's customers not linked, how many get the default
    language's text, how many are in their quiet hours at `now` (with `quiet`), and one real
    recipient's copy per language; nothing is queued.

    `today` is the business date (a purchase-order segment follows the ETA allocation, §5).
    A product template reaches only the customers with an open line of its product
    (`product_lines`); the others are counted in `without_product`.
    Rejected: unknown template/param/SKU/supplier/PO/order, a language tag that is not one, no
    customer in the segment, none of them with such a line (NO_PRODUCT_LINES, detail: the
    SKU), free text missing for the default language when someone needs it.
    """
    plan = await _plan(store, segment, message, texts=texts, today=today)
    if isinstance(plan, Rejected):
        return plan
    groups = [
        group for group in await store.segment_groups(plan.query) if plan.in_segment(group.language)
    ]
    segment_size = await plan.segment_size(store)
    if not groups:
        return _empty(plan, segment_size)
    without_product = segment_size - sum(group.customers for group in groups) if segment_size else 0
    by_language: dict[str, int] = {}
    samples_from: dict[str, str] = {}
    held = not_linked = fallback = waiting = 0
    releases = _Releases(quiet, now)
    for group in groups:
        if not group.linked:
            not_linked += group.customers
            continue
        language, own = plan.language_of(group.language)
        if plan.lacks_text(language):
            return Rejected(Problem.NO_DEFAULT_TEXT, plan.default)
        by_language[language] = by_language.get(language, 0) + group.customers
        fallback += 0 if own else group.customers
        held += group.customers if group.held else 0
        waiting += group.customers if releases.of(group.timezone) and not group.held else 0
        if group.sample is not None and (
            language not in samples_from or group.sample < samples_from[language]
        ):
            samples_from[language] = group.sample
    samples: dict[str, str] = {}
    if samples_from:
        async for batch in store.segment_customers(
            plan.query, customer_ids=set(samples_from.values())
        ):
            for customer in batch:
                language, _ = plan.language_of(customer.language)
                if samples_from.get(language) == customer.customer_id:
                    samples[language] = texts.render(_request(plan, language, customer))
    return Preview(
        recipients=sum(by_language.values()),
        by_language=dict(sorted(by_language.items())),
        held=held,
        not_linked=not_linked,
        fallback=fallback,
        samples=dict(sorted(samples.items())),
        waiting_for_morning=waiting,
        morning=quiet.morning if quiet else None,
        without_product=without_product,
    )


async def queue_broadcast(
    store: BroadcastStore,
    segment: Segment,
    message: BroadcastMessage,
    *,
    texts: BroadcastTexts,
    actor: str,
    now: datetime,
    today: date,
    quiet: QuietHoursRule | None = None,
) -> Queued | Rejected:
    """Record the broadcast (who, when, segment, message, counts) and queue, in one transaction
    with its audit row, one personal copy per linked customer through the outbox.

    Each copy goes to the customer's most recently linked chat that has not blocked the bot
    (else the most recent, where it is held), keyed `broadcast:<id>:<customer_id>`: at most one
    per customer per broadcast; with `quiet`, a copy for a customer in their quiet hours at `now`
    waits until they end (`not_before`). `actor` is `staff:<id>` or `cli`. Rejected as in the
    preview, and when no customer of the segment has a linked chat (NO_LINKED_RECIPIENTS, detail:
    how many customers the segment has).
    """
    plan = await _plan(store, segment, message, texts=texts, today=today)
    if isinstance(plan, Rejected):
        return plan
    copies: list[RecipientCopy] = []
    customers = not_linked = fallback = waiting = 0
    releases = _Releases(quiet, now)
    async for batch in store.segment_customers(plan.query, linked_only=False):
        for customer in batch:
            if not plan.in_segment(customer.language):
                continue
            customers += 1
            if customer.chat_id is None:
                not_linked += 1
                continue
            language, own = plan.language_of(customer.language)
            if plan.lacks_text(language):
                return Rejected(Problem.NO_DEFAULT_TEXT, plan.default)
            fallback += 0 if own else 1
            text = texts.render(_request(plan, language, customer))
            release = releases.of(customer.timezone)
            waiting += 1 if release else 0
            copies.append(
                RecipientCopy.of(customer.customer_id, customer.chat_id, language, text, release)
            )
    segment_size = await plan.segment_size(store)
    if not customers:
        return _empty(plan, segment_size)
    without_product = segment_size - customers if segment_size else 0
    if not copies:
        return Rejected(Problem.NO_LINKED_RECIPIENTS, str(not_linked))
    record = NewBroadcast(actor, segment, plan.message, not_linked, fallback, without_product)
    broadcast_id, queued = await store.record_broadcast(record, copies, now=now)
    return Queued(broadcast_id, queued, not_linked, fallback, waiting, without_product)


def _empty(plan: _Plan, segment_size: int) -> Rejected:
    """An empty segment; or, for a product template, a segment none of whose customers has an
    open line of the product (NO_PRODUCT_LINES, detail: the SKU)."""
    if segment_size and plan.query.product is not None:
        return Rejected(Problem.NO_PRODUCT_LINES, plan.query.product.sku)
    return Rejected(Problem.EMPTY_SEGMENT)


async def broadcast_status(
    store: BroadcastStore, broadcast_id: int, *, now: datetime | None = None
) -> BroadcastView | None:
    """A broadcast with its status and copies by state and language (pending copies held past
    `now` for their recipient's quiet hours counted as waiting for morning); None when unknown."""
    record = await store.broadcast_record(broadcast_id)
    if record is None:
        return None
    return _view(record, await store.broadcast_progress(broadcast_id, now=now))


async def list_broadcasts(
    store: BroadcastStore, *, limit: int = 50, now: datetime | None = None
) -> list[BroadcastView]:
    """The latest broadcasts, newest first, each with its status and counts."""
    return [
        _view(record, await store.broadcast_progress(record.broadcast_id, now=now))
        for record in await store.broadcast_records(limit=limit)
    ]


async def stop_broadcast(
    store: BroadcastStore, broadcast_id: int, *, actor: str, now: datetime
) -> StopResult:
    """Send nothing more of a broadcast: its pending and held copies are withdrawn in one audited
    transaction (a send a dispatcher has already started may still complete) and it is
    `stopped`. A broadcast already stopped, or done with nothing held, is AlreadyOver.
    Copies a dispatcher had claimed are in flight, not withdrawn (their send may complete)."""
    record = await store.broadcast_record(broadcast_id)
    if record is None:
        return NoSuchBroadcast(broadcast_id)
    if record.stopped_at is not None:
        return AlreadyOver(broadcast_id, BroadcastStatus.STOPPED)
    counts = (await store.broadcast_progress(broadcast_id)).counts
    if counts.pending == 0 and counts.held == 0:
        return AlreadyOver(broadcast_id, BroadcastStatus.DONE)
    withdrawn = await store.stop_broadcast(broadcast_id, actor=actor, at=now)
    in_flight = (await store.broadcast_progress(broadcast_id)).counts.in_flight
    return Stopped(broadcast_id, withdrawn, in_flight)


def broadcast_json(view: BroadcastView) -> dict[str, object]:
    """`broadcast show --json` (DESIGN §11): id, status, segment, recipients, sent, held, failed,
    pending (of which waiting_for_morning: held for the recipients' quiet hours), by_language
    {language: {recipients, sent, held, failed, pending, withdrawn, waiting_for_morning}}, and
    withdrawn, not_linked, fallback, without_product (customers of the segment left out for
    want of an open line of a product template's product), message, created_by, created_at,
    first/last_sent_at, stopped_at, stopped_by (ISO-8601 UTC or null)."""
    record = view.record
    return {
        "id": record.broadcast_id,
        "status": view.status.value,
        "segment": record.segment.as_json(),
        **view.counts.as_json(),
        "by_language": {
            language: counts.as_json() for language, counts in view.by_language.items()
        },
        "not_linked": record.not_linked,
        "fallback": record.fallback,
        "without_product": record.without_product,
        "message": record.message.as_json(),
        "created_by": record.created_by,
        "created_at": record.created_at.isoformat(),
        "first_sent_at": _iso(view.first_sent_at),
        "last_sent_at": _iso(view.last_sent_at),
        "stopped_at": _iso(record.stopped_at),
        "stopped_by": record.stopped_by,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _view(record: BroadcastRecord, progress: Progress) -> BroadcastView:
    return BroadcastView(
        record=record,
        status=delivery_status(progress.counts, stopped=record.stopped_at is not None),
        counts=progress.counts,
        by_language=progress.by_language,
        first_sent_at=progress.first_sent_at,
        last_sent_at=progress.last_sent_at,
        recent_sent=progress.recent_sent,
        recent_first_sent_at=progress.recent_first_sent_at,
    )


def _request(plan: _Plan, language: str, customer: SegmentCustomer) -> CopyRequest:
    return CopyRequest(
        plan.message, plan.product_name, language, customer.language, customer.orders
    )


async def _plan(
    store: BroadcastStore,
    segment: Segment,
    message: BroadcastMessage,
    *,
    texts: BroadcastTexts,
    today: date,
) -> _Plan | Rejected:
    query = await _segment_filter(store, segment, today=today)
    if isinstance(query, Rejected):
        return query
    product_name: str | None = None
    if isinstance(message, TemplateMessage):
        sku = message.param("sku")
        if sku is not None:
            products = await store.get_products([sku])
            if sku not in products:
                return Rejected(Problem.UNKNOWN_SKU, sku)
            product_name = products[sku].name
        available = texts.template_languages
    else:
        available = message.languages
    default = normal_tag(texts.default_language)
    narrowed = replace(query, product=product_lines(message))
    return _Plan(segment, narrowed, message, query, product_name, available, default)


async def _segment_filter(
    store: BroadcastStore, segment: Segment, *, today: date
) -> SegmentFilter | Rejected:
    """The segment's values checked against the shop's data, as storage selects it."""
    if segment.language is not None and not valid_tag(segment.language):
        return Rejected(Problem.UNKNOWN_LANGUAGE, segment.language)
    values = tuple(dict.fromkeys(value.strip() for value in segment.values if value.strip()))
    kind = segment.kind
    if kind is not SegmentKind.ALL and not values:
        return Rejected(Problem.NO_VALUES, kind.value)
    match kind:
        case SegmentKind.SKU:
            known = await store.known_skus()
            if unknown := [sku for sku in values if sku not in known]:
                return Rejected(Problem.UNKNOWN_SKU, unknown[0])
        case SegmentKind.SUPPLIER:
            wanted = {value.casefold() for value in values}
            names = tuple(name for name in await store.suppliers() if name.casefold() in wanted)
            if not names:
                return Rejected(Problem.UNKNOWN_SUPPLIER, values[0])
            values = names
        case SegmentKind.PURCHASE_ORDER:
            found = await store.get_purchase_orders(values)
            if unknown := [po_id for po_id in values if po_id not in found]:
                return Rejected(Problem.UNKNOWN_PURCHASE_ORDER, unknown[0])
            orders: set[str] = set()
            for book in await store.sku_books({po.sku for po in found.values()}):
                waiting = lines_by_purchase_order(book, today=today)
                orders |= {line.order_id for po_id in values for line in waiting.get(po_id, ())}
            values = tuple(sorted(orders))
        case SegmentKind.ORDERS:
            meant = await staff_order_ids(store, values)
            if unknown := [typed for typed, order_id in meant.items() if order_id is None]:
                return Rejected(Problem.UNKNOWN_ORDER, unknown[0])
            values = tuple(dict.fromkeys(order_id for order_id in meant.values() if order_id))
        case SegmentKind.ALL:
            values = ()
    return SegmentFilter(kind, values, segment.jurisdiction)


async def check_segment(store: BroadcastStore, segment: Segment, *, today: date) -> Rejected | None:
    """None when the segment's values name what the shop has (SKUs, a supplier, purchase orders,
    orders), else what is wrong with them; the chat wizard asks again (DESIGN §11)."""
    query = await _segment_filter(store, segment, today=today)
    return query if isinstance(query, Rejected) else None
