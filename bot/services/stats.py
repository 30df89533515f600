"""Use case: where backorders hurt — the figures of `stats` and `/stats` (DESIGN §12).

Definitions (terms as in `bot.domain.stats`):
- `open_backorder_lines` / `open_backorder_units`: backordered lines and their ordered units;
  `customers_waiting`: distinct customers with at least one.
- `by_sku`: each SKU with a backordered line — `lines` backordered, `units_short` (open units
  beyond on hand), `oldest_placed_at` (placing date of its oldest backordered order, business
  time zone), `next_supply_date` (expected date of its earliest open purchase order; past when
  late, then `supply_overdue` is true). Sorted by units short (most first), then SKU.
- `by_supplier`: the SKUs summed by product supplier (null: none set), with
  `overdue_purchase_orders` (open POs with units to come expected before today, by the PO's
  supplier, else the product's); suppliers with only overdue POs are listed with 0 lines.
  Sorted by units short, then lines, then name. `overdue_purchase_orders` at the top: all.
- `delay_days`: estimated ship date minus promised ship date (whole days; negative = early) over
  open lines having both: nearest-rank p50 and p90, max; `lines` compared, `late_lines` (> 0).
- `last_30_days` (the 30 days before `as_of`): `cancelled_lines` (lines cancelled, by the
  customer or by the delay policy; swaps not included), `swapped_lines`, `split_orders`,
  `notices_sent` (notices delivered to a chat), `questions_sent` (the delivered ones asking to
  wait or cancel), `notices_answered` (those questions the customer answered: agreed to wait or
  cancelled afterwards), `auto_cancelled_orders` (orders the delay policy cancelled).
- `refunds`: `due` (owed, not yet paid), `overdue` (of those, due date before today).
- `unreachable_customers`: customers waiting with no linked chat, or whose every linked chat
  blocked the bot.
- `csat`: ratings answered in the last 30 days: `responses` and `average` score (1-5).
- `waiting` (added): backordered lines by days waiting since the order was placed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.stats import (
    RECENT_DAYS,
    BacklogStats,
    StatsStore,
    by_units_short,
    delay_histogram,
    delay_summary,
    sku_backlog,
    supplier_backlog,
    wait_boundaries,
    wait_buckets,
)

# The columns of `stats --csv`, the `by_sku` rows' keys in order.
SKU_COLUMNS: tuple[str, ...] = (
    "sku",
    "name",
    "supplier",
    "lines",
    "units_short",
    "oldest_placed_at",
    "next_supply_date",
    "supply_overdue",
)


async def backorder_stats(store: StatsStore, *, now: datetime, timezone: ZoneInfo) -> BacklogStats:
    """Every figure as of `now` (timezone-aware), all read from one snapshot of the data; dates in
    the business's `timezone`."""
    today = now.astimezone(timezone).date()
    since = now - timedelta(days=RECENT_DAYS)
    local = _LocalDates(timezone)
    boundaries = [local.midnight(day) for day in wait_boundaries(today)]
    async with store.stats_snapshot() as reader:
        # Why: the three passes over the open lines are independent; the reader runs them on
        # separate connections of the same snapshot, on as many cores as there are.
        totals, sku_rows, pairs = await asyncio.gather(
            reader.stats_backlog_totals(boundaries),
            reader.stats_sku_totals(),
            reader.stats_delay_pairs(),
        )
        overdue = await reader.stats_overdue_by_supplier(today)
        recent = await reader.stats_recent_activity(since)
        refunds = await reader.stats_refunds(today)
        csat = await reader.csat(since=since)
    skus = by_units_short(
        sku_backlog(row, today=today, oldest=local.date(row.oldest_placed_at)) for row in sku_rows
    )
    return BacklogStats(
        as_of=now,
        today=today,
        open_backorder_lines=totals.lines,
        open_backorder_units=totals.units,
        customers_waiting=totals.customers,
        by_sku=skus,
        by_supplier=supplier_backlog(skus, overdue),
        overdue_purchase_orders=sum(overdue.values()),
        delay_days=delay_summary(delay_histogram(pairs)),
        last_30_days=recent,
        refunds=refunds,
        unreachable_customers=totals.unreachable_customers,
        csat=csat,
        waiting=wait_buckets(totals.placed),
    )


def sku_row(stats: BacklogStats, index: int) -> dict[str, object]:
    """One `by_sku` row as JSON values (dates YYYY-MM-DD or null), keys in SKU_COLUMNS order."""
    row = stats.by_sku[index]
    return {
        "sku": row.sku,
        "name": row.name,
        "supplier": row.supplier,
        "lines": row.lines,
        "units_short": row.units_short,
        "oldest_placed_at": _iso(row.oldest_placed_at),
        "next_supply_date": _iso(row.next_supply_date),
        "supply_overdue": row.supply_overdue,
    }


def stats_json(stats: BacklogStats) -> dict[str, object]:
    """The object `stats --json` prints (DESIGN §12 keys, plus a few added ones)."""
    delay = stats.delay_days
    recent = stats.last_30_days
    return {
        "as_of": stats.as_of.isoformat(),
        "open_backorder_lines": stats.open_backorder_lines,
        "open_backorder_units": stats.open_backorder_units,
        "customers_waiting": stats.customers_waiting,
        "by_sku": [sku_row(stats, index) for index in range(len(stats.by_sku))],
        "by_supplier": [
            {
                "supplier": row.supplier,
                "lines": row.lines,
                "units_short": row.units_short,
                "overdue_purchase_orders": row.overdue_purchase_orders,
            }
            for row in stats.by_supplier
        ],
        "overdue_purchase_orders": stats.overdue_purchase_orders,
        "delay_days": {
            "p50": delay.p50,
            "p90": delay.p90,
            "max": delay.max,
            "lines": delay.lines,
            "late_lines": delay.late_lines,
        },
        "last_30_days": {
            "cancelled_lines": recent.cancelled_lines,
            "swapped_lines": recent.swapped_lines,
            "split_orders": recent.split_orders,
            "notices_sent": recent.notices_sent,
            "questions_sent": recent.questions_sent,
            "notices_answered": recent.notices_answered,
            "auto_cancelled_orders": recent.auto_cancelled_orders,
        },
        "refunds": {"due": stats.refunds.due, "overdue": stats.refunds.overdue},
        "unreachable_customers": stats.unreachable_customers,
        "csat": {
            "responses": stats.csat.responses,
            "average": stats.csat.average,
            "period_days": RECENT_DAYS,
        },
        "waiting": [
            {"min_days": bucket.low, "max_days": bucket.high, "lines": bucket.lines}
            for bucket in stats.waiting
        ],
    }


class _LocalDates:
    """UTC moments to business dates and back, each distinct value converted once."""

    def __init__(self, timezone: ZoneInfo) -> None:
        self._zone = timezone
        self._dates: dict[datetime, dt.date] = {}

    def date(self, moment: datetime | None) -> dt.date | None:
        """The business date of a moment (None stays None)."""
        if moment is None:
            return None
        known = self._dates.get(moment)
        if known is None:
            known = self._dates[moment] = moment.astimezone(self._zone).date()
        return known

    def midnight(self, day: dt.date) -> datetime:
        """The moment the business day starts."""
        return datetime.combine(day, time(0), tzinfo=self._zone)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
