"""`backorder-bot stats` from a shell: the DESIGN §12 JSON, CSV of the SKU rows, the chart."""

from __future__ import annotations

import csv
import io
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

from storage.store import SqlStore
from tests.databases import database_env
from tests.stats import shop

CONSOLE_SCRIPT = Path(sys.executable).parent / "backorder-bot"
TOP_KEYS = {
    "as_of",
    "open_backorder_lines",
    "open_backorder_units",
    "customers_waiting",
    "by_sku",
    "by_supplier",
    "delay_days",
    "last_30_days",
    "refunds",
    "unreachable_customers",
    "csat",
}


def run_stats(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script against the shop's database at its frozen moment."""
    env = {
        **os.environ,
        **database_env(database_url),
        "BACKORDER_NOW": shop.NOW.isoformat(),
        "BACKORDER_TIMEZONE": "UTC",
    }
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "stats", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def cell(value: object) -> str:
    """A JSON value as its CSV cell: null empty, booleans as in JSON."""
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_stats_json_prints_the_design_shape_with_the_shops_figures(
    store: SqlStore, database_url: str
) -> None:
    done = run_stats(database_url, "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert set(figures) >= TOP_KEYS
    assert figures["as_of"] == shop.NOW.isoformat()
    assert (figures["open_backorder_lines"], figures["open_backorder_units"]) == (3, 8)
    assert figures["customers_waiting"] == 3
    assert figures["by_sku"][0] == {
        "sku": "GADGET",
        "name": "Gadget",
        "supplier": "Bolt",
        "lines": 2,
        "units_short": 5,
        "oldest_placed_at": "2026-10-01",
        "next_supply_date": "2026-12-20",
        "supply_overdue": False,
    }
    assert [row["sku"] for row in figures["by_sku"]] == ["GADGET", "WIDGET"]
    assert figures["by_supplier"][1] == {
        "supplier": "Acme",
        "lines": 1,
        "units_short": 3,
        "overdue_purchase_orders": 1,
    }
    assert set(figures["delay_days"]) >= {"p50", "p90", "max"}
    assert set(figures["last_30_days"]) >= {
        "cancelled_lines",
        "swapped_lines",
        "split_orders",
        "notices_sent",
        "notices_answered",
        "auto_cancelled_orders",
    }
    assert figures["refunds"] == {"due": 3, "overdue": 1}
    assert figures["unreachable_customers"] == 2
    assert (figures["csat"]["responses"], figures["csat"]["average"]) == (2, 3.5)


async def test_stats_csv_has_a_header_and_the_json_by_sku_rows(
    store: SqlStore, database_url: str
) -> None:
    as_json = json.loads(run_stats(database_url, "--json").stdout)["by_sku"]
    done = run_stats(database_url, "--csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    expected = [{key: cell(value) for key, value in row.items()} for row in as_json]
    assert rows == expected


async def test_stats_chart_writes_a_phone_width_png_beside_the_json(
    store: SqlStore, database_url: str, tmp_path: Path
) -> None:
    chart = tmp_path / "chart.png"
    done = run_stats(database_url, "--json", "--chart", str(chart))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["open_backorder_lines"] == 3
    assert png_size(chart.read_bytes()) == (1080, 1350)


async def test_plain_stats_prints_a_table_naming_the_worst_product_first(
    store: SqlStore, database_url: str
) -> None:
    done = run_stats(database_url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "backordered lines       3 (8 units)" in done.stdout
    assert "overdue purchase orders 2" in done.stdout
    table = lines[lines.index(next(line for line in lines if line.startswith("By product"))) :]
    assert table[2].split()[0] == "GADGET"


async def test_json_and_csv_together_are_refused_in_one_line(database_url: str) -> None:
    done = run_stats(database_url, "--json", "--csv")
    assert done.returncode == 1
    assert done.stderr == "backorder-bot: error: argument --csv: not allowed with argument --json\n"
