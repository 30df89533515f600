"""nginx from the machine's packages in front of local upstreams, configured as deploy/ does.

The test configuration takes the `upstream backorder` block of deploy/nginx.conf (its server
parameters: max_fails, fail_timeout, keepalive) with the servers swapped for local addresses, and
includes deploy/nginx/backorder-locations.conf unchanged; only the listening socket (plain http on
127.0.0.1) and the paths (pid, logs, temporary files inside `prefix`) are the test's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_CONFIG = ROOT / "deploy" / "nginx.conf"
LOCATIONS = ROOT / "deploy" / "nginx" / "backorder-locations.conf"
NO_NGINX = "needs nginx on PATH (Debian: apt-get install -y nginx; .ci/run installs it)"
START_SECONDS = 10.0
STOP_SECONDS = 10.0
_UPSTREAM = re.compile(r"^[ \t]*upstream backorder \{.*?^[ \t]*\}", re.MULTILINE | re.DOTALL)
_SERVER = re.compile(r"^([ \t]*server )\S+( .*;)$", re.MULTILINE)


def nginx_binary() -> str | None:
    """The nginx executable, or None when it is not installed."""
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
    )


def unused_port() -> int:
    """A local port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def upstream_block(servers: Sequence[str]) -> str:
    """deploy/nginx.conf's `upstream backorder { … }` with its servers replaced, in order, by
    `servers` (HOST:PORT each; at most as many as the production file lists, the rest dropped)."""
    found = _UPSTREAM.search(PRODUCTION_CONFIG.read_text(encoding="utf-8"))
    assert found is not None, f"{PRODUCTION_CONFIG} has no `upstream backorder` block"
    block = found[0]
    listed = len(_SERVER.findall(block))
    assert 0 < len(servers) <= listed, f"{PRODUCTION_CONFIG} lists {listed} servers"
    replacements = iter(servers)

    def replace(match: re.Match[str]) -> str:
        server = next(replacements, None)
        return "" if server is None else f"{match[1]}{server}{match[2]}"

    return _SERVER.sub(replace, block)


def render_config(prefix: Path, port: int, servers: Sequence[str], *, workers: int = 1) -> Path:
    """Write `prefix/nginx.conf`: in the foreground, listening on 127.0.0.1:`port`, balancing over
    `servers` with the production upstream parameters and the shared locations. Its path."""
    prefix.mkdir(parents=True, exist_ok=True)
    # Why: as root the workers would switch to an unprivileged user who cannot write the
    # temporary folders inside a test's private directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = prefix / "nginx.conf"
    config.write_text(
        f"""{user}daemon off;
worker_processes {workers};
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
{temp}
{upstream_block(servers)}
    server {{
        listen 127.0.0.1:{port};
        include {LOCATIONS};
    }}
}}
""",
        encoding="utf-8",
    )
    return config


@dataclass(frozen=True)
class RunningNginx:
    """A started nginx: `base_url` is http://127.0.0.1:PORT; `pid` its master process."""

    base_url: str
    pid: int
    error_log: Path

    def errors(self) -> str:
        """What nginx logged (warnings and worse)."""
        return self.error_log.read_text(encoding="utf-8") if self.error_log.exists() else ""


@contextlib.asynccontextmanager
async def running_nginx(
    prefix: Path, servers: Sequence[str], *, workers: int = 1
) -> AsyncIterator[RunningNginx]:
    """nginx in front of `servers` for the duration of the block, stopped (killed if it does not
    stop within STOP_SECONDS) after; AssertionError with its log if it does not start."""
    binary = nginx_binary()
    assert binary is not None, NO_NGINX
    port = unused_port()
    config = render_config(prefix, port, servers, workers=workers)
    error_log = prefix / "error.log"
    process = await asyncio.create_subprocess_exec(
        binary,
        "-p",
        str(prefix),
        "-c",
        str(config),
        "-e",
        str(error_log),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _wait_until_listening(process, port, error_log)
        yield RunningNginx(f"http://127.0.0.1:{port}", process.pid, error_log)
    finally:
        if process.returncode is None:
            # Why SIGTERM: nginx's fast shutdown; the workers go with the master.
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _wait_until_listening(
    process: asyncio.subprocess.Process, port: int, error_log: Path
) -> None:
    async with asyncio.timeout(START_SECONDS):
        while True:
            if process.returncode is not None:
                assert process.stderr is not None
                said = (await process.stderr.read()).decode(errors="replace")
                log = error_log.read_text(encoding="utf-8") if error_log.exists() else ""
                raise AssertionError(f"nginx exited with {process.returncode}: {said}{log}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.02)
                continue
            writer.close()
            await writer.wait_closed()
            return
