"""`backorder-bot stats [--json | --csv] [--chart FILE.png]` (DESIGN §3, §12): where backorders
hurt, from a shell. The same use case as the chat's `/stats`; the text here is English."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import Settings
from bot.domain.control_characters import escaped
from bot.domain.stats import RECENT_DAYS, BacklogStats, WaitBucket
from bot.services.stats import SKU_COLUMNS, backorder_stats, sku_row, stats_json

# How many SKUs and suppliers the terminal table shows (`--csv` has every SKU).
TABLE_ROWS = 20


def add_stats_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`stats` with its output flags."""
    stats = commands.add_parser(
        "stats",
        help="where backorders hurt: backlog by product and supplier, delays, last 30 days",
        description="Where backorders hurt (DESIGN §12). Without flags: a table for the terminal.",
    )
    shape = stats.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print one JSON object")
    shape.add_argument("--csv", action="store_true", help="print the per-SKU rows as CSV")
    stats.add_argument(
        "--chart", type=Path, metavar="FILE.png", help="also write the backlog chart as a PNG"
    )


async def stats_command(
    settings: Settings, args: argparse.Namespace, *, show_json: Callable[[object], None]
) -> int:
    """Compute the figures once; print them as asked; write the chart when asked."""
    from bot.runtime import make_clock, store_session

    async with store_session(settings) as store:
        stats = await backorder_stats(
            store, now=make_clock(settings).now(), timezone=settings.timezone
        )
    if args.chart is not None:
        written = _write_chart(settings, stats, args.chart)
        if written is not None:
            print(f"backorder-bot: {written}", file=sys.stderr)
            return 1
    if args.json:
        show_json(stats_json(stats))
    elif args.csv:
        sys.stdout.write(escaped(stats_csv(stats)))
    else:
        print(escaped(stats_text(stats)))
    return 0


def _write_chart(settings: Settings, stats: BacklogStats, path: Path) -> str | None:
    """Write the chart; an error message when the file cannot be written."""
    from bot.i18n import Catalogs
    from handlers.staff.stats_chart import render_chart

    t = Catalogs.load(default_language=settings.default_language).translator()
    png = render_chart(stats, t)
    try:
        path.write_bytes(png)
    except OSError as exc:
        return f"cannot write the chart to {path}: {exc.strerror or exc}"
    return None


def stats_csv(stats: BacklogStats) -> str:
    """The `by_sku` rows as CSV with a header row (csv module; empty cells for null)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SKU_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for index in range(len(stats.by_sku)):
        writer.writerow({key: _cell(value) for key, value in sku_row(stats, index).items()})
    return out.getvalue()


def _cell(value: object) -> object:
    """A CSV cell: empty for null, true/false as in the JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def stats_text(stats: BacklogStats) -> str:
    """The figures as an English report for the terminal."""
    recent = stats.last_30_days
    delay = stats.delay_days
    lines = [
        f"Backorders as of {stats.as_of.isoformat()} (business date {stats.today.isoformat()})",
        "",
        f"  backordered lines       {stats.open_backorder_lines:,}"
        f" ({_count(stats.open_backorder_units, 'unit')})",
        f"  customers waiting       {stats.customers_waiting:,}"
        f" ({stats.unreachable_customers:,} unreachable: no chat, or every chat blocked)",
        f"  overdue purchase orders {stats.overdue_purchase_orders:,}",
        f"  delay vs promise        {_delay(stats)}",
        *(
            [
                f"                          ({delay.late_lines:,} of"
                f" {_count(delay.lines, 'line')} late)"
            ]
            if delay.lines
            else []
        ),
        f"  refunds                 {stats.refunds.due:,} due, {stats.refunds.overdue:,} overdue",
        f"  CSAT ({RECENT_DAYS} days)          {_csat(stats)}",
        f"  last {RECENT_DAYS} days            {_count(recent.cancelled_lines, 'line')} cancelled,"
        f" {recent.swapped_lines:,} swapped, {_count(recent.split_orders, 'order')} split,"
        f" {_count(recent.auto_cancelled_orders, 'order')} cancelled automatically",
        f"                          {_count(recent.notices_sent, 'notice')} sent;"
        f" {recent.notices_answered:,} of {_count(recent.questions_sent, 'question')} answered",
        f"  days waiting            {_waiting(stats.waiting)}",
    ]
    lines += ["", *_sku_table(stats), "", *_supplier_table(stats)]
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    """`n` and the English noun, singular for exactly one: "1 line", "2 lines", "0 lines"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _days(n: int) -> str:
    """A signed number of days: "+1 day", "-3 days", "+0 days"."""
    return f"{n:+d} day" if n in (1, -1) else f"{n:+d} days"


def _delay(stats: BacklogStats) -> str:
    delay = stats.delay_days
    if delay.p50 is None:
        return "no open line has both a promised and an estimated ship date"
    assert delay.p90 is not None and delay.max is not None
    return f"p50 {_days(delay.p50)}, p90 {_days(delay.p90)}, max {_days(delay.max)}"


def _csat(stats: BacklogStats) -> str:
    if stats.csat.average is None:
        return "no ratings"
    return f"{stats.csat.average:.2f} of 5 from {_count(stats.csat.responses, 'rating')}"


def _waiting(buckets: tuple[WaitBucket, ...]) -> str:
    def span(bucket: WaitBucket) -> str:
        return f"over {bucket.low - 1}" if bucket.high is None else f"{bucket.low}-{bucket.high}"

    return ", ".join(f"{span(bucket)}: {bucket.lines:,}" for bucket in buckets)


def _sku_table(stats: BacklogStats) -> list[str]:
    if not stats.by_sku:
        return ["By product: nothing is backordered."]
    shown = stats.by_sku[:TABLE_ROWS]
    rows = [("SKU", "name", "supplier", "lines", "short", "oldest", "next supply")]
    rows += [
        (
            row.sku,
            _cut(row.name, 28),
            _cut(row.supplier or "-", 26),
            f"{row.lines:,}",
            f"{row.units_short:,}",
            row.oldest_placed_at.isoformat() if row.oldest_placed_at else "-",
            (row.next_supply_date.isoformat() + (" late" if row.supply_overdue else ""))
            if row.next_supply_date
            else "-",
        )
        for row in shown
    ]
    title = f"By product (top {len(shown)} of {len(stats.by_sku):,}; --csv for all)"
    return [title, *_aligned(rows, numeric={3, 4})]


def _supplier_table(stats: BacklogStats) -> list[str]:
    if not stats.by_supplier:
        return ["By supplier: nothing is backordered or overdue."]
    shown = stats.by_supplier[:TABLE_ROWS]
    rows = [("supplier", "lines", "short", "overdue POs")]
    rows += [
        (
            _cut(row.supplier or "(none)", 28),
            f"{row.lines:,}",
            f"{row.units_short:,}",
            f"{row.overdue_purchase_orders:,}",
        )
        for row in shown
    ]
    title = f"By supplier (top {len(shown)} of {len(stats.by_supplier):,})"
    return [title, *_aligned(rows, numeric={1, 2, 3})]


def _aligned(rows: Sequence[tuple[str, ...]], *, numeric: set[int]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  "
        + "  ".join(
            cell.rjust(width) if column in numeric else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
