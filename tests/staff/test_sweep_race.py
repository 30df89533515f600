"""Two sweeps that read the same states (the bot's and a command line's) queue each notice once."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.delays import NoticeState
from bot.domain.notice_store import NoticeChange, RecordedSweep
from bot.domain.outbox import OutgoingMessage
from bot.i18n import Catalogs
from bot.services.notices import sweep
from handlers.notices import make_renderer
from storage.store import SqlStore, open_store
from tests.notices import shop
from tests.sql import fetch_all

BUYERS = [shop.Buyer(901), shop.Buyer(902, language="de")]


class PausedStore(SqlStore):
    """A store whose first sweep write waits until released (orders the race; SQL unchanged)."""

    def __init__(self, store: SqlStore) -> None:
        super().__init__(store.database)
        self.reached = asyncio.Event()
        self.release = asyncio.Event()

    async def record_sweep(
        self,
        changes: Sequence[NoticeChange],
        messages: Sequence[OutgoingMessage],
        *,
        now: object,
        read: Mapping[str, NoticeState] | None = None,
    ) -> RecordedSweep:
        if not self.reached.is_set():
            self.reached.set()
            await self.release.wait()
        return await super().record_sweep(changes, messages, now=now, read=read)  # type: ignore[arg-type]


async def test_a_sweep_that_read_before_another_wrote_queues_nothing_twice(
    store: SqlStore, database_url: str, catalogs: Catalogs, tmp_path: Path
) -> None:
    await shop.seed(store, BUYERS)
    await shop.import_slip(store, tmp_path)
    common = {
        "timezone": ZoneInfo("UTC"),
        "rules": shop.RULES,
        "refund_days": 14,
        "render": make_renderer(catalogs),
        "quiet_hours": shop_quiet_hours(),
    }
    other = await open_store(database_url)
    try:
        paused = PausedStore(other)
        first = asyncio.create_task(sweep(paused, now=shop.NOW, **common))  # type: ignore[arg-type]
        await paused.reached.wait()
        second = await sweep(store, now=shop.NOW + timedelta(seconds=1), **common)  # type: ignore[arg-type]
        paused.release.set()
        late = await first
    finally:
        await other.close()
    rows = await fetch_all(store, "SELECT chat_id FROM outbox ORDER BY chat_id")
    assert [row[0] for row in rows] == [901, 902]
    assert second.notices == 2 and late.notices == 0
    history = await store.notice_history()
    assert len(history) == 2


def shop_quiet_hours() -> object:
    """The default quiet hours (outside them: the shop's NOW is 09:00)."""
    from bot.domain.quiet_hours import QuietHours

    return QuietHours.parse("21:00-08:00")
