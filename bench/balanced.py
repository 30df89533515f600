"""Two instances vs one behind nginx: chat updates per second `backorder-bot run` answers in webhook
mode on PostgreSQL, with one instance and with two behind the same nginx configuration
(tests/instances/balanced.py: deploy/'s upstream and locations), with the workload of
bench/chat_throughput.py (customers with linked orders sending `/orders`).

The sandbox runs in a process of its own (as Telegram is not in the bot's process), flood limits
off, posting up to 40 updates at once to nginx. For each setup the instances are started, the
start-up notices sent, then the clock runs from the first message sent to the last reply. The
setups take turns for a few rounds and the medians are reported, with the CPU seconds each
process group used in the timed window (from /proc: bots, nginx, the sandbox, this database's
PostgreSQL backends, the driver sending the messages) and how busy the whole machine was. Prints
JSON. PostgreSQL only (several instances need it).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench.chat_throughput import (
    BOT_SEND_RATE,
    REPLY_TIMEOUT,
    Workload,
    _linked_users,
    _replies_sent,
    _send_all,
    workload,
)
from bench.databases import Database, bench_database
from bench.webhook_throughput import UNLIMITED, sandbox_process
from bot.config import Settings
from bot.sandbox.client import SandboxClient
from storage.store import SqlStore, open_store
from tests.deploy.nginx import nginx_binary
from tests.instances.balanced import behind_nginx
from tests.instances.takeover import FOLLOWER_LINE, LEADER_LINE, TOKEN

NAME = "balanced"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SETTINGS = {
    # Why: the sandbox's flood limits are off, so the bot's own limiter would be the only cap.
    "BACKORDER_SEND_RATE": str(BOT_SEND_RATE),
    "BACKORDER_CHAT_SEND_RATE": str(BOT_SEND_RATE),
    "BACKORDER_LOG_LEVEL": "INFO",
}


@dataclasses.dataclass(frozen=True)
class Round:
    """One timed run: updates per second and CPU seconds by process group."""

    rate: float
    seconds: float
    cpu: dict[str, float]
    machine_busy: float


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # Fields after the command: state is [0], utime [11], stime [12] (proc(5) numbers 14, 15).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _children(parent: int) -> list[int]:
    """Process ids whose parent is `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent_field = (entry / "stat").read_text().rpartition(")")[2].split()[1]
        except OSError:
            continue
        if int(parent_field) == parent:
            found.append(int(entry.name))
    return found


def _backends(database: str) -> list[int]:
    """PostgreSQL backend processes serving `database` (their title names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found.append(int(entry.name))
    return found


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far (/proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU seconds of named process groups between `start()` and `stop()`."""

    def __init__(self, groups: dict[str, Iterable[int]]) -> None:
        self._groups = {name: list(pids) for name, pids in groups.items()}
        self._before: dict[int, float] = {}
        self._machine = (0, 0)

    def start(self) -> None:
        """Take the first reading."""
        self._before = {pid: _process_cpu(pid) for pids in self._groups.values() for pid in pids}
        self._machine = _machine_jiffies()

    def stop(self, extra: dict[str, Iterable[int]]) -> tuple[dict[str, float], float]:
        """CPU seconds per group since `start` (`extra` groups counted from zero for processes
        that started since, such as new database connections) and the machine's busy share."""
        used: dict[str, float] = {}
        for name, pids in {**self._groups, **extra}.items():
            used[name] = round(
                sum(_process_cpu(pid) - self._before.get(pid, 0.0) for pid in set(pids)), 2
            )
        busy, total = _machine_jiffies()
        share = (busy - self._machine[0]) / max(1, total - self._machine[1])
        return used, round(share, 3)


async def _due_sent(store: SqlStore) -> None:
    """Wait until the leader has sent the notices its start-up catch-up queued."""
    deadline = time.perf_counter() + REPLY_TIMEOUT
    while await store.due_messages(now=datetime.now(UTC), after_id=0, limit=1):
        if time.perf_counter() > deadline:
            raise TimeoutError("the start-up notices were not sent in time")
        await asyncio.sleep(0.05)


async def _round(
    count: int,
    url: str,
    store: SqlStore,
    sandbox: tuple[str, int],
    client: SandboxClient,
    users: list[int],
    work: Workload,
    folder: Path,
) -> Round:
    database = url.rpartition("/")[2]
    sandbox_url, sandbox_pid = sandbox
    folder.mkdir(parents=True)
    async with behind_nginx(
        url, f"{sandbox_url}/bot", folder, count=count, settings=SETTINGS
    ) as balanced:
        await balanced.instances[0].bot.wait_for(LEADER_LINE)
        for instance in balanced.instances[1:]:
            await instance.bot.wait_for(FOLLOWER_LINE)
        await _due_sent(store)
        bots = [instance.bot.process.pid for instance in balanced.instances]
        nginx = [balanced.nginx.pid, *_children(balanced.nginx.pid)]
        meter = CpuMeter(
            {"bots": bots, "nginx": nginx, "sandbox": [sandbox_pid], "driver": [os.getpid()]}
        )
        expected = await _replies_sent(client) + work.updates
        meter.start()
        started = time.perf_counter()
        await _send_all(client, users, work)
        deadline = started + REPLY_TIMEOUT
        while await _replies_sent(client) < expected:
            if time.perf_counter() > deadline:
                raise TimeoutError("the instances did not answer every message in time")
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        cpu, busy = meter.stop({"postgresql": _backends(database)})
    return Round(work.updates / elapsed, elapsed, cpu, busy)


async def measure(work: Workload) -> dict[str, object]:
    """One and two instances in turn, `work.rounds` times; medians, ratio and CPU use."""
    with tempfile.TemporaryDirectory(prefix="bench-balanced-") as workdir:
        folder = Path(workdir)
        async with AsyncExitStack() as cleanup:
            url = await cleanup.enter_async_context(bench_database("postgresql", NAME))
            settings = Settings(token=TOKEN, db_path=folder / "seed.sqlite3")
            store = await open_store(url)
            cleanup.push_async_callback(store.close)
            users = await _linked_users(store, work, settings)
            work = dataclasses.replace(work, customers=len(users))
            sandbox_url = await cleanup.enter_async_context(sandbox_process())
            # Why: it is this process's only child so far (no bot or nginx runs yet).
            (sandbox_pid,) = _children(os.getpid())
            client = await cleanup.enter_async_context(SandboxClient(sandbox_url))
            await client.configure(global_rate=UNLIMITED, per_chat_rate=UNLIMITED, burst=UNLIMITED)
            for user_id in users:
                await client.create_user(user_id, f"Customer {user_id}", language_code="en")
            rounds: dict[int, list[Round]] = {1: [], 2: []}
            # Why: alternating rounds and taking medians keeps a busy machine from favouring one.
            for n in range(work.rounds):
                for count in (1, 2):
                    rounds[count].append(
                        await _round(
                            count,
                            url,
                            store,
                            (sandbox_url, sandbox_pid),
                            client,
                            users,
                            work,
                            folder / f"{n}-{count}",
                        )
                    )
            failures = (await client.stats())["webhook_failures"]
    one, two = (statistics.median(r.rate for r in rounds[count]) for count in (1, 2))
    return {
        "customers": work.customers,
        "messages_per_customer": work.messages_per_customer,
        "updates": work.updates,
        "one_instance_updates_per_s": round(one, 1),
        "two_instances_updates_per_s": round(two, 1),
        "ratio": round(two / one, 3),
        "rounds": work.rounds,
        # Why each round: on a shared machine the rates swing with the neighbours' load.
        "rates_one": [round(r.rate, 1) for r in rounds[1]],
        "rates_two": [round(r.rate, 1) for r in rounds[2]],
        "cpu_seconds_one": _median_cpu(rounds[1]),
        "cpu_seconds_two": _median_cpu(rounds[2]),
        "seconds_one": round(statistics.median(r.seconds for r in rounds[1]), 2),
        "seconds_two": round(statistics.median(r.seconds for r in rounds[2]), 2),
        "cpu_ms_per_update_one": _per_update(rounds[1], work),
        "cpu_ms_per_update_two": _per_update(rounds[2], work),
        "cores_used_one": _cores(rounds[1]),
        "cores_used_two": _cores(rounds[2]),
        "machine_busy_one": statistics.median(r.machine_busy for r in rounds[1]),
        "machine_busy_two": statistics.median(r.machine_busy for r in rounds[2]),
        "cpus": os.cpu_count(),
        "webhook_failures": failures,
    }


def _per_update(rounds: list[Round], work: Workload) -> float:
    """Median CPU milliseconds all the measured processes spent per update."""
    return round(statistics.median(sum(r.cpu.values()) for r in rounds) * 1000 / work.updates, 2)


def _cores(rounds: list[Round]) -> float:
    """Median cores the measured processes kept busy (CPU seconds per second of the window)."""
    return round(statistics.median(sum(r.cpu.values()) / r.seconds for r in rounds), 2)


def _median_cpu(rounds: list[Round]) -> dict[str, float]:
    return {
        name: round(statistics.median(r.cpu[name] for r in rounds), 2) for name in rounds[0].cpu
    }


def run(
    scale: float, database: Database = "postgresql", per_customer: int | None = None
) -> dict[str, object]:
    """The figures at this scale, for `python -m bench` (PostgreSQL only, with nginx);
    `per_customer` messages from each customer instead of the workload's 5."""
    result: dict[str, object] = {"benchmark": "balanced_throughput", "database": database}
    if database != "postgresql":
        return {**result, "skipped": "several instances need PostgreSQL"}
    if nginx_binary() is None:
        return {**result, "skipped": "nginx is not installed (apt-get install -y nginx)"}
    return {
        **result,
        **asyncio.run(measure(_workload(scale, per_customer))),
        "sandbox": "its own process (as Telegram is); flood limits off",
        "delivery": "webhook to nginx (up to 40 POSTs at once, each chat's in order)",
    }


def _workload(scale: float, per_customer: int | None) -> Workload:
    work = workload(scale)
    if per_customer is None:
        return work
    # Why the same number of updates: more customers with fewer messages each.
    customers = max(2, work.updates // per_customer)
    return dataclasses.replace(work, customers=customers, messages_per_customer=per_customer)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its JSON figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.balanced", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 200 customers")
    parser.add_argument(
        "--per-customer",
        type=int,
        help="messages each customer sends (default 5; 1: no chat has two updates in flight)",
    )
    args = parser.parse_args(argv)
    print(json.dumps(run(args.scale, per_customer=args.per_customer)))


if __name__ == "__main__":
    main()
