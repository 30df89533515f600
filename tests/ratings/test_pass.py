"""The rating pass on real SQLite: one question a day per customer; stale or unreachable: none."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.model import LineStatus
from bot.domain.quiet_hours import QuietHours
from bot.i18n import Catalogs
from bot.services.ratings import (
    RatingAlerts,
    RatingPass,
    Scored,
    ask_about_closed_orders,
    csat_summary,
    rating_handle,
    score_rating,
)
from handlers.ratings import make_question_renderer
from storage.store import SqlStore, open_store
from tests.notices import shop
from tests.ratings.conftest import import_orders, orders_csv, ratings_of

NO_QUIET = QuietHours.parse("00:00-00:00")


async def run_pass(store: SqlStore, catalogs: Catalogs, now: datetime = shop.NOW) -> RatingPass:
    """One pass at `now`, rendering in the shipped catalogs."""
    return await ask_about_closed_orders(
        store,
        now=now,
        render=make_question_renderer(catalogs),
        quiet_hours=NO_QUIET,
        timezone=ZoneInfo("UTC"),
    )


async def test_several_orders_closing_together_are_asked_about_one_a_day_oldest_first(
    store: SqlStore, catalogs: Catalogs, tmp_path: Path
) -> None:
    first = shop.Buyer(1001)
    await shop.seed(store, [first])
    # A second backordered order of the same customer.
    await import_orders(store, _second_order_csv(tmp_path, first), now=shop.NOW)
    watched = await run_pass(store, catalogs)
    await import_orders(store, orders_csv(tmp_path, [first], LineStatus.SHIPPED), now=shop.NOW)
    await import_orders(
        store, _second_order_csv(tmp_path, first, LineStatus.CANCELLED), now=shop.NOW
    )
    today = await run_pass(store, catalogs, shop.NOW + timedelta(minutes=1))
    same_day = await run_pass(store, catalogs, shop.NOW + timedelta(hours=12))
    tomorrow = await run_pass(store, catalogs, shop.NOW + timedelta(days=1, minutes=2))
    assert watched.watched == 2
    assert (today.closed, today.asked, today.waiting) == (2, 1, 1)
    assert (same_day.asked, same_day.waiting) == (0, 1)
    assert (tomorrow.asked, tomorrow.waiting) == (1, 0)
    assert list(await ratings_of(store)) == ["order:O-1001", "order:O-1001-B"]


async def test_an_order_whose_turn_comes_two_weeks_after_it_closed_is_not_asked_about(
    store: SqlStore, catalogs: Catalogs, tmp_path: Path
) -> None:
    first = shop.Buyer(1001)
    await shop.seed(store, [first])
    await import_orders(store, _second_order_csv(tmp_path, first), now=shop.NOW)
    await run_pass(store, catalogs)
    await import_orders(store, orders_csv(tmp_path, [first], LineStatus.SHIPPED), now=shop.NOW)
    await import_orders(store, _second_order_csv(tmp_path, first, LineStatus.SHIPPED), now=shop.NOW)
    await run_pass(store, catalogs)
    # The bot was down for a fortnight: the second order's question is no longer worth asking.
    back = await run_pass(store, catalogs, shop.NOW + timedelta(days=15))
    assert (back.asked, back.given_up, back.waiting) == (0, 1, 0)
    assert list(await ratings_of(store)) == ["order:O-1001"]


async def test_an_order_whose_customer_has_no_reachable_chat_is_not_asked_about(
    store: SqlStore, catalogs: Catalogs, tmp_path: Path
) -> None:
    late, blocked = shop.Buyer(1001), shop.Buyer(1002)
    await shop.seed(store, [late, blocked])
    await run_pass(store, catalogs)
    await store.mark_chat_unreachable(blocked.chat_id, reason="blocked", at=shop.NOW)
    await import_orders(
        store, orders_csv(tmp_path, [late, blocked], LineStatus.SHIPPED), now=shop.NOW
    )
    # The customer with a blocked chat is given up at once; the other is asked first thing.
    closed = await run_pass(store, catalogs, shop.NOW)
    assert (closed.asked, closed.given_up) == (1, 1)
    assert list(await ratings_of(store)) == ["order:O-1001"]


async def test_csat_counts_answered_questions_and_their_mean(
    store: SqlStore, catalogs: Catalogs, tmp_path: Path
) -> None:
    buyers = [shop.Buyer(1001), shop.Buyer(1002), shop.Buyer(1003)]
    await shop.seed(store, buyers)
    await run_pass(store, catalogs)
    await import_orders(store, orders_csv(tmp_path, buyers, LineStatus.SHIPPED), now=shop.NOW)
    await run_pass(store, catalogs)
    none = await csat_summary(store)
    for buyer, score in ((buyers[0], 5), (buyers[1], 2)):
        result = await score_rating(
            store,
            chat_id=buyer.chat_id,
            rating=rating_handle(f"order:{buyer.order_id}"),
            score=score,
            message_id=None,
            now=shop.NOW,
            alerts=RatingAlerts((), lambda alert: ""),
        )
        assert isinstance(result, Scored)
    figures = await csat_summary(store)
    assert (none.responses, none.average) == (0, None)
    assert (figures.responses, figures.average) == (2, 3.5)


def _second_order_csv(
    directory: Path, buyer: shop.Buyer, status: LineStatus = LineStatus.OPEN
) -> Path:
    path = directory / f"second-{status.value}.csv"
    path.write_text(
        "order_id,customer_id,customer_name,placed_at,sku,quantity,unit_price,currency,status\n"
        f"{buyer.order_id}-B,{buyer.customer_id},Buyer {buyer.chat_id},"
        f"{(shop.NOW - timedelta(hours=2)).isoformat()},CHAIR,1,149.00,EUR,{status.value}\n",
        encoding="utf-8",
    )
    return path


async def test_two_processes_passing_at_once_ask_one_question(
    store: SqlStore, catalogs: Catalogs, tmp_path: Path, database_url: str
) -> None:
    buyer = shop.Buyer(1001)
    await shop.seed(store, [buyer])
    await run_pass(store, catalogs)
    await import_orders(store, orders_csv(tmp_path, [buyer], LineStatus.SHIPPED), now=shop.NOW)
    other = await open_store(database_url)
    try:
        passes = await asyncio.gather(run_pass(store, catalogs), run_pass(other, catalogs))
    finally:
        await other.close()
    assert sorted(report.asked for report in passes) == [0, 1]
    rows = await store.connection.execute_fetchall(
        "SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'rating:%'"
    )
    assert [tuple(row) for row in rows] == [(1,)]
    assert list(await ratings_of(store)) == ["order:O-1001"]
