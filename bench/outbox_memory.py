"""Peak memory while queueing notifications into the outbox in batches (goal: flat in N, < 300 MiB).

The queueing runs in a fresh child process so that earlier benchmarks do not count; it prints the
process's resident and peak resident memory at several N.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.outbox import OutgoingMessage
from storage.store import open_store

FULL_COUNT = 1_000_000
BATCH = 10_000
CHECKPOINTS = (0.01, 0.1, 0.25, 0.5, 1.0)
TEXT = (
    "<b>Order {n}</b>: the estimated ship date moved from 12 March to 2 April. "
    "You may keep waiting or cancel for a full refund."
)


def _memory_mib() -> dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident memory of this process."""
    values: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = round(int(rest.split()[0]) / 1024, 1)
    return {"rss_mib": values.get("VmRSS", 0.0), "peak_rss_mib": values.get("VmHWM", 0.0)}


async def _queue(total: int, folder: Path) -> list[dict[str, object]]:
    store = await open_store(folder / "outbox.sqlite3")
    marks = {max(1, round(total * fraction / BATCH)) * BATCH for fraction in CHECKPOINTS}
    samples: list[dict[str, object]] = [{"queued": 0, **_memory_mib()}]
    now = datetime.now(UTC)
    try:
        for start in range(0, total, BATCH):
            batch = [
                OutgoingMessage(f"notice:{n}", 10_000_000 + n % 50_000, TEXT.format(n=n))
                for n in range(start, min(total, start + BATCH))
            ]
            await store.enqueue_messages(batch, now=now)
            queued = start + len(batch)
            if queued in marks:
                samples.append({"queued": queued, **_memory_mib()})
    finally:
        await store.close()
    return samples


def _child(total: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(asyncio.run(_queue(total, Path(folder)))))


def run(scale: float) -> dict[str, object]:
    """Queue `1,000,000 × scale` notifications in a child process and report its memory."""
    total = max(BATCH, round(FULL_COUNT * scale))
    output = subprocess.run(
        [sys.executable, "-m", "bench.outbox_memory", str(total)],
        check=True,
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
    ).stdout
    samples = json.loads(output)
    return {
        "benchmark": "outbox_memory",
        "queued": total,
        "batch": BATCH,
        "samples": samples,
        "peak_rss_mib": max(float(sample["peak_rss_mib"]) for sample in samples),
        "goal": "flat in N, under 300 MiB",
    }


if __name__ == "__main__":
    _child(int(sys.argv[1]))
