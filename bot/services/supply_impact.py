"""What a staff change to supply does after its write: recompute, notices at once, a summary.

DESIGN §10: a staff change takes the import's path — one transaction with its audit rows and the
SKU's recompute mark (storage), then the SKU's ETAs recomputed at once, then the notices it causes
queued at once by the notice sweep, scoped to the orders waiting on that SKU.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from bot.domain.delays import QUESTION_KINDS, NoticeKind, QuietHours
from bot.domain.eta import EtaRules
from bot.domain.model import Confidence, Product, PurchaseOrder
from bot.domain.supply_changes import Refused
from bot.domain.supply_store import DecidedNotice, SupplyStore, SupplyWrite, WaitingLine
from bot.services.bulk import collector_paused
from bot.services.notices import Renderer, sweep
from bot.services.order_changes import refresh_etas

T = TypeVar("T", PurchaseOrder, Product)


@dataclass(frozen=True)
class NoticeSettings:
    """What the notice sweep needs besides the store: the business's rules and the renderer."""

    timezone: ZoneInfo
    rules: EtaRules
    refund_days: int
    quiet_hours: QuietHours
    render: Renderer


@dataclass(frozen=True)
class Impact:
    """Who a change reached: orders (and their customers) whose dates moved, and the notices."""

    customers: int = 0
    orders: int = 0
    later: int = 0
    earlier: int = 0
    now_ready: int = 0
    # Notices queued to at least one chat, by kind.
    notices: Mapping[NoticeKind, int] = field(default_factory=dict)
    # Of those, the questions the customer must answer to keep the order (silence is no consent).
    need_consent: int = 0
    # Notices decided for customers with no chat to reach (staff are alerted by the settling job).
    unreachable: int = 0

    @property
    def notices_queued(self) -> int:
        """Every notice queued, whatever its kind."""
        return sum(self.notices.values())


@dataclass(frozen=True)
class SupplyChange(Generic[T]):
    """A staff change made: the value before and after, and what it did."""

    before: T
    after: T
    impact: Impact


async def apply_and_follow(
    store: SupplyStore,
    sku: str,
    write: Callable[[], Awaitable[SupplyWrite[T] | Refused]],
    *,
    now: datetime,
    settings: NoticeSettings,
) -> SupplyChange[T] | Refused:
    """Run `write` (one audited transaction on SKU `sku`); then recompute the SKU, sweep the
    orders waiting on it, and measure what moved."""
    # Why: reading, recomputing and comparing 10,000 waiting lines builds many short-lived
    # objects; the sweep inside pauses the collector too (the pause is shared).
    with collector_paused():
        return await _apply_and_follow(store, sku, write, now=now, settings=settings)


async def _apply_and_follow(
    store: SupplyStore,
    sku: str,
    write: Callable[[], Awaitable[SupplyWrite[T] | Refused]],
    *,
    now: datetime,
    settings: NoticeSettings,
) -> SupplyChange[T] | Refused:
    before = await store.waiting_lines(sku)
    written = await write()
    if isinstance(written, Refused):
        return written
    changed_sku = written.after.sku
    today = now.astimezone(settings.timezone).date()
    await refresh_etas(store, rules=settings.rules, today=today, skus=[changed_sku])
    after = await store.waiting_lines(changed_sku)
    order_ids = {line.order_id for line in after} | {line.order_id for line in before}
    # Why: only orders on the SKU can have news from this change (the recompute moved no other
    # date); the bot's regular sweep after the recompute decides everything else.
    await sweep(
        store,
        now=now,
        timezone=settings.timezone,
        rules=settings.rules,
        refund_days=settings.refund_days,
        render=settings.render,
        quiet_hours=settings.quiet_hours,
        orders=order_ids,
    )
    moved = moved_orders(before, after)
    decided = await store.notices_after(written.notice_mark, order_ids)
    return SupplyChange(written.before, written.after, impact(moved, decided))


@dataclass(frozen=True)
class MovedOrders:
    """Orders whose lines on the SKU moved: later, earlier, now ready; and their customers."""

    later: frozenset[str]
    earlier: frozenset[str]
    now_ready: frozenset[str]
    customers: frozenset[str]


def moved_orders(before: Sequence[WaitingLine], after: Sequence[WaitingLine]) -> MovedOrders:
    """Compare a SKU's waiting lines before and after a change (no date counts as latest)."""
    old = {(line.order_id, line.line_no): line for line in before}
    later: set[str] = set()
    earlier: set[str] = set()
    ready: set[str] = set()
    customers: dict[str, str] = {}
    for line in after:
        was = old.get((line.order_id, line.line_no))
        if was is None:
            continue
        customers[line.order_id] = line.customer_id
        if _rank(line.ship_date) > _rank(was.ship_date):
            later.add(line.order_id)
        elif _rank(line.ship_date) < _rank(was.ship_date):
            earlier.add(line.order_id)
        if line.confidence is Confidence.IN_STOCK and was.confidence is not Confidence.IN_STOCK:
            ready.add(line.order_id)
    earlier -= later
    touched = later | earlier | ready
    return MovedOrders(
        frozenset(later),
        frozenset(earlier),
        frozenset(ready),
        frozenset(customers[order_id] for order_id in touched),
    )


def _rank(day: date | None) -> date:
    return date.max if day is None else day


def impact(moved: MovedOrders, decided: Sequence[DecidedNotice]) -> Impact:
    """The summary of a change from the orders that moved and the notices decided after it."""
    queued = [notice for notice in decided if notice.chats]
    return Impact(
        customers=len(moved.customers),
        orders=len(moved.later | moved.earlier | moved.now_ready),
        later=len(moved.later),
        earlier=len(moved.earlier),
        now_ready=len(moved.now_ready),
        notices=dict(Counter(notice.kind for notice in queued)),
        need_consent=sum(needs_consent(notice) for notice in queued),
        unreachable=len(decided) - len(queued),
    )


def needs_consent(notice: DecidedNotice) -> bool:
    """A question the customer must answer to keep the order: silence is not consent (§10)."""
    return notice.kind in QUESTION_KINDS and notice.silence_means != "consent"
