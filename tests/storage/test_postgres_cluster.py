"""The throwaway cluster of `make test`: serves on localhost, tuned for tests, leaves nothing."""

from __future__ import annotations

import subprocess
import sys

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.postgres_cluster import find_bindir, masked, start, stop

# Why: these start servers of their own; `make test-sqlite` (no PostgreSQL here) leaves them out.
needs_binaries = pytest.mark.skipif(find_bindir() is None, reason="no PostgreSQL binaries here")


@pytest.mark.postgresql
@needs_binaries
async def test_a_started_cluster_answers_on_localhost_and_stop_deletes_its_folder() -> None:
    cluster = start()
    try:
        assert cluster.url.startswith("postgresql://postgres@127.0.0.1:")
        connection = await asyncpg.connect(cluster.url)
        try:
            assert await connection.fetchval("SHOW fsync") == "off"
            assert int(await connection.fetchval("SHOW max_connections")) >= 200
        finally:
            await connection.close()
    finally:
        stop(cluster.folder)

    assert not cluster.folder.exists()
    with pytest.raises((OSError, asyncpg.PostgresError)):
        await asyncpg.connect(cluster.url, timeout=5)


@pytest.mark.postgresql
@needs_binaries
def test_run_gives_the_command_the_server_and_passes_on_its_exit_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BACKORDER_TEST_POSTGRES_URL", raising=False)
    probe = (
        "import asyncio, os, sys, asyncpg\n"
        "async def main():\n"
        "    c = await asyncpg.connect(os.environ['BACKORDER_TEST_POSTGRES_URL'])\n"
        "    await c.close()\n"
        "asyncio.run(main())\n"
        "sys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.postgres_cluster", "run", "--", sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 3, done.stderr
    assert "stopped" in done.stderr


def test_a_password_in_a_server_url_is_never_printed() -> None:
    shown = masked("postgresql://admin:s3cret@db.example:5433/postgres")

    assert "s3cret" not in shown
    assert shown == "postgresql://admin:***@db.example:5433/postgres"
