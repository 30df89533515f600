"""Run the benchmarks and print one JSON object per benchmark and database:
`python -m bench [NAME...] [--scale F] [--sqlite-only]`.

A benchmark whose `run` takes a `database` runs on SQLite and on PostgreSQL in the same run
(bench/databases.py says which server), each figure with the previous release's beside it.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import cast

from bench.databases import URL_VARIABLE, Database, postgres_admin_url, previous

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
    "webhook": "bench.webhook_throughput",
    "ingest": "bench.ingest_api",
    "shopify": "bench.shopify_webhooks",
    "takeover": "bench.takeover",
    "balanced": "bench.balanced",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default) at the given scale."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the full data size (default 1)"
    )
    parser.add_argument(
        "--sqlite-only",
        action="store_true",
        help=f"skip PostgreSQL (else the server of {URL_VARIABLE}, or a throwaway cluster)",
    )
    args = parser.parse_args(argv)
    if unknown := [name for name in args.names if name not in BENCHMARKS]:
        parser.error(f"unknown benchmark {unknown[0]!r} (choose from {', '.join(BENCHMARKS)})")
    with _postgres(enabled=not args.sqlite_only) as databases:
        for name in args.names or list(BENCHMARKS):
            _run(importlib.import_module(BENCHMARKS[name]), args.scale, databases)
    return 0


@contextmanager
def _postgres(*, enabled: bool) -> Iterator[list[Database]]:
    """The databases to run on; starts (and at the end stops) a throwaway PostgreSQL cluster
    when enabled and BACKORDER_BENCH_POSTGRES_URL is unset."""
    if not enabled:
        yield ["sqlite"]
        return
    if postgres_admin_url() is not None:
        yield ["sqlite", "postgresql"]
        return
    from tests import postgres_cluster

    if postgres_cluster.find_bindir() is None:
        print(f"PostgreSQL skipped: no server binaries and {URL_VARIABLE} unset", file=sys.stderr)
        yield ["sqlite"]
        return
    cluster = postgres_cluster.start()
    os.environ[URL_VARIABLE] = cluster.url
    print(f"PostgreSQL for the benchmarks: {cluster.url} (throwaway)", file=sys.stderr)
    try:
        yield ["sqlite", "postgresql"]
    finally:
        del os.environ[URL_VARIABLE]
        postgres_cluster.stop(cluster.folder)


def _run(module: ModuleType, scale: float, databases: Sequence[Database]) -> None:
    """Print a module's figures: `run(scale[, database])` returns them (once per database when
    it takes one), else `main(argv)` prints them."""
    if hasattr(module, "run") and "database" in inspect.signature(module.run).parameters:
        for database in databases:
            name = str(getattr(module, "NAME", module.__name__.removeprefix("bench.")))
            try:
                figures = cast(Callable[..., dict[str, object]], module.run)(
                    scale, database=database
                )
            except Exception as error:
                figures = {"benchmark": name, "database": database, "error": repr(error)}
            figures["previous_release"] = previous(str(figures.get("benchmark", name)), database)
            print(json.dumps(figures), flush=True)
    elif hasattr(module, "run"):
        run = cast(Callable[[float], dict[str, object]], module.run)
        print(json.dumps(run(scale)), flush=True)
    else:
        cast(Callable[[list[str]], object], module.main)(["--scale", repr(scale)])
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
