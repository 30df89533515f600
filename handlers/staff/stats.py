"""/stats: where backorders hurt (DESIGN §12) — the headline figures as text in the staff member's
language, then the backlog chart as a photo. The same use case as `backorder-bot stats`."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from bot.domain.fitting import split_lines
from bot.domain.stats import BacklogStats, SkuBacklog, SupplierBacklog
from bot.i18n import Translator
from bot.services.stats import backorder_stats
from handlers.common import send_new
from handlers.staff.access import staff_only

# How many products and suppliers the message names (the chart and `stats --csv` show more).
TOP_ROWS = 5
CHART_FILENAME = "backorders.png"


async def show_stats(update: Update, context: BotContext) -> None:
    """/stats: the figures, then the chart (rendered off the event loop)."""
    t = await context.translator(update)
    services = context.services
    stats = await backorder_stats(
        services.store, now=services.clock.now(), timezone=services.settings.timezone
    )
    for piece in split_lines(stats_text(t, stats)):
        await send_new(update, piece)
    chat = update.effective_chat
    if chat is None:
        return
    # Why: matplotlib loads on the first /stats, not at every start of the bot.
    from handlers.staff.stats_chart import render_chart

    # Why: drawing takes a few hundred milliseconds of CPU; other chats keep being answered.
    png = await asyncio.to_thread(render_chart, stats, t)
    await chat.send_photo(
        photo=png,
        filename=CHART_FILENAME,
        caption=t.gettext("Units short by product and backordered lines by days waiting"),
    )


def stats_text(t: Translator, stats: BacklogStats) -> str:
    """The headline figures as HTML lines (split by the caller when long)."""
    parts = [t.gettext("<b>Backorders on {date}</b>", date=t.date(stats.today))]
    if stats.open_backorder_lines == 0:
        parts.append(t.gettext("Nothing is backordered."))
    else:
        parts.append(
            " · ".join(
                (
                    t.ngettext("{n} line waiting", "{n} lines waiting", stats.open_backorder_lines),
                    t.ngettext("{n} unit", "{n} units", stats.open_backorder_units),
                    t.ngettext("{n} customer", "{n} customers", stats.customers_waiting),
                )
            )
        )
    if stats.unreachable_customers:
        parts.append(
            t.ngettext(
                "{n} customer cannot be reached (no chat, or the bot is blocked)",
                "{n} customers cannot be reached (no chat, or the bot is blocked)",
                stats.unreachable_customers,
            )
        )
    if stats.overdue_purchase_orders:
        parts.append(
            t.ngettext(
                "{n} purchase order is overdue",
                "{n} purchase orders are overdue",
                stats.overdue_purchase_orders,
            )
        )
    delay = stats.delay_days
    if delay.p50 is not None and delay.p90 is not None and delay.max is not None:
        parts.append(
            t.gettext(
                "Days late against the promise: median {p50}, 90% within {p90}, worst {max}",
                p50=_signed(t, delay.p50),
                p90=_signed(t, delay.p90),
                max=_signed(t, delay.max),
            )
        )
    if stats.by_sku:
        parts += ["", t.gettext("<b>Most units short</b>")]
        parts += [_sku_line(t, row) for row in stats.by_sku[:TOP_ROWS]]
    if stats.by_supplier:
        parts += ["", t.gettext("<b>Suppliers</b>")]
        parts += [_supplier_line(t, row) for row in stats.by_supplier[:TOP_ROWS]]
    recent = stats.last_30_days
    parts += [
        "",
        t.gettext("<b>Last 30 days</b>"),
        t.gettext(
            "Lines cancelled: {cancelled} · swapped: {swapped} · orders split: {split} · "
            "orders cancelled automatically: {auto}",
            cancelled=t.number(recent.cancelled_lines),
            swapped=t.number(recent.swapped_lines),
            split=t.number(recent.split_orders),
            auto=t.number(recent.auto_cancelled_orders),
        ),
        t.gettext(
            "Notices sent: {sent} · questions answered: {answered} of {asked}",
            sent=t.number(recent.notices_sent),
            answered=t.number(recent.notices_answered),
            asked=t.number(recent.questions_sent),
        ),
        t.gettext(
            "Refunds due: {due} · overdue: {overdue}",
            due=t.number(stats.refunds.due),
            overdue=t.number(stats.refunds.overdue),
        ),
    ]
    if stats.csat.average is None:
        parts.append(t.gettext("Ratings: none yet"))
    else:
        parts.append(
            t.gettext(
                "Ratings: {average} of 5 from {responses}",
                average=t.number(stats.csat.average),
                responses=t.number(stats.csat.responses),
            )
        )
    return "\n".join(parts)


def _sku_line(t: Translator, row: SkuBacklog) -> str:
    facts = {
        "sku": row.sku,
        "name": row.name,
        "units": t.number(row.units_short),
        "lines": t.number(row.lines),
    }
    if row.next_supply_date is None:
        return t.gettext("{sku} {name}: short {units}, lines {lines}; no supply ordered", **facts)
    when = t.date(row.next_supply_date)
    if row.supply_overdue:
        return t.gettext(
            "{sku} {name}: short {units}, lines {lines}; supply late since {date}",
            date=when,
            **facts,
        )
    return t.gettext(
        "{sku} {name}: short {units}, lines {lines}; next supply {date}", date=when, **facts
    )


def _supplier_line(t: Translator, row: SupplierBacklog) -> str:
    facts = {
        "units": t.number(row.units_short),
        "lines": t.number(row.lines),
        "overdue": t.number(row.overdue_purchase_orders),
    }
    if row.supplier is None:
        return t.gettext(
            "No supplier set: short {units}, lines {lines}, overdue purchase orders {overdue}",
            **facts,
        )
    return t.gettext(
        "{supplier}: short {units}, lines {lines}, overdue purchase orders {overdue}",
        supplier=row.supplier,
        **facts,
    )


def _signed(t: Translator, days: int) -> str:
    """Days with a plus sign when late, as babel writes numbers in this locale."""
    return ("+" if days > 0 else "") + t.number(days)


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """This flow's handlers, behind the staff check."""
    return [CommandHandler("stats", staff_only(show_stats))]
