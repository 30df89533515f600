"""`backorder-bot backup FILE`: a consistent copy of the database while the bot writes to it."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.model import Product
from storage.store import SqlStore, open_store

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shop's database, chosen by BACKORDER_DB, with no .env in the way."""
    path = tmp_path / "shop.sqlite3"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKORDER_DB", str(path))
    return path


def skus_in(path: Path) -> set[str]:
    """The SKUs a database file holds, read the way a restore would open it."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {row[0] for row in conn.execute("SELECT sku FROM products")}


async def add_products(store: SqlStore, count: int) -> None:
    """Products SKU-00000 .. SKU-<count - 1>."""
    products = [Product(f"SKU-{n:05d}", f"Product {n}", 100 + n, "USD", 1) for n in range(count)]
    await store.upsert_products(products, actor="test", at=AT)


async def test_a_backup_taken_while_the_bot_writes_opens_and_holds_every_committed_row(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = await open_store(db_path)
    try:
        await add_products(store, 500)
        copy = tmp_path / "backups" / "shop-copy.sqlite3"
        copy.parent.mkdir()
        writes_done = asyncio.Event()

        async def keep_writing() -> int:
            written = 0
            while not writes_done.is_set():
                product = Product(f"LIVE-{written:05d}", "Live", 1, "USD", on_hand=1)
                await store.upsert_products([product], actor="test", at=AT)
                written += 1
                await asyncio.sleep(0)
            return written

        writer = asyncio.create_task(keep_writing())
        await asyncio.sleep(0.05)
        code = await asyncio.to_thread(main, ["backup", str(copy)])
        writes_done.set()
        written = await writer
    finally:
        await store.close()

    copied = skus_in(copy)
    live = {sku for sku in copied if sku.startswith("LIVE-")}
    assert code == 0
    assert f"{copy}: backed up" in capsys.readouterr().out
    assert {f"SKU-{n:05d}" for n in range(500)} <= copied
    # One moment's snapshot: a prefix of the writer's rows, none torn out of the middle.
    assert live == {f"LIVE-{n:05d}" for n in range(len(live))}
    assert 0 < len(live) <= written
    assert not list(copy.parent.glob("*.partial"))


async def test_a_plain_file_copy_of_the_running_database_misses_what_the_backup_keeps(
    db_path: Path, tmp_path: Path
) -> None:
    store = await open_store(db_path)
    try:
        await add_products(store, 20)
        shutil.copyfile(db_path, tmp_path / "cp.sqlite3")
        assert await asyncio.to_thread(main, ["backup", str(tmp_path / "backup.sqlite3")]) == 0
    finally:
        await store.close()

    assert len(skus_in(tmp_path / "backup.sqlite3")) == 20
    with sqlite3.connect(tmp_path / "cp.sqlite3") as conn:
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    # The committed rows still sat in the write-ahead log, which a file copy leaves behind.
    assert tables == (0,)


def test_backing_up_a_database_that_does_not_exist_says_so(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", str(tmp_path / "copy.sqlite3")]) == 1

    assert f"there is no database at {db_path}" in capsys.readouterr().err
    assert not (tmp_path / "copy.sqlite3").exists()
