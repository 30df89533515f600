"""`backorder-bot outbox`: staff see the counts and which customers blocked the bot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.model import Customer
from bot.domain.outbox import Delivery, OutgoingMessage
from storage.store import open_store
from tests.databases import use_database
from tests.outbox.conftest import NOW


async def queue_some(db_path: str) -> None:
    store = await open_store(db_path)
    try:
        await store.upsert_orders([Customer("C-7", "Ada Lovelace")], [], actor="test", at=NOW)
        await store.link_chat(501, "C-7", via="deep_link", actor="test", at=NOW)
        await store.enqueue_messages(
            [OutgoingMessage(f"m{n}", 501 if n < 2 else 502, f"text {n}") for n in range(4)],
            now=NOW,
        )
        rows = await store.due_messages(now=NOW, after_id=0, limit=10)
        await store.mark_sent([Delivery(rows[-1].row_id, 9)], at=NOW)
        await store.mark_chat_unreachable(
            501, reason="Forbidden: bot was blocked by the user", at=NOW
        )
    finally:
        await store.close()


@pytest.fixture
async def db_path(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = database_url
    await queue_some(path)
    use_database(monkeypatch, path)
    monkeypatch.chdir(tmp_path)
    return path


def test_outbox_json_counts_each_state_and_names_the_blocked_customer(
    db_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert {key: shown[key] for key in ("pending", "held", "sent", "failed")} == {
        "pending": 1,
        "held": 2,
        "sent": 1,
        "failed": 0,
    }
    assert shown["undelivered_notices"] == []
    (chat,) = shown["unreachable"]
    assert (chat["chat_id"], chat["customer_id"], chat["customer_name"], chat["held"]) == (
        501,
        "C-7",
        "Ada Lovelace",
        2,
    )


def test_outbox_text_lists_the_unreachable_chat_for_staff(
    db_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox"]) == 0
    out = capsys.readouterr().out
    assert "held (unreachable chats): 2" in out
    assert "chat 501  customer C-7 (Ada Lovelace)" in out
    assert "undelivered notices: 0" in out
