"""`backorder-bot import` that is SIGKILLed right after its rows commit, before the recompute."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.store import SkuBook
from bot.services.importing import import_csv
from storage.store import SqlStore, open_store


class DiesBeforeRecompute(SqlStore):
    """The real store, except that the process dies when the recompute starts reading."""

    async def sku_books(self, skus: Collection[str] | None = None) -> list[SkuBook]:
        """Die as a SIGKILL would: no cleanup, no exception handlers."""
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


async def main(database: str, kind: str, csv_path: Path, now: datetime) -> None:
    """Import the file as the command line would, into a store that dies before the recompute."""
    store = await open_store(database)
    rules = EtaRules(BusinessCalendar(holidays=frozenset()), default_handling_days=1)
    await import_csv(
        DiesBeforeRecompute(store.database),
        kind,
        csv_path,
        timezone=ZoneInfo("UTC"),
        rules=rules,
        now=now,
        actor="cli",
    )


if __name__ == "__main__":
    db, kind, csv, now = sys.argv[1:5]
    asyncio.run(main(db, kind, Path(csv), datetime.fromisoformat(now)))
