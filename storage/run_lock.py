"""One `backorder-bot run` per SQLite database: an OS lock on a file beside the database."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class DatabaseInUse(Exception):
    """Another process holds the database's run lock (its pid, when it could be read)."""

    def __init__(self, db_path: Path, pid: int | None) -> None:
        holder = f"another backorder-bot run (pid {pid})" if pid else "another backorder-bot run"
        super().__init__(f"{holder} is using {db_path}; run one bot per SQLite database")
        self.pid = pid


def lock_path(db_path: Path) -> Path:
    """The lock file beside the database file itself ('<db>-run.lock'), symlinks followed.

    Why resolved: a second path to the same database (a symlink, `..`) must meet the same lock.
    """
    real = db_path.resolve()
    return real.with_name(f"{real.name}-run.lock")


@contextmanager
def exclusive_run(db_path: Path) -> Iterator[None]:
    """Hold the database's run lock for the block; raise DatabaseInUse when another process does.

    An flock, so the kernel releases it when the process ends in any way (SIGKILL included).
    """
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
