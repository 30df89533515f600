"""Peak memory and time of `backorder-bot import orders` on 1,000,000 order lines (goal < 500 MiB).

Each import runs in a fresh child process (the honest figure: its own peak resident memory,
`ru_maxrss`), against a database that already holds the products. Three files: one good, the same
with one bad row at the end (nothing may change), and one where every row is bad (the errors
printed must stay capped).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

NAME = "import_memory"
FULL_LINES = 1_000_000
GOAL_RSS_MIB = 500.0
SKUS = 20_000
NOW = "2026-12-02T09:00:00+00:00"
ORDER_COLUMNS = (
    "order_id,line_no,customer_id,customer_name,customer_email,customer_phone,"
    "customer_language,placed_at,sku,quantity,unit_price,currency,status\n"
)
LANGUAGES = ("en", "de", "es", "fr", "ru")


def _write_products(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("sku,name,category,price,currency,on_hand,lead_time_days\n")
        for number in range(SKUS):
            out.write(f"SKU-{number:06d},Product {number},cat-{number % 25},19.99,EUR,")
            out.write(f"{number % 7},{7 + number % 50}\n")


def _order_row(line: int, lines: int, *, bad: bool = False) -> str:
    orders = max(1, lines * 2 // 5)
    customers = max(1, lines // 10)
    order = line * orders // lines
    first_of_order = -(-order * lines // orders)
    customer = order * 7919 % customers
    placed = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(seconds=order * 17 % 7_776_000)
    sku = (line * 2_654_435_761) % SKUS
    quantity = "x" if bad else str(1 + line % 5)
    return (
        f"O{order:07d},{line - first_of_order + 1},C{customer:06d},Customer {customer},"
        f"c{customer}@example.com,+4917{customer:08d},{LANGUAGES[customer % 5]},"
        f"{placed.isoformat()},SKU-{sku:06d},{quantity},19.99,EUR,open\n"
    )


def _write_orders(path: Path, lines: int, *, bad_at: set[int]) -> None:
    """Orders of `lines` rows (400 orders and 100 customers per 1,000); rows in `bad_at` are bad."""
    with path.open("w", encoding="utf-8") as out:
        out.write(ORDER_COLUMNS)
        for line in range(lines):
            out.write(_order_row(line, lines, bad=line in bad_at))


def _write_all_bad(path: Path, lines: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(ORDER_COLUMNS)
        for line in range(lines):
            out.write(_order_row(line, lines, bad=True))


def _import(kind: str, csv: Path, database: Path, folder: Path) -> dict[str, object]:
    """Run one import in a child process; its exit code, peak RSS, time and stderr line count."""
    figures = folder / "figures.json"
    errors = folder / "stderr.txt"
    env = {**os.environ, "BACKORDER_DB": str(database), "BACKORDER_NOW": NOW}
    with errors.open("w", encoding="utf-8") as err:
        subprocess.run(
            [sys.executable, "-m", "bench.import_memory", kind, str(csv), str(figures)],
            check=True,
            cwd=Path(__file__).parents[1],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    result: dict[str, object] = json.loads(figures.read_text(encoding="utf-8"))
    with errors.open(encoding="utf-8") as err:
        result["stderr_lines"] = sum(1 for _ in err)
    result["stderr_bytes"] = errors.stat().st_size
    return result


def run(scale: float = 1.0) -> dict[str, object]:
    """Generate the files, import each in a child process and return the figures."""
    lines = max(1_000, round(FULL_LINES * scale))
    with tempfile.TemporaryDirectory(prefix="bench-import-") as name:
        folder = Path(name)
        database = folder / "shop.sqlite3"
        products, good, bad_end, all_bad = (
            folder / f"{stem}.csv" for stem in ("products", "good", "bad_end", "all_bad")
        )
        _write_products(products)
        _write_orders(good, lines, bad_at=set())
        _write_orders(bad_end, lines, bad_at={lines - 1})
        _write_all_bad(all_bad, lines)
        _import("products", products, database, folder)
        bad_end_figures = _import("orders", bad_end, database, folder)
        good_figures = _import("orders", good, database, folder)
        all_bad_figures = _import("orders", all_bad, database, folder)
        file_mib = good.stat().st_size / 2**20
    peak = float(str(good_figures["peak_rss_mib"]))
    return {
        "benchmark": NAME,
        "order_lines": lines,
        "file_mib": round(file_mib, 1),
        "good_file": good_figures,
        "bad_row_at_end": bad_end_figures,
        "every_row_bad": all_bad_figures,
        "goal": f"peak RSS < {GOAL_RSS_MIB:.0f} MiB; errors capped at 100 lines and a count",
        "goal_met": peak < GOAL_RSS_MIB
        and float(str(bad_end_figures["peak_rss_mib"])) < GOAL_RSS_MIB
        and int(str(all_bad_figures["stderr_lines"])) <= 102,
    }


def _child(kind: str, csv: str, figures: str) -> None:
    """Run the real command line in this process and write its figures to `figures`."""
    from bot.cli import main

    started = time.perf_counter()
    code = main(["import", kind, csv])
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(figures).write_text(
        json.dumps({"exit_code": code, "seconds": round(seconds, 2), "peak_rss_mib": round(peak)}),
        encoding="utf-8",
    )


if __name__ == "__main__":
    _child(*sys.argv[1:4])
