"""The README's backlog chart, made from the demo shop at a frozen moment (`make chart`).

`python -m bot.demo.chart [FILE.png]` seeds the demo shop into a throwaway database as of
2026-12-02 10:00 UTC (US holidays, as the demo uses), computes the stats and writes the chart
`backorder-bot stats --chart` would write for it (English labels). The same seed and moment give
the same picture.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

from bot.demo.seed import seed_store
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.i18n import Catalogs
from bot.services.stats import backorder_stats
from handlers.staff.stats_chart import render_chart
from storage.store import open_store

MOMENT = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
ZONE = ZoneInfo("UTC")
DEFAULT_PATH = Path(__file__).resolve().parent / "stats-chart.png"


async def demo_chart(*, now: datetime = MOMENT, language: str = "en") -> bytes:
    """The chart of the demo shop seeded as of `now`, as PNG bytes."""
    rules = EtaRules(BusinessCalendar(holidays=holidays.country_holidays("US")), 1)
    with tempfile.TemporaryDirectory(prefix="backorder-chart-") as folder:
        store = await open_store(Path(folder) / "demo.sqlite3")
        try:
            await seed_store(store, Path(folder), now=now, timezone=ZONE, rules=rules)
            stats = await backorder_stats(store, now=now, timezone=ZONE)
        finally:
            await store.close()
    return render_chart(stats, Catalogs.load().translator(language))


def main(argv: list[str] | None = None) -> int:
    """Write the demo chart to the path given (default: bot/demo/stats-chart.png)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else DEFAULT_PATH
    target.write_bytes(asyncio.run(demo_chart()))
    print(f"{target}: the demo shop's backlog chart as of {MOMENT.isoformat()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
