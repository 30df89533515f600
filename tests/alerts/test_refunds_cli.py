"""`backorder-bot refunds` lists what is owed; `refunds paid ID` marks one paid as staff do."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot import cli
from storage.store import SqlStore
from tests.alerts.test_refund_overdue_e2e import BUYER, owe_refund
from tests.databases import use_database
from tests.notices import shop


@pytest.fixture
def shell(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line pointed at the test shop's database and frozen clock (Dec 2)."""
    use_database(monkeypatch, database_url)
    monkeypatch.setenv("BACKORDER_NOW", shop.NOW.isoformat())


async def shell_run(argv: list[str]) -> int:
    """The command line in its own thread and connection, as a second process would run it."""
    return await asyncio.to_thread(cli.main, argv)


async def test_refunds_lists_the_owed_refund_with_its_days_overdue_and_paid_marks_it_once(
    store: SqlStore, shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await shop.seed(store, [BUYER])
    refund_id = await owe_refund(store, "2026-11-30")

    listed = await shell_run(["refunds", "--json"])
    rows = json.loads(capsys.readouterr().out)
    paid = await shell_run(["refunds", "paid", str(refund_id)])
    first = capsys.readouterr().out
    again = await shell_run(["refunds", "paid", str(refund_id)])
    second = capsys.readouterr().out
    missing = await shell_run(["refunds", "paid", "999"])
    error = capsys.readouterr().err
    await shell_run(["refunds"])
    table = capsys.readouterr().out

    assert (listed, paid, again, missing) == (0, 0, 0, 1)
    assert rows == [
        {
            "id": refund_id,
            "order_id": "O-801",
            "customer_id": "C-801",
            "amount": "149.00",
            "currency": "EUR",
            "due_date": "2026-11-30",
            "days_overdue": 2,
        }
    ]
    assert first.strip() == f"refund {refund_id} (order O-801, 149.00 EUR) marked paid"
    assert "was already marked paid by cli" in second
    assert error.strip() == "backorder-bot: error: no refund 999"
    assert table.splitlines()[0] == "refunds owed: 0, overdue: 0"
    audit = await store.connection.execute_fetchall(
        "SELECT actor FROM audit_log WHERE action = 'refund.paid'"
    )
    assert [row[0] for row in audit] == ["cli"]
