"""A date a confirmation just showed counts as told: no proactive notice repeats it later."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.config import DEFAULT_QUIET_HOURS
from bot.domain.delays import NoticeKind
from bot.i18n import Catalogs
from bot.services.handles import order_handle
from bot.services.notices import sweep
from handlers.notices import make_renderer
from storage.store import SqlStore
from tests.actions_e2e.chat import data_starting, text
from tests.actions_e2e.conftest import Linker
from tests.e2e import shop as e2e_shop


async def news_after_a_sweep(store: SqlStore, catalogs: Catalogs, order_id: str) -> list[str]:
    """The kinds of notice the next sweep decides for an order."""
    before = len(await store.notice_history(order_id))
    await sweep(
        store,
        now=e2e_shop.NOW,
        timezone=ZoneInfo("UTC"),
        rules=e2e_shop.RULES,
        refund_days=14,
        render=make_renderer(catalogs),
        quiet_hours=DEFAULT_QUIET_HOURS,
    )
    return [record.notice.kind.value for record in (await store.notice_history(order_id))[before:]]


async def test_the_date_a_split_confirmation_showed_is_not_announced_again(
    linked: Linker, store: SqlStore, catalogs: Catalogs
) -> None:
    olga = await linked("olga", "C-OLGA")
    await olga.say("/orders 6006")
    question = await olga.tap_data("sa:" + order_handle("6006"))
    (confirm,) = data_starting(question, "sy:")
    assert "✅" in text(await olga.tap_data(confirm))

    assert await news_after_a_sweep(store, catalogs, "6006") == []


async def test_the_date_an_item_cancellation_showed_is_not_announced_again(
    linked: Linker, store: SqlStore, catalogs: Catalogs
) -> None:
    alice = await linked("alice", "C-ALICE")
    await alice.say("/orders 1001")
    question = await alice.tap_data("ca:" + order_handle("1001") + ":4")
    (confirm,) = data_starting(question, "cy:")
    await alice.tap_data(confirm)

    news = await news_after_a_sweep(store, catalogs, "1001")

    assert NoticeKind.GOOD_NEWS.value not in news
    assert news == []


async def test_the_date_a_swap_confirmation_showed_is_not_announced_again_as_good_news(
    linked: Linker, store: SqlStore, catalogs: Catalogs
) -> None:
    bob = await linked("bob", "C-BOB")
    await bob.say("/orders 2002")
    await bob.tap("Alternatives to Office chair")
    question = await bob.tap("Wooden chair")
    (accept,) = data_starting(question, "ay:")
    assert "Swapped" in text(await bob.tap_data(accept))

    assert await news_after_a_sweep(store, catalogs, "2002") == []
