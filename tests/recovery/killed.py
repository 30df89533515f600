"""Runs `tests/recovery/dying_import.py` in a process of its own and checks that it was killed."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import datetime
from pathlib import Path

WORKER = Path(__file__).with_name("dying_import.py")
ROOT = Path(__file__).parents[2]


async def import_killed_before_recompute(
    database_url: str, kind: str, csv_text: str, *, now: datetime, folder: Path
) -> None:
    """Import `csv_text` (written to a file in folder) into the database; the importing process
    dies after its rows commit."""
    csv_path = folder / f"killed-{kind}.csv"
    csv_path.write_text(csv_text, encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        database_url,
        kind,
        str(csv_path),
        now.isoformat(),
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert await asyncio.wait_for(process.wait(), 60) == -signal.SIGKILL
