"""ETA recompute time in /metrics: each recompute is observed once, whatever caused it."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot import metrics
from bot.context import Services
from bot.domain.actions import Done
from bot.domain.model import Product
from bot.i18n import Catalogs
from bot.jobs import catch_up
from bot.recompute_job import recompute_left_behind
from bot.services.cancel import confirm_cancel
from bot.services.importing.service import import_csv
from storage.store import SqlStore
from tests.databases import database_settings
from tests.e2e import shop


def recomputes() -> float:
    """How many recomputes were observed so far."""
    return metrics.REGISTRY.get_sample_value("backorder_eta_recompute_seconds_count") or 0.0


async def test_the_daily_catch_up_and_a_left_behind_mark_each_observe_one_recompute(
    store: SqlStore, database_url: str
) -> None:
    await shop.seed(store)
    services = Services(
        settings=database_settings(database_url),
        store=store,
        clock=shop.clock(),
        rules=shop.RULES,
        catalogs=Catalogs.load(),
    )
    bot_data: dict[object, object] = {}
    before = recomputes()
    await catch_up(bot_data, services)
    assert recomputes() - before == 1
    await recompute_left_behind(bot_data, services, at_start=True)
    assert recomputes() - before == 1  # nothing was left behind: no recompute, none observed
    # A change whose process died before recomputing leaves its SKU marked.
    await store.upsert_products(
        [Product("CHAIR", "Office chair", 12900, "EUR", 0)], actor="test", at=shop.NOW
    )
    await recompute_left_behind(bot_data, services, at_start=True)
    assert recomputes() - before == 2


async def test_a_customer_cancel_and_a_csv_import_each_observe_one_recompute(
    store: SqlStore, tmp_path: Path
) -> None:
    await shop.seed(store)
    state = await store.order_state("2002")
    assert state is not None
    utc = ZoneInfo("UTC")
    before = recomputes()
    cancelled = await confirm_cancel(
        store,
        shop.BOB.customer_id,
        "2002",
        None,
        state.version,
        actor="customer:C-BOB",
        now=shop.NOW,
        timezone=utc,
        rules=shop.RULES,
        refund_days=14,
    )
    assert isinstance(cancelled, Done)
    assert recomputes() - before == 1
    products = tmp_path / "products.csv"
    products.write_text("sku,name,price,currency,on_hand\nCHAIR,Office chair,149.00,EUR,3\n")
    report = await import_csv(
        store, "products", products, timezone=utc, rules=shop.RULES, now=shop.NOW, actor="cli"
    )
    assert (report.rows, report.error_count) == (1, 0)
    assert recomputes() - before == 2
