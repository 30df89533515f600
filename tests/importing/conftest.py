"""Fixtures for import tests: a real store, a CSV writer and a table dump."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.services.importing import ImportReport, import_csv
from storage.store import SqlStore, open_store
from tests.databases import use_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
BERLIN = ZoneInfo("Europe/Berlin")

Importer = Callable[[str, str | bytes], Awaitable[ImportReport]]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """An open, migrated store on the test's database."""
    opened = await open_store(database_url)
    yield opened
    await opened.close()


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A working directory with its own database; returns the database (path or URL)."""
    monkeypatch.chdir(tmp_path)
    database = database_url
    use_database(monkeypatch, database)
    monkeypatch.setenv("BACKORDER_NOW", "2026-03-02T09:00:00+00:00")
    return database


@pytest.fixture
def csv_path(tmp_path: Path) -> Path:
    """Where the CSV under test is written."""
    return tmp_path / "input.csv"


@pytest.fixture
def run_import(store: SqlStore, csv_path: Path) -> Importer:
    """Write CSV content to `csv_path` and import it as KIND."""

    async def run(kind: str, content: str | bytes) -> ImportReport:
        data = content.encode("utf-8") if isinstance(content, str) else content
        csv_path.write_bytes(data)
        return await import_csv(
            store,
            kind,
            csv_path,
            timezone=BERLIN,
            rules=EtaRules(calendar=BusinessCalendar(), default_handling_days=1),
            now=NOW,
            actor="cli",
        )

    return run


async def dump(store: SqlStore) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, for before/after comparisons."""
    conn = store.connection
    async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
        tables = [row[0] for row in await cursor.fetchall()]
    contents = {}
    for table in sorted(tables):
        async with conn.execute(f"SELECT * FROM {table}") as cursor:
            contents[table] = sorted(tuple(row) for row in await cursor.fetchall())
    return contents
