"""`backorder-bot events --since ID [--json]`: the shop reads the feed after its last id."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from storage.store import open_store
from tests.databases import use_database
from tests.events.conftest import add_events


@pytest.fixture
def shop_db(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database the CLI will open, with no .env around to interfere."""
    monkeypatch.chdir(tmp_path)
    use_database(monkeypatch, database_url)
    return database_url


def record_events(path: str, count: int) -> list[int]:
    """Add events to the file the CLI reads."""

    async def record() -> list[int]:
        store = await open_store(path)
        try:
            return await add_events(store, count)
        finally:
            await store.close()

    return asyncio.run(record())


def test_json_lists_each_event_after_the_given_id_as_one_line_in_id_order(
    shop_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = record_events(shop_db, 5)

    assert main(["events", "--since", str(ids[1]), "--json"]) == 0

    lines = capsys.readouterr().out.splitlines()
    events = [json.loads(line) for line in lines]
    assert [event["id"] for event in events] == ids[2:]
    assert set(events[0]) == {"id", "type", "order_id", "created_at", "payload"}
    assert events[0]["type"] == "order.cancelled"
    assert events[0]["order_id"] == "1002"
    assert events[0]["payload"] == {"line_no": 1, "amount_minor": 200, "note": "Größe ✓"}
    assert events[0]["created_at"] == "2026-12-02T09:02:00+00:00"


def test_without_since_every_event_is_listed(
    shop_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = record_events(shop_db, 3)

    assert main(["events", "--json"]) == 0

    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == ids


def test_the_readable_table_shows_a_heading_and_one_row_per_event(
    shop_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = record_events(shop_db, 2)

    assert main(["events", "--since", "0"]) == 0

    heading, *rows = capsys.readouterr().out.splitlines()
    assert heading.split() == ["id", "created_at", "type", "order_id", "payload"]
    assert len(rows) == 2
    assert rows[1].split()[:4] == [str(ids[1]), "2026-12-02T09:01:00+00:00", "refund.due", "1001"]
    assert '"amount_minor": 100' in rows[1]


def test_no_new_events_is_not_an_error(shop_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    ids = record_events(shop_db, 2)

    assert main(["events", "--since", str(ids[-1]), "--json"]) == 0
    assert capsys.readouterr().out == ""


def test_a_long_feed_is_listed_completely_across_pages(
    shop_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = record_events(shop_db, 2_345)

    assert main(["events", "--json"]) == 0

    listed = [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()]
    assert listed == ids
