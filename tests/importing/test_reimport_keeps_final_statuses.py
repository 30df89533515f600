"""A re-import never undoes a cancellation or a shipment, and says how many lines it kept."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.actions import Done
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import LineStatus
from bot.services.cancel import confirm_cancel
from storage.store import SqlStore
from tests.importing.conftest import BERLIN, NOW, Importer
from tests.importing.samples import ORDERS, PRODUCTS

RULES = EtaRules(calendar=BusinessCalendar(), default_handling_days=1)


async def statuses(store: SqlStore, order_id: str) -> list[LineStatus]:
    """The status of each line of an order."""
    order = await store.get_order(order_id)
    assert order is not None
    return [line.status for line in order.lines]


async def cancel_cup_line(store: SqlStore) -> None:
    """Ada cancels line 2 (the tea cup) of order 1001 in the chat."""
    state = await store.order_state("1001")
    assert state is not None
    result = await confirm_cancel(
        store,
        "C1",
        "1001",
        2,
        state.version,
        actor="telegram:1",
        now=NOW,
        timezone=BERLIN,
        rules=RULES,
        refund_days=14,
    )
    assert isinstance(result, Done)


async def test_reimporting_the_original_file_leaves_a_cancelled_line_cancelled_with_one_refund(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS)
    await cancel_cup_line(store)

    report = await run_import("orders", ORDERS)

    assert (report.rows, report.errors, report.kept_status) == (3, [], 1)
    assert await statuses(store, "1001") == [LineStatus.OPEN, LineStatus.CANCELLED]
    assert [(refund.line_no, refund.amount_minor) for refund in await store.refunds(["1001"])] == [
        (2, 800)
    ]
    etas = await store.line_etas(["1001"])
    assert ("1001", 2) not in etas


async def test_reimporting_a_shipped_line_as_open_keeps_it_shipped(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS.replace("CUP-1,1,8.00,EUR,open", "CUP-1,1,8.00,EUR,shipped"))

    report = await run_import("orders", ORDERS)

    assert report.kept_status == 1
    assert await statuses(store, "1001") == [LineStatus.OPEN, LineStatus.SHIPPED]


async def test_an_import_may_still_ship_or_cancel_an_open_line(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS)

    moved = ORDERS.replace("MUG-1,2,12.50,EUR,open", "MUG-1,2,12.50,EUR,shipped").replace(
        "CUP-1,1,8.00,EUR,open", "CUP-1,1,8.00,EUR,cancelled"
    )
    report = await run_import("orders", moved)

    assert (report.errors, report.kept_status) == ([], 0)
    assert await statuses(store, "1001") == [LineStatus.SHIPPED, LineStatus.CANCELLED]


async def test_a_file_that_agrees_with_the_final_statuses_has_nothing_to_note(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    shipped = ORDERS.replace("CUP-1,1,8.00,EUR,open", "CUP-1,1,8.00,EUR,shipped")
    await run_import("orders", shipped)

    report = await run_import("orders", shipped)

    assert report.kept_status == 0


def test_the_cli_notes_how_many_lines_kept_their_status_and_still_succeeds(
    cli_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    products, orders, shipped = (tmp_path / name for name in ("p.csv", "o.csv", "s.csv"))
    products.write_text(PRODUCTS, encoding="utf-8")
    shipped.write_text(
        ORDERS.replace("CUP-1,1,8.00,EUR,open", "CUP-1,1,8.00,EUR,shipped"), encoding="utf-8"
    )
    orders.write_text(ORDERS, encoding="utf-8")
    assert main(["import", "products", str(products)]) == 0
    assert main(["import", "orders", str(shipped)]) == 0
    capsys.readouterr()

    assert main(["import", "orders", str(orders)]) == 0

    assert capsys.readouterr().out.splitlines() == [
        f"{orders}: imported 3 rows of orders",
        f"{orders}: note: kept the shipped or cancelled status of 1 line",
    ]


async def test_the_store_itself_never_reopens_a_cancelled_line(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS)
    await cancel_cup_line(store)
    order = await store.get_order("1001")
    customer = await store.get_customer("C1")
    assert order is not None and customer is not None
    reopened = replace(
        order, lines=tuple(replace(line, status=LineStatus.OPEN) for line in order.lines)
    )

    await store.upsert_orders([customer], [reopened], actor="cli", at=NOW)

    assert await statuses(store, "1001") == [LineStatus.OPEN, LineStatus.CANCELLED]
