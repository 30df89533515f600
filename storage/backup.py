"""A consistent copy of the live database: SQLite's online backup API; `pg_dump` on PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import URL, make_url

from storage.database import BUSY_TIMEOUT_MS, query_password_lifted


class BackupError(RuntimeError):
    """The copy could not be made (no database, or the target cannot be written)."""


def backup_database(source: Path, target: Path) -> int:
    """Copy the database at `source` to `target` while it may be in use; return the copy's bytes.

    Raises BackupError when `source` is no database or `target` cannot be written. The copy is a
    snapshot of one moment (WAL contents included) and appears at `target` only when complete.
    """
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup must not overwrite the database itself")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    # Why: a half-written backup must never sit where the last good one was.
    handle, partial_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    os.close(handle)
    partial = Path(partial_name)
    try:
        live = sqlite3.connect(source)
        try:
            live.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            copy = sqlite3.connect(partial)
            try:
                # Why: one step (pages=-1) reads one snapshot; in WAL mode writers go on meanwhile.
                live.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
        finally:
            live.close()
        partial.replace(target)
    except sqlite3.Error as exc:
        raise BackupError(f"could not back up {source}: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"could not write {target}: {exc.strerror}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return target.stat().st_size


def pg_dump_advice(target: str, file: Path) -> str:
    """The `pg_dump` command that backs up the PostgreSQL database at `target` into `file`.

    Lines to print: the command (custom format, restorable with `pg_restore`), with the URL's
    password left out, and how to give the password when the URL had one. Writes nothing.
    """
    url = query_password_lifted(make_url(target))
    # Why: pg_dump speaks libpq's URL (postgresql://), not SQLAlchemy's driver form.
    bare = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    shown = bare.render_as_string(hide_password=False)
    command = shlex.join(["pg_dump", "--format=custom", f"--file={file}", shown])
    lines = [
        "On PostgreSQL, back up with pg_dump (the server's own consistent snapshot); run:",
        f"  {command}",
    ]
    if url.password:
        lines.append(
            "The password is not shown: give it as PGPASSWORD=… in that command's environment "
            "or in ~/.pgpass."
        )
    lines.append(f"Restore with: pg_restore --dbname=<URL> {shlex.quote(str(file))}")
    return "\n".join(lines)
