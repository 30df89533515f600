"""One `backorder-bot run` per database.

SQLite: an OS lock on a file beside the database. PostgreSQL: several instances may run on one
database (DESIGN §13); they elect a leader with an advisory lock (storage/leader_lock.py), so
nothing is held here.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.database import database_url


class DatabaseInUse(Exception):
    """Another process holds the database's run lock (its pid or name, when it could be read)."""

    def __init__(self, database: Path | str, holder: int | str | None) -> None:
        who = (
            f"another backorder-bot run ({'pid ' if isinstance(holder, int) else ''}{holder})"
            if holder
            else "another backorder-bot run"
        )
        kind = "SQLite database" if isinstance(database, Path) else "PostgreSQL database"
        super().__init__(f"{who} is using {database}; run one bot per {kind}")
        self.pid = holder if isinstance(holder, int) else None


def lock_path(db_path: Path) -> Path:
    """The lock file beside the database file itself ('<db>-run.lock'), symlinks followed.

    Why resolved: a second path to the same database (a symlink, `..`) must meet the same lock.
    """
    real = db_path.resolve()
    return real.with_name(f"{real.name}-run.lock")


@contextmanager
def exclusive_run(target: Path | str) -> Iterator[None]:
    """Hold the run lock of the database at `target` for the block (a SQLite path or a URL).

    Raises DatabaseInUse when another process holds it. A PostgreSQL target holds nothing.
    """
    url = database_url(target)
    if url.get_backend_name() == "postgresql":
        # Why: every instance runs; storage/leader_lock.py decides which one dispatches.
        yield
        return
    with _file_run_lock(Path(target)):
        yield


@contextmanager
def _file_run_lock(db_path: Path) -> Iterator[None]:
    """An flock, so the kernel releases it when the process ends in any way (SIGKILL included)."""
    fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(db_path, _holder(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def _holder(fd: int) -> int | None:
    """The pid the holder wrote (None while it has not written it yet)."""
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
