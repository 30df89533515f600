"""An API import causes the notices a CSV import causes: recompute, then the bot's sweep."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import Catalogs
from bot.services.notices import sweep
from handlers.notices import make_renderer
from storage.store import SqlStore
from tests.ingest.conftest import TOKEN, make_services, serve
from tests.notices import shop


async def test_a_supplier_slip_pushed_through_the_api_queues_the_delay_notices(
    store: SqlStore, catalogs: Catalogs
) -> None:
    buyers = [shop.Buyer(7001), shop.Buyer(7002, language="de")]
    await shop.seed(store, buyers)
    services = make_services(store, catalogs, now=shop.NOW, api_token=TOKEN)

    async def sweep_now() -> int:
        report = await sweep(
            store,
            now=shop.NOW + timedelta(minutes=1),
            timezone=services.settings.timezone,
            rules=services.rules,
            refund_days=14,
            render=make_renderer(catalogs),
            quiet_hours=services.settings.quiet_hours,
        )
        return report.messages_queued

    assert await sweep_now() == 0
    slip = {
        "po_id": "PO-1",
        "sku": "CHAIR",
        "quantity": 10_000,
        "expected_date": shop.SLIPPED_PO_DUE.isoformat(),
    }
    async for api in serve(services):
        assert await api.post("/api/v1/purchase-orders", [slip]) == (200, {"imported": 1})
    assert await sweep_now() == len(buyers)
