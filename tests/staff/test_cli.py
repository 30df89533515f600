"""`backorder-bot po` and `stock` from a shell: the same staff change, audited as `cli`."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot import cli
from bot.domain.model import Jurisdiction
from storage.schema import metadata
from storage.store import SqlStore
from tests.databases import use_database
from tests.notices import shop
from tests.sql import execute, fetch_all, fetch_one

BUYERS = [
    shop.Buyer(701),
    shop.Buyer(702, language="de", jurisdiction=Jurisdiction.EU),
    shop.Buyer(703, language="fr"),
]


@pytest.fixture
def shell(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line pointed at the test shop's database and frozen clock."""
    use_database(monkeypatch, database_url)
    monkeypatch.setenv("BACKORDER_NOW", shop.NOW.isoformat())


async def shell_run(argv: list[str]) -> int:
    """The command line in its own thread and connection, as a second process would run it."""
    return await asyncio.to_thread(cli.main, argv)


async def outbox_texts(store: SqlStore) -> dict[int, list[str]]:
    """Queued outbox texts by chat."""
    rows = await fetch_all(store, "SELECT chat_id, text FROM outbox ORDER BY id")
    texts: dict[int, list[str]] = {}
    for row in rows:
        texts.setdefault(int(row.chat_id), []).append(str(row.text))
    return texts


async def dump(store: SqlStore) -> list[str]:
    """Every row of the database as text, to show nothing changed."""
    lines: list[str] = []
    for table in metadata.sorted_tables:
        rows = await fetch_all(store, f"SELECT * FROM {table.name}")
        lines += sorted(f"{table.name}: {tuple(row)!r}" for row in rows)
    return lines


async def test_po_moved_later_from_the_shell_queues_each_customers_delay_notice_in_their_language(
    store: SqlStore, shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await shop.seed(store, BUYERS)
    code = await shell_run(["po", "PO-1", "--expected-date", "2026-12-28"])
    out = capsys.readouterr().out
    assert code == 0
    summary = out.splitlines()[0]
    assert summary.startswith("PO-1 moved to 2026-12-28: 3 customers, 3 orders later;")
    assert "3 delay notices queued" in summary
    texts = await outbox_texts(store)
    assert "Order O-701 is delayed" in texts[701][0]
    assert "Bestellung O-702 verzögert sich" in texts[702][0]
    assert "La commande O-703 est retardée" in texts[703][0]
    (entry,) = [e for e in await store.audit_entries("purchase_order:PO-1") if e.actor == "cli"]
    assert entry.action == "purchase_order.update"
    assert json.loads(entry.before or "{}")["expected_date"] == "2026-12-14"
    assert json.loads(entry.after or "{}")["expected_date"] == "2026-12-28"


async def test_po_json_lists_the_purchase_order_and_the_lines_waiting_on_it(
    store: SqlStore, shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await shop.seed(store, BUYERS)
    assert await shell_run(["po", "PO-1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["po_id"] == "PO-1" and shown["sku"] == "CHAIR"
    assert shown["remaining_quantity"] == 10_000 and shown["overdue"] is False
    assert shown["customers_waiting"] == 3 and shown["lines_waiting"] == 3
    assert {line["order_id"] for line in shown["waiting_lines"]} == {"O-701", "O-702", "O-703"}


async def test_stock_from_the_shell_makes_the_orders_ready_and_tells_the_customers(
    store: SqlStore, shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await shop.seed(store, BUYERS)
    assert await shell_run(["stock", "CHAIR", "5"]) == 0
    summary = capsys.readouterr().out.strip()
    assert summary.startswith("CHAIR on hand set to 5 (was 0): 3 customers, 3 orders")
    assert "3 ready-to-ship notices queued" in summary
    texts = await outbox_texts(store)
    assert "is in stock" in texts[701][0]
    (entry,) = [e for e in await store.audit_entries("product:CHAIR") if e.actor == "cli"]
    assert entry.action == "product.on_hand"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["po", "PO-404"], "no purchase order 'PO-404'"),
        (["po", "PO-404", "--status", "planned"], "no purchase order 'PO-404'"),
        (["po", "PO-1", "--expected-date", "2026-11-01"], "the date is in the past"),
        (["po", "PO-1", "--received", "10001"], "more than ordered: at most 10,000 units"),
        (["po", "PO-1", "--received", "-1"], "must not be negative"),
        (["stock", "NOPE", "3"], "no product 'NOPE'"),
        (["stock", "CHAIR", "-3"], "must not be negative"),
        (["stock", "CHAIR", "1000000001"], "must not exceed 1,000,000,000"),
    ],
)
async def test_bad_input_from_the_shell_is_refused_on_stderr_and_changes_nothing(
    store: SqlStore,
    shell: None,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    await shop.seed(store, BUYERS)
    before = await dump(store)
    assert await shell_run(argv) == 1
    assert message in capsys.readouterr().err
    assert await dump(store) == before


@pytest.mark.parametrize(
    ("argv", "value"),
    [
        (["po", "PO-1", "--expected-date", "12/24/2026"], "'12/24/2026'"),
        (["po", "PO-1", "--expected-date", "2026-13-01"], "'2026-13-01'"),
        (["po", "PO-1", "--received", "abc"], "'abc'"),
        (["po", "PO-1", "--status", "shipped"], "'shipped'"),
        (["stock", "CHAIR", "1.5"], "'1.5'"),
        (["broadcast", "show", "abc"], "'abc'"),
        (["broadcast", "send", "--all", "--sku", "CHAIR", "--text", "en=x.txt"], "--sku"),
        (
            ["broadcast", "send", "--all", "--template", "stock_arrived", "--text", "en=x.txt"],
            "--text",
        ),
        (["broadcast", "send", "--all", "--text", "x.txt"], "'x.txt'"),
    ],
)
async def test_a_bad_value_from_the_shell_is_one_line_naming_it_exit_1_and_changes_nothing(
    store: SqlStore,
    shell: None,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    value: str,
) -> None:
    await shop.seed(store, BUYERS)
    before = await dump(store)
    try:
        code = await shell_run(argv)
    except SystemExit as exc:
        code = int(str(exc.code))
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert captured.err.startswith("backorder-bot: error: ") and value in captured.err
    assert captured.err.count("\n") == 1
    assert await dump(store) == before


async def test_a_cancelled_purchase_order_cannot_be_changed_from_the_shell(
    store: SqlStore, shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await shop.seed(store, BUYERS)
    assert await shell_run(["po", "PO-1", "--status", "cancelled"]) == 0
    capsys.readouterr()
    before = await dump(store)
    assert await shell_run(["po", "PO-1", "--expected-date", "2026-12-20"]) == 1
    assert "is cancelled and cannot be changed" in capsys.readouterr().err
    assert await dump(store) == before


async def test_a_cancelled_purchase_order_shows_nothing_to_come_in_the_shell(
    store: SqlStore, shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await shop.seed(store, BUYERS)
    assert await shell_run(["po", "PO-1", "--status", "cancelled"]) == 0
    capsys.readouterr()
    assert await shell_run(["po", "PO-1"]) == 0
    out = capsys.readouterr().out
    assert "Quantity: 10,000 ordered, 0 received, 0 to come (cancelled)" in out
    assert await shell_run(["po", "PO-1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["remaining_quantity"] == 0


async def test_the_waiting_lines_of_a_purchase_order_are_aligned_in_columns(
    store: SqlStore, shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await shop.seed(store, BUYERS)
    assert await shell_run(["po", "PO-1"]) == 0
    table = capsys.readouterr().out.split("\n\n", 1)[1].splitlines()
    header, *rows = table
    assert header.split() == ["order", "line", "customer", "qty"]
    assert len(rows) == 3
    for word in ("line", "customer", "qty"):
        column = header.index(word)
        assert all(row[column - 2 : column] == "  " and row[column] != " " for row in rows)


async def test_a_purchase_order_or_sku_typed_in_lower_case_is_found_from_the_shell(
    store: SqlStore, shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await shop.seed(store, BUYERS)
    assert await shell_run(["po", "po-1"]) == 0
    assert capsys.readouterr().out.startswith("Purchase order PO-1: CHAIR")
    assert await shell_run(["po", "po-1", "--expected-date", "2026-12-28"]) == 0
    assert capsys.readouterr().out.startswith("PO-1 ")
    assert await shell_run(["stock", "chair", "5"]) == 0
    assert capsys.readouterr().out.startswith("CHAIR on hand set to 5 (was 0)")


async def test_an_exact_match_wins_and_an_ambiguous_case_insensitive_one_finds_nothing(
    store: SqlStore,
) -> None:
    await shop.seed(store, BUYERS)
    chair = await fetch_one(store, "SELECT * FROM products WHERE sku = 'CHAIR'")
    assert chair is not None
    copy = dict(chair._mapping) | {"sku": "Chair"}
    await execute(
        store,
        f"INSERT INTO products ({', '.join(copy)}) VALUES ({', '.join(':' + key for key in copy)})",
        **copy,
    )
    assert await store.find_sku("CHAIR") == "CHAIR"
    assert await store.find_sku("Chair") == "Chair"
    assert await store.find_sku("chair") is None
    assert await store.find_purchase_order_id("Po-1") == "PO-1"
    assert await store.find_purchase_order_id("PO-404") is None


@pytest.mark.parametrize(
    "argv", [["po", "PO-1", "--received", "5"], ["stock", "CHAIR", "5"]], ids=["receipt", "stock"]
)
async def test_a_receipt_and_a_stock_change_with_the_same_effect_both_count_notices_no_chat_reaches(
    store: SqlStore, shell: None, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    await shop.seed(store, BUYERS)
    await execute(store, "DELETE FROM chat_links WHERE customer_id = 'C-701'")
    assert await shell_run(argv) == 0
    summary = capsys.readouterr().out
    assert "3 customers, 3 orders (3 earlier, 3 now ready)" in summary
    assert "2 ready-to-ship notices queued, 1 notice with no chat to reach" in summary
