"""A stats run reads one snapshot: a change committed while it reads shows in the next run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from bot.domain.stats import StatsReader
from storage.store import SqlStore
from tests.stats import shop


async def cancel_every_open_line(store: SqlStore) -> None:
    """A change to the figures over the lines and to the refunds, committed at once."""
    async with store.database.write() as conn:
        await conn.execute(
            text("UPDATE order_lines SET status = 'cancelled' WHERE status = 'open'")
        )
        await conn.execute(text("UPDATE refunds SET status = 'paid'"))


async def figures(reader: StatsReader) -> tuple[Any, ...]:
    """The passes over the lines and the refunds, as one reader sees them."""
    return (
        await reader.stats_sku_totals(),
        await reader.stats_delay_pairs(),
        await reader.stats_refunds(shop.TODAY),
    )


async def test_a_change_committed_while_the_figures_are_read_waits_for_the_next_run(
    store: SqlStore,
) -> None:
    async with store.stats_snapshot() as reader:
        unchanged = (await reader.stats_backlog_totals([]), *await figures(reader))
    async with store.stats_snapshot() as reader:
        totals = await reader.stats_backlog_totals([])
        await cancel_every_open_line(store)
        assert (totals, *await figures(reader)) == unchanged
    async with store.stats_snapshot() as reader:
        totals = await reader.stats_backlog_totals([])
        sku_rows, pairs, refunds = await figures(reader)
    assert unchanged[0].lines > 0 and unchanged[3].due > 0
    assert (totals.lines, totals.customers, sku_rows, pairs, refunds.due) == (0, 0, [], {}, 0)
