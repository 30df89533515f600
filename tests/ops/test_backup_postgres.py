"""`backorder-bot backup FILE` on PostgreSQL prints the pg_dump command and writes nothing."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from storage.store import open_store
from tests.databases import use_database
from tests.sql import execute

SECRET = "pa55-w0rd"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://bot:{SECRET}@db.example:5433/shop",
        # libpq also takes the password as a query parameter.
        f"postgresql://bot@db.example:5433/shop?password={SECRET}",
    ],
)
def test_on_postgresql_backup_prints_pg_dump_without_the_password_and_writes_nothing(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKORDER_DATABASE_URL", url)
    target = tmp_path / "shop backup.dump"

    assert main(["backup", str(target)]) == 0

    out = capsys.readouterr().out
    assert SECRET not in out
    assert f"pg_dump --format=custom '--file={target}' postgresql://bot@db.example:5433/shop" in out
    assert "PGPASSWORD" in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgresql
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
async def test_the_printed_pg_dump_command_backs_up_the_database(
    new_postgres_database: Callable[[str], str],
    postgres_template: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database_url = new_postgres_database(postgres_template)
    store = await open_store(database_url)
    try:
        await execute(store, "INSERT INTO settings VALUES ('greeting', 'hello')")
    finally:
        await store.close()
    monkeypatch.chdir(tmp_path)
    use_database(monkeypatch, database_url)
    target = tmp_path / "shop.dump"

    assert main(["backup", str(target)]) == 0
    (command,) = [
        line.strip()
        for line in capsys.readouterr().out.splitlines()
        if line.strip().startswith("pg_dump ")
    ]
    subprocess.run(shlex.split(command), check=True, capture_output=True)

    listed = subprocess.run(
        ["pg_restore", "--list", str(target)], check=True, capture_output=True, text=True
    ).stdout
    assert "TABLE DATA public settings" in listed
    assert "TABLE DATA public alembic_version" in listed
