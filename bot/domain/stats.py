"""Where backorders hurt: the figures of `stats` and `/stats` and their rules (DESIGN §12).

Terms used throughout:
- a **backordered line** is an open order line (not shipped, not cancelled) whose stored ETA
  confidence is not `in_stock` (DESIGN §5.6); an open line without a stored ETA counts as
  backordered, as in `order --json` and broadcast segments;
- **units short** of a SKU are the units its open lines ask for that its on-hand units do not
  cover: `max(0, open units − on hand)` — what the shop still has to receive to serve everyone;
- **days waiting** of a line are the business's today minus the date (business time zone) its
  order was placed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.domain.ratings import Csat

# Why: what a shop reviews ("this month"); `last_30_days` and CSAT share it.
RECENT_DAYS = 30
# Lower bounds (days waiting) of the waiting buckets: 0–7, 8–14, 15–30, 31–60, over 60.
WAIT_BUCKET_STARTS: tuple[int, ...] = (0, 8, 15, 31, 61)


@dataclass(frozen=True, slots=True)
class SkuTotals:
    """One SKU's open demand as storage counts it, before the rules turn it into figures."""

    sku: str
    name: str
    supplier: str | None
    on_hand: int
    open_units: int
    backordered_lines: int
    backordered_units: int
    oldest_placed_at: datetime | None
    next_expected_date: date | None


@dataclass(frozen=True, slots=True)
class SkuBacklog:
    """One SKU with backordered lines: `units_short` as defined above; `next_supply_date` is
    the expected date of its earliest open purchase order (units still to come, not cancelled),
    `supply_overdue` whether that date has passed."""

    sku: str
    name: str
    supplier: str | None
    lines: int
    units_short: int
    oldest_placed_at: date | None
    next_supply_date: date | None
    supply_overdue: bool


@dataclass(frozen=True, slots=True)
class SupplierBacklog:
    """A supplier's SKUs' backlog summed, and its overdue purchase orders (open, units to come,
    expected before today); `supplier` None gathers the products without one."""

    supplier: str | None
    lines: int
    units_short: int
    overdue_purchase_orders: int


@dataclass(frozen=True, slots=True)
class DelaySummary:
    """Estimated ship date minus promised ship date, in days, over the open lines having both:
    nearest-rank percentiles (None when no line has both), how many lines, how many late."""

    p50: int | None
    p90: int | None
    max: int | None
    lines: int
    late_lines: int


@dataclass(frozen=True, slots=True)
class RecentActivity:
    """What happened in the `RECENT_DAYS` days before now (see `bot.services.stats`)."""

    cancelled_lines: int
    swapped_lines: int
    split_orders: int
    notices_sent: int
    questions_sent: int
    notices_answered: int
    auto_cancelled_orders: int


@dataclass(frozen=True, slots=True)
class RefundFigures:
    """Refunds owed (status due) and those of them past their due date."""

    due: int
    overdue: int


@dataclass(frozen=True, slots=True)
class WaitBucket:
    """Backordered lines whose days waiting fall in [low, high] (high None: no upper bound)."""

    low: int
    high: int | None
    lines: int


@dataclass(frozen=True, slots=True)
class BacklogTotals:
    """The headline counts storage reads in one pass over the backordered lines, with the lines
    per placing interval (see `StatsStore.stats_backlog_totals`)."""

    lines: int
    units: int
    customers: int
    unreachable_customers: int
    placed: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BacklogStats:
    """Every figure of `stats` (DESIGN §12), as of one moment."""

    as_of: datetime
    today: date
    open_backorder_lines: int
    open_backorder_units: int
    customers_waiting: int
    by_sku: tuple[SkuBacklog, ...]
    by_supplier: tuple[SupplierBacklog, ...]
    overdue_purchase_orders: int
    delay_days: DelaySummary
    last_30_days: RecentActivity
    refunds: RefundFigures
    unreachable_customers: int
    csat: Csat
    waiting: tuple[WaitBucket, ...]


class StatsReader(Protocol):
    """What the stats read, all from one snapshot of the data; every method aggregates in the
    database (DESIGN §12). The three passes over the open lines may run concurrently."""

    async def stats_sku_totals(self) -> list[SkuTotals]:
        """Per SKU with a backordered line: its open demand, on hand, next supply."""
        ...

    async def stats_backlog_totals(self, boundaries: Sequence[datetime]) -> BacklogTotals:
        """Backordered lines, their units, distinct customers, unreachable customers, and the
        lines per placing interval: placed at or after boundaries[0], then in
        [boundaries[i+1], boundaries[i]), ..., then before boundaries[-1] (len + 1 counts)."""
        ...

    async def stats_delay_pairs(self) -> dict[tuple[date, date], int]:
        """Open lines having both dates, counted by (estimated, promised) ship date."""
        ...

    async def stats_overdue_by_supplier(self, today: date) -> dict[str | None, int]:
        """Open purchase orders expected before `today`, by supplier (the PO's, else the
        product's)."""
        ...

    async def stats_recent_activity(self, since: datetime) -> RecentActivity:
        """Counts of what happened at or after `since`."""
        ...

    async def stats_refunds(self, today: date) -> RefundFigures:
        """Refunds due and those due before `today`."""
        ...

    async def csat(self, *, since: datetime | None = None) -> Csat:
        """Ratings answered at or after `since`: how many, mean score (bot.domain.ratings)."""
        ...


class StatsStore(Protocol):
    """Where the stats come from: one consistent snapshot per `stats` (DESIGN §12)."""

    def stats_snapshot(self) -> AbstractAsyncContextManager[StatsReader]:
        """A reader of one snapshot of the data (no write lands between its reads), for the
        duration of the `async with` block."""
        ...


def units_short(open_units: int, on_hand: int) -> int:
    """Units the open lines ask for beyond the on-hand units (never below 0)."""
    return max(0, open_units - on_hand)


def percentile(histogram: Mapping[int, int], share: float) -> int | None:
    """Nearest-rank percentile of the values counted in `histogram` (value -> how many): the
    smallest value with at least `share` (0 < share <= 1) of all values at or below it."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


def delay_histogram(pairs: Mapping[tuple[date, date], int]) -> dict[int, int]:
    """Lines by days of estimated minus promised ship date, from counts by that date pair."""
    histogram: dict[int, int] = {}
    for (estimated, promised), count in pairs.items():
        days = (estimated - promised).days
        histogram[days] = histogram.get(days, 0) + count
    return histogram


def delay_summary(histogram: Mapping[int, int]) -> DelaySummary:
    """p50, p90 and max of the delays (days late against the promise; negative = early)."""
    counted = {value: count for value, count in histogram.items() if count > 0}
    return DelaySummary(
        p50=percentile(counted, 0.5),
        p90=percentile(counted, 0.9),
        max=max(counted) if counted else None,
        lines=sum(counted.values()),
        late_lines=sum(count for value, count in counted.items() if value > 0),
    )


def sku_backlog(totals: SkuTotals, *, today: date, oldest: date | None) -> SkuBacklog:
    """The figures of one SKU; `oldest` is its oldest backordered order's placing date."""
    return SkuBacklog(
        sku=totals.sku,
        name=totals.name,
        supplier=totals.supplier,
        lines=totals.backordered_lines,
        units_short=units_short(totals.open_units, totals.on_hand),
        oldest_placed_at=oldest,
        next_supply_date=totals.next_expected_date,
        supply_overdue=totals.next_expected_date is not None and totals.next_expected_date < today,
    )


def by_units_short(rows: Iterable[SkuBacklog]) -> tuple[SkuBacklog, ...]:
    """SKUs by units short, most first, then by SKU."""
    return tuple(sorted(rows, key=lambda row: (-row.units_short, row.sku)))


def supplier_backlog(
    skus: Sequence[SkuBacklog], overdue: Mapping[str | None, int]
) -> tuple[SupplierBacklog, ...]:
    """Suppliers with backordered lines or overdue purchase orders, by units short (most
    first), then lines, then name (products without a supplier last among equals)."""
    lines: dict[str | None, int] = {}
    short: dict[str | None, int] = {}
    for row in skus:
        lines[row.supplier] = lines.get(row.supplier, 0) + row.lines
        short[row.supplier] = short.get(row.supplier, 0) + row.units_short
    names = set(lines) | {supplier for supplier, count in overdue.items() if count > 0}
    rows = [
        SupplierBacklog(name, lines.get(name, 0), short.get(name, 0), overdue.get(name, 0))
        for name in names
    ]
    return tuple(
        sorted(
            rows,
            key=lambda row: (
                -row.units_short,
                -row.lines,
                row.supplier is None,
                row.supplier or "",
            ),
        )
    )


def wait_boundaries(today: date) -> list[date]:
    """The placing dates that start each waiting bucket after the first, newest first: a line
    placed on or after boundaries[0] waits 0-7 days, and so on (WAIT_BUCKET_STARTS)."""
    return [today - timedelta(days=start - 1) for start in WAIT_BUCKET_STARTS[1:]]


def wait_buckets(counts: Sequence[int]) -> tuple[WaitBucket, ...]:
    """The waiting buckets from per-interval counts (storage's `stats_wait_counts` order)."""
    if len(counts) != len(WAIT_BUCKET_STARTS):
        raise ValueError(f"expected {len(WAIT_BUCKET_STARTS)} counts, got {len(counts)}")
    highs: list[int | None] = [start - 1 for start in WAIT_BUCKET_STARTS[1:]]
    highs.append(None)
    return tuple(
        WaitBucket(low, high, count)
        for low, high, count in zip(WAIT_BUCKET_STARTS, highs, counts, strict=True)
    )
