"""The backlog chart: a phone-width PNG for the demo shop, in every language, and for no backlog."""

from __future__ import annotations

import struct
import warnings
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.demo.chart import demo_chart
from bot.domain.ratings import Csat
from bot.domain.stats import (
    BacklogStats,
    DelaySummary,
    RecentActivity,
    RefundFigures,
    SkuBacklog,
    wait_buckets,
)
from bot.i18n import SHIPPED_LANGUAGES, Catalogs
from handlers.staff.stats_chart import HEIGHT_PX, WIDTH_PX, render_chart

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (after checking the signature)."""
    assert data[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def empty_stats() -> BacklogStats:
    """The figures of a shop where nothing waits."""
    return BacklogStats(
        as_of=datetime(2026, 12, 2, 10, tzinfo=UTC),
        today=date(2026, 12, 2),
        open_backorder_lines=0,
        open_backorder_units=0,
        customers_waiting=0,
        by_sku=(),
        by_supplier=(),
        overdue_purchase_orders=0,
        delay_days=DelaySummary(None, None, None, 0, 0),
        last_30_days=RecentActivity(0, 0, 0, 0, 0, 0, 0),
        refunds=RefundFigures(0, 0),
        unreachable_customers=0,
        csat=Csat(0, None),
        waiting=wait_buckets([0, 0, 0, 0, 0]),
    )


async def test_the_demo_shops_chart_is_a_phone_width_png() -> None:
    png = await demo_chart()
    assert png_size(png) == (WIDTH_PX, HEIGHT_PX) == (1080, 1350)


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_every_language_draws_without_a_missing_glyph(language: str) -> None:
    stats = replace(
        empty_stats(),
        open_backorder_lines=3,
        open_backorder_units=7,
        customers_waiting=2,
        by_sku=(
            SkuBacklog("A-1", "Чайник $5 $", "Acme", 2, 5, date(2026, 11, 1), None, False),
            SkuBacklog("B-2", "Théière", None, 1, 2, date(2026, 11, 20), date(2027, 1, 4), False),
        ),
        waiting=wait_buckets([1, 0, 1, 0, 1]),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_chart(stats, Catalogs.load().translator(language), top=1)
    assert png_size(png) == (1080, 1350)
    assert [str(warning.message) for warning in caught] == []


def test_an_empty_backlog_still_gives_a_chart_not_an_error() -> None:
    png = render_chart(empty_stats(), Catalogs.load().translator("en"))
    assert png_size(png) == (1080, 1350)
