"""Every stats figure on a small real shop, against values worked out from the rows written."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.domain.ratings import Csat
from bot.domain.stats import (
    BacklogStats,
    DelaySummary,
    RecentActivity,
    RefundFigures,
    SkuBacklog,
    SupplierBacklog,
    WaitBucket,
)
from bot.services.stats import backorder_stats
from bot.stats_cli import stats_text
from storage.store import SqlStore, open_store
from tests.stats import shop
from tests.stats.test_chart import empty_stats


async def stats_now(store: SqlStore) -> BacklogStats:
    """The figures at the shop's frozen moment."""
    return await backorder_stats(store, now=shop.NOW, timezone=shop.ZONE)


async def test_backordered_lines_are_the_open_lines_not_served_from_stock(
    store: SqlStore,
) -> None:
    stats = await stats_now(store)
    # WIDGET: 2 on hand go to Ben's older O2 (in stock); Ann's 3 wait for PO-A1. GADGET: nothing
    # on hand, Cy's 1 and Dee's 4 wait for PO-B1. Lamps are in stock; O5 and O6 are cancelled.
    assert (stats.open_backorder_lines, stats.open_backorder_units) == (3, 3 + 1 + 4)
    assert stats.customers_waiting == len({"C-ANN", "C-CY", "C-DEE"})


async def test_each_product_shows_its_units_short_oldest_order_and_next_supply(
    store: SqlStore,
) -> None:
    stats = await stats_now(store)
    assert stats.by_sku == (
        # 1 + 4 open units, none on hand; PO-B1 due 20 Dec; Cy's order placed 62 days ago.
        SkuBacklog("GADGET", "Gadget", "Bolt", 2, 5, date(2026, 10, 1), date(2026, 12, 20), False),
        # 3 + 2 open units, 2 on hand; PO-A1 was due 25 Nov (PO-A2 is all received).
        SkuBacklog("WIDGET", "Widget", "Acme", 1, 3, date(2026, 11, 30), date(2026, 11, 25), True),
    )


async def test_suppliers_sum_their_products_and_count_their_overdue_purchase_orders(
    store: SqlStore,
) -> None:
    stats = await stats_now(store)
    assert stats.by_supplier == (
        SupplierBacklog("Bolt", 2, 5, 0),
        # PO-A1 is Acme's through its product; PO-A2 is received, PO-B2 cancelled.
        SupplierBacklog("Acme", 1, 3, 1),
        # Zeta's own PO for lamps is late though nobody waits for it.
        SupplierBacklog("Zeta", 0, 0, 1),
    )
    assert stats.overdue_purchase_orders == 2


async def test_delay_against_the_promise_takes_every_open_line_with_both_dates(
    store: SqlStore,
) -> None:
    stats = await stats_now(store)
    # Ship dates: one handling day after the available date. O1's widget (PO-A1, dated today)
    # and lamp (on hand) ship Thu 3 Dec, promised 3 Dec: 0, 0. Ben's O2 from stock ships 3 Dec,
    # promised 1 Dec: +2. Cy's gadget (PO-B1, Sun 20 Dec) ships Mon 21 Dec, promised 15 Oct.
    cy = (date(2026, 12, 21) - date(2026, 10, 15)).days
    delays = sorted([0, 0, 2, cy])
    assert stats.delay_days == DelaySummary(
        p50=delays[1],  # nearest rank: ceil(0.5 * 4) = 2nd
        p90=delays[3],  # ceil(0.9 * 4) = 4th
        max=cy,
        lines=4,
        late_lines=2,
    )


async def test_backordered_lines_are_bucketed_by_days_since_their_order_was_placed(
    store: SqlStore,
) -> None:
    stats = await stats_now(store)
    # Ann 2 days, Dee 22 days, Cy 62 days.
    assert stats.waiting == (
        WaitBucket(0, 7, 1),
        WaitBucket(8, 14, 0),
        WaitBucket(15, 30, 1),
        WaitBucket(31, 60, 0),
        WaitBucket(61, None, 1),
    )


async def test_the_last_30_days_count_cancellations_swaps_splits_notices_and_answers(
    store: SqlStore,
) -> None:
    stats = await stats_now(store)
    assert stats.last_30_days == RecentActivity(
        cancelled_lines=2,  # Eve's by the policy, Fay's by herself
        swapped_lines=1,  # the other swap was 40 days ago
        split_orders=1,
        notices_sent=4,  # delivered within 30 days
        questions_sent=3,  # of them, asking to wait or cancel
        notices_answered=2,  # Fay cancelled, Cy agreed to wait; Dee is silent
        auto_cancelled_orders=1,  # Eve's
    )


async def test_refunds_due_and_overdue_count_only_unpaid_ones(store: SqlStore) -> None:
    stats = await stats_now(store)
    # Eve's and Fay's cancellations are due in 14 days; O2's was due 25 Nov; O1's is paid.
    assert stats.refunds == RefundFigures(due=3, overdue=1)


async def test_unreachable_customers_have_no_chat_or_only_blocked_ones(
    store: SqlStore,
) -> None:
    stats = await stats_now(store)
    # Cy's only chat blocked the bot, Dee has none; Ben's is blocked too but he waits for nothing.
    assert stats.unreachable_customers == 2


async def test_csat_averages_the_ratings_answered_in_the_last_30_days(
    store: SqlStore,
) -> None:
    stats = await stats_now(store)
    # Ann 5 and Ben 2 within 30 days; Cy's 1 is older, Dee has not answered.
    assert stats.csat == Csat(responses=2, average=(5 + 2) / 2)


async def test_an_empty_shop_has_zero_figures_and_no_percentiles(database_url: str) -> None:
    empty = await open_store(database_url)
    try:
        stats = await backorder_stats(empty, now=shop.NOW, timezone=shop.ZONE)
    finally:
        await empty.close()
    assert (stats.open_backorder_lines, stats.by_sku, stats.by_supplier) == (0, (), ())
    assert stats.delay_days == DelaySummary(None, None, None, 0, 0)
    assert stats.csat == Csat(0, None)
    assert [bucket.lines for bucket in stats.waiting] == [0] * 5


def test_the_terminal_report_says_one_line_and_two_lines() -> None:
    one = replace(
        empty_stats(),
        open_backorder_lines=1,
        open_backorder_units=1,
        delay_days=DelaySummary(1, 1, -1, 1, 1),
        last_30_days=RecentActivity(1, 0, 1, 1, 1, 0, 1),
        csat=Csat(1, 4.0),
    )
    text = stats_text(one)
    assert "1 line cancelled, 0 swapped, 1 order split, 1 order cancelled automatically" in text
    assert "1 notice sent; 0 of 1 question answered" in text
    assert "(1 unit)" in text and "(1 of 1 line late)" in text
    assert "p50 +1 day, p90 +1 day, max -1 day" in text
    assert "4.00 of 5 from 1 rating" in text
    two = stats_text(replace(one, last_30_days=RecentActivity(2, 0, 0, 2, 2, 1, 0)))
    assert "2 lines cancelled, 0 swapped, 0 orders split, 0 orders cancelled automatically" in two
    assert "2 notices sent; 1 of 2 questions answered" in two
