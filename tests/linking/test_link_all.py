"""`backorder-bot link --all [--csv]`: a working deep link for each customer with an open order."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.domain.model import Customer, LineStatus, Order, OrderLine
from bot.services.linking import Linked, link_by_token
from storage.store import SqlStore
from tests.databases import database_settings, use_database
from tests.linking.conftest import NOW


@pytest.fixture
async def shop(
    store: SqlStore, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Alice and Bob (one open order each), Cid (two open), Dee (only a shipped order)."""
    customers = [
        Customer("C-CID", "Cid, Jr.", email="cid@example.com"),
        Customer("C-DEE", "Dee", email="dee@example.com"),
    ]
    orders = [
        Order("3003", "C-CID", NOW - timedelta(days=3), "EUR", lines=(_lamp("3003"),)),
        Order("3004", "C-CID", NOW - timedelta(days=1), "EUR", lines=(_lamp("3004"),)),
        Order("4004", "C-DEE", NOW, "EUR", lines=(_lamp("4004", LineStatus.SHIPPED),)),
    ]
    await store.upsert_orders(customers, orders, actor="test", at=NOW)
    monkeypatch.chdir(tmp_path)
    use_database(monkeypatch, database_url)
    monkeypatch.setenv("BACKORDER_LINK_SECRET", "test-secret")
    monkeypatch.setenv("BACKORDER_NOW", NOW.isoformat())
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    return database_settings(database_url, link_secret="test-secret")


def _lamp(order_id: str, status: LineStatus = LineStatus.OPEN) -> OrderLine:
    return OrderLine(order_id, 1, "LAMP", 1, 2999, status=status)


async def test_the_csv_has_a_header_and_one_working_link_per_customer_with_an_open_order(
    store: SqlStore, shop: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await store.set_setting("bot_username", "shop_bot")

    assert await asyncio.to_thread(main, ["link", "--all", "--csv"]) == 0

    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["customer_id"], r["name"], r["email"], r["order_id"]) for r in rows] == [
        ("C-ALICE", "Alice", "Alice@Example.com", "1001"),
        ("C-BOB", "Bob", "bob@example.com", "2002"),
        ("C-CID", "Cid, Jr.", "cid@example.com", "3004"),
    ]
    for chat_id, row in enumerate(rows, start=500):
        assert row["deep_link"].startswith("https://t.me/shop_bot?start=")
        token = row["deep_link"].partition("?start=")[2]
        linked = await link_by_token(store, shop, chat_id, token, now=NOW)
        assert linked == Linked(row["customer_id"], row["order_id"])


async def test_a_name_a_spreadsheet_would_run_as_a_formula_stays_text_in_the_csv(
    store: SqlStore, shop: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    mallory = Customer("C-EVE", '=HYPERLINK("http://x.example")', email="eve@example.com")
    order = Order("5005", "C-EVE", NOW, "EUR", lines=(_lamp("5005"),))
    await store.upsert_orders([mallory], [order], actor="test", at=NOW)
    await store.set_setting("bot_username", "shop_bot")

    assert await asyncio.to_thread(main, ["link", "--all", "--csv"]) == 0

    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    (eve,) = [row for row in rows if row["customer_id"] == "C-EVE"]
    assert eve["name"] == '\'=HYPERLINK("http://x.example")'


async def test_the_plain_listing_has_one_line_per_customer_ending_in_the_link(
    store: SqlStore, shop: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await store.set_setting("bot_username", "shop_bot")

    assert await asyncio.to_thread(main, ["link", "--all"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:4] for line in lines] == [
        ["C-ALICE", "Alice", "Alice@Example.com", "1001"],
        ["C-BOB", "Bob", "bob@example.com", "2002"],
        ["C-CID", "Cid, Jr.", "cid@example.com", "3004"],
    ]
    assert all(line.split("\t")[4].startswith("https://t.me/shop_bot?start=") for line in lines)


async def test_without_the_bots_username_link_all_fails_like_link(
    shop: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await asyncio.to_thread(main, ["link", "1001"]) == 1
    single = capsys.readouterr().err
    assert await asyncio.to_thread(main, ["link", "--all", "--csv"]) == 1
    every = capsys.readouterr()

    assert every.err == single
    assert "username is unknown" in every.err and every.out == ""


@pytest.mark.parametrize("argv", [["link"], ["link", "1001", "--all"], ["link", "1001", "--csv"]])
def test_link_needs_an_order_or_all_and_csv_only_goes_with_all(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)

    assert exit_info.value.code == 2
    assert "ORDER_ID or --all" in capsys.readouterr().err


async def test_a_customer_whose_order_id_is_longer_than_a_start_payload_gets_a_link_too(
    store: SqlStore, shop: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    long_id = "gid://shopify/Order/" + "7" * 49
    await store.upsert_orders(
        [Customer("C-EVE", "Eve", email="eve@example.com")],
        [Order(long_id, "C-EVE", NOW, "EUR", lines=(_lamp(long_id),))],
        actor="test",
        at=NOW,
    )
    await store.set_setting("bot_username", "shop_bot")

    assert await asyncio.to_thread(main, ["link", "--all", "--csv"]) == 0

    rows = {r["customer_id"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert sorted(rows) == ["C-ALICE", "C-BOB", "C-CID", "C-EVE"]
    token = rows["C-EVE"]["deep_link"].partition("?start=")[2]
    assert len(token) <= 64
    assert await link_by_token(store, shop, 600, token, now=NOW) == Linked("C-EVE", long_id)


async def test_an_order_that_cannot_be_linked_costs_no_other_customer_their_link(
    store: SqlStore, shop: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await store.set_setting("bot_username", "shop_bot")
    # Why: a 48-bit handle clash cannot be found in a test's time, so the stored handle is forced.
    await store.connection.execute(
        "UPDATE orders SET link_handle = (SELECT link_handle FROM orders WHERE order_id = '1001')"
        " WHERE order_id = '4004'"
    )

    assert await asyncio.to_thread(main, ["link", "--all"]) == 1

    out = capsys.readouterr()
    assert [line.split("\t")[0] for line in out.out.splitlines()] == ["C-BOB", "C-CID"]
    assert "C-ALICE" in out.err and "'1001'" in out.err


async def test_a_name_with_a_tab_or_line_break_keeps_its_customer_on_one_line(
    store: SqlStore, shop: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await store.upsert_orders(
        [Customer("C-ALICE", "Alice\tof\nAccounts", email="Alice@Example.com")],
        [],
        actor="test",
        at=NOW,
    )
    await store.set_setting("bot_username", "shop_bot")

    assert await asyncio.to_thread(main, ["link", "--all"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[:2] == ["C-ALICE", "Alice of Accounts"]
    assert len(lines) == 3 and all(len(line.split("\t")) == 5 for line in lines)


async def test_link_prints_a_working_link_for_an_order_id_longer_than_a_start_payload(
    store: SqlStore, shop: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    long_id = "gid://shopify/Order/" + "8" * 49
    await store.upsert_orders(
        [], [Order(long_id, "C-BOB", NOW, "EUR", lines=(_lamp(long_id),))], actor="test", at=NOW
    )
    await store.set_setting("bot_username", "shop_bot")

    assert await asyncio.to_thread(main, ["link", long_id]) == 0

    token = capsys.readouterr().out.strip().partition("?start=")[2]
    assert len(token) <= 64
    assert await link_by_token(store, shop, 601, token, now=NOW) == Linked("C-BOB", long_id)
