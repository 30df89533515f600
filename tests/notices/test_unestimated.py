"""An order written a moment ago, its dates not computed yet, waits for its recompute before the
sweep decides it: a missing estimate is not "no date" (QA: an order through the ingest API got
a US delay notice with [Cancel] a moment before its dates existed)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.config import DEFAULT_QUIET_HOURS
from bot.domain.model import Order, OrderLine
from bot.i18n import Catalogs
from bot.services.eta import recompute_etas
from bot.services.notices import sweep
from handlers.notices import make_renderer
from storage.store import SqlStore
from tests.notices import shop

BUYER = shop.Buyer(9601)
NEW_ORDER = "O-9601-NEW"


async def test_an_order_without_its_dates_yet_is_decided_only_after_its_recompute(
    store: SqlStore, catalogs: Catalogs
) -> None:
    await shop.seed(store, [BUYER])
    placed = Order(
        NEW_ORDER,
        BUYER.customer_id,
        shop.NOW - timedelta(hours=1),
        "EUR",
        promised_ship_date=shop.PROMISED,
        jurisdiction=BUYER.jurisdiction,
        lines=(OrderLine(NEW_ORDER, 1, "CHAIR", 1, shop.CHAIR_PRICE),),
    )
    await store.upsert_orders([], [placed], actor="api", at=shop.NOW)

    def sweeping() -> dict[str, object]:
        return {
            "now": shop.NOW,
            "timezone": ZoneInfo("UTC"),
            "rules": shop.RULES,
            "refund_days": 14,
            "render": make_renderer(catalogs),
            "quiet_hours": DEFAULT_QUIET_HOURS,
        }

    before = await sweep(store, **sweeping())  # type: ignore[arg-type]

    assert before.notices == 0
    assert NEW_ORDER not in await store.notice_states([NEW_ORDER])

    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    await sweep(store, **sweeping())  # type: ignore[arg-type]

    # Decided now, from its real estimate (Dec 15, before the promised Dec 18): no delay, only
    # the news that it ships before the promise (the date it was told is the promise).
    state = (await store.notice_states([NEW_ORDER]))[NEW_ORDER]
    assert state.deadline == shop.PROMISED
    assert not state.awaiting_answer
    queued = await store.due_messages(now=shop.NOW + timedelta(days=1), after_id=0, limit=10)
    assert [message.text for message in queued] == [
        "Good news: order O-9601-NEW will ship sooner, on Dec 15, 2026."
    ]
