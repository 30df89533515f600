"""The demo shop acting during the demo, and the history it starts with."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.demo.chat import DemoChat
from bot.demo.history import open_ended_wait_order, record_open_ended_wait
from bot.demo.runner import NO_QUIET_HOURS as NEVER_QUIET
from bot.demo.seed import Shop, build_shop, seed_store
from bot.demo.shop import StagedUpdate, staged_slip
from bot.domain.calendar import BusinessCalendar
from bot.domain.delays import NoticeKind
from bot.domain.eta import EtaRules, order_estimate
from bot.i18n import Catalogs
from bot.services.notices import pending_questions, sweep
from handlers.notices import make_renderer
from storage.store import SqlStore
from tests.demo.conftest import FakeSandboxChat

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
DELAYS = {NoticeKind.DELAY_FIRST, NoticeKind.DELAY_RENEWED, NoticeKind.DELAY_INFO}
RULES = EtaRules(calendar=BusinessCalendar(), default_handling_days=1)
ZONE = ZoneInfo("UTC")


async def _seeded(store: SqlStore, tmp_path: Path) -> Shop:
    shop = await seed_store(store, tmp_path, now=NOW, timezone=ZONE, rules=RULES)
    await record_open_ended_wait(store, shop, at=NOW)
    return shop


async def _estimate(store: SqlStore, order_id: str) -> date | None:
    return order_estimate((await store.line_etas([order_id])).values())


async def _delays_decided(store: SqlStore) -> list[str]:
    """The order ids of the delay notices a sweep decides now."""
    await sweep(
        store,
        now=NOW,
        timezone=ZONE,
        rules=RULES,
        refund_days=14,
        render=make_renderer(Catalogs.load(default_language="en")),
        quiet_hours=NEVER_QUIET,
    )
    history = await store.notice_history()
    return [record.notice.order_id for record in history if record.notice.kind in DELAYS]


def test_the_staged_slip_moves_the_tent_delivery_by_two_weeks() -> None:
    slip = staged_slip(build_shop(TODAY))
    assert slip.row["po_id"] == "PO-7002"
    assert (slip.before, slip.after) == (date(2026, 12, 19), date(2027, 1, 2))
    assert slip.announcement() == (
        "(shop) supplier moved PO-7002 (Ultralight Tent 2P) from Dec 19 to Jan 2"
    )


async def test_nothing_of_the_demo_customer_is_late_until_the_supplier_slips(
    store: SqlStore, tmp_path: Path
) -> None:
    shop = await _seeded(store, tmp_path)
    demo_orders = set(shop.demo_customer.order_ids)
    assert demo_orders.isdisjoint(await _delays_decided(store))
    assert await pending_questions(store, shop.demo_customer.customer_id) == []


async def test_the_slip_goes_through_the_import_once_and_delays_the_demo_customers_order(
    store: SqlStore, tmp_path: Path
) -> None:
    shop = await _seeded(store, tmp_path)
    tent_order = shop.demo_customer.order_ids[0]
    announced: list[str] = []
    update = StagedUpdate(
        store,
        staged_slip(shop),
        tmp_path,
        clock=FrozenClock(NOW),
        timezone=ZONE,
        rules=RULES,
        announce=announced.append,
    )
    before = await _estimate(store, tent_order)
    await update.apply_once()
    await update.apply_once()
    after = await _estimate(store, tent_order)
    assert before is not None and after is not None and (after - before).days >= 14
    assert len(announced) == 1
    assert tent_order in await _delays_decided(store)


async def test_the_undated_order_is_one_the_customer_agreed_to_wait_for(
    store: SqlStore, tmp_path: Path
) -> None:
    shop = await _seeded(store, tmp_path)
    order_id = open_ended_wait_order(shop)
    assert order_id in shop.demo_customer.order_ids
    assert await _estimate(store, order_id) is None


async def test_the_shop_acts_on_the_first_wait_only(sandbox_chat: FakeSandboxChat) -> None:
    acted: list[str] = []

    async def shop_acts() -> None:
        acted.append("slip")
        sandbox_chat.bot_says("Order 10485 is delayed")

    printed: list[str] = []
    chat = DemoChat(
        sandbox_chat, 7, "+1 415 555 0100", write=printed.append, on_first_wait=shop_acts
    )
    await chat.wait(0.1)
    await chat.wait(0)
    assert acted == ["slip"]
    assert printed == ["bot: Order 10485 is delayed"]
