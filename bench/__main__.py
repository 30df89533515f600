"""Run the benchmarks and print one JSON object per benchmark: `python -m bench [NAME...]`."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import cast

BENCHMARKS = {
    "eta": "bench.eta_recompute",
    "status": "bench.status_lookup",
    "chat": "bench.chat_throughput",
    "cancel": "bench.cancel_recompute",
    "events": "bench.events_delivery",
    "dispatch": "bench.dispatch",
    "broadcast_send": "bench.broadcast_send",
    "outbox_memory": "bench.outbox_memory",
    "replies": "bench.reply_latency",
    "update_loss": "bench.update_loss",
    "import_memory": "bench.import_memory",
    "staff_po": "bench.staff_po_change",
    "broadcast_plan": "bench.broadcast_plan",
    "stats": "bench.stats",
    "rating_pass": "bench.rating_pass",
    "alerts": "bench.alerts_check",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default) at the given scale."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the full data size (default 1)"
    )
    args = parser.parse_args(argv)
    if unknown := [name for name in args.names if name not in BENCHMARKS]:
        parser.error(f"unknown benchmark {unknown[0]!r} (choose from {', '.join(BENCHMARKS)})")
    for name in args.names or list(BENCHMARKS):
        _run(importlib.import_module(BENCHMARKS[name]), args.scale)
    return 0


def _run(module: ModuleType, scale: float) -> None:
    """Print a module's figures: `run(scale)` returns them, else `main(argv)` prints them."""
    if hasattr(module, "run"):
        run = cast(Callable[[float], dict[str, object]], module.run)
        print(json.dumps(run(scale)), flush=True)
    else:
        cast(Callable[[list[str]], object], module.main)(["--scale", repr(scale)])
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
