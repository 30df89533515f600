"""Notice history ids never go back, so a staff summary counts the notices its change queued."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.delays import QuietHours
from bot.i18n import Catalogs
from bot.services.purchase_order_changes import move_expected_date
from bot.services.supply_impact import NoticeSettings, SupplyChange
from handlers.notices import make_renderer
from storage.store import SqlStore
from tests.notices import shop

BUYER = shop.Buyer(931)
EVENING = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # quiet hours: news waits for 08:00


async def test_a_staff_change_that_takes_back_the_newest_held_notice_counts_the_one_it_queues(
    store: SqlStore, catalogs: Catalogs
) -> None:
    await shop.seed(store, [BUYER])
    settings = NoticeSettings(
        timezone=ZoneInfo("UTC"),
        rules=shop.RULES,
        refund_days=14,
        quiet_hours=QuietHours.parse("21:00-08:00"),
        render=make_renderer(catalogs),
    )
    first = await move_expected_date(
        store, "PO-1", shop.SLIPPED_PO_DUE, actor="staff:555", now=EVENING, settings=settings
    )
    assert isinstance(first, SupplyChange) and first.impact.notices_queued == 1
    (held,) = await store.notice_history(BUYER.order_id)

    # The supplier slips again before 08:00: the held notice is no longer true and goes back.
    second = await move_expected_date(
        store,
        "PO-1",
        date(2027, 1, 11),
        actor="staff:555",
        now=EVENING + timedelta(minutes=10),
        settings=settings,
    )

    assert isinstance(second, SupplyChange)
    (queued,) = await store.notice_history(BUYER.order_id)
    assert queued.notice.revised_date != held.notice.revised_date
    assert second.impact.notices_queued == 1
    assert second.impact.later == 1
