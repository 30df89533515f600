"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, start, stop, delete.

`python -m tests.postgres_cluster run -- CMD...` starts a cluster on a free localhost port, runs CMD
with BACKORDER_TEST_POSTGRES_URL set to its admin URL, then stops the cluster and deletes its folder
(also when CMD fails or is interrupted) and exits with CMD's status. When
BACKORDER_TEST_POSTGRES_URL is already set, CMD runs against that server and no cluster is started.

`start` prints `export BACKORDER_TEST_POSTGRES_URL=...` and `export BACKORDER_TEST_POSTGRES_DIR=...`
(for `eval`); `stop [DIR]` stops and deletes it. `check` exits 1, naming what to install, when the
server binaries are missing. Only the standard library is used: `make test` runs `check` before the
venv matters.
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

URL_VARIABLE = "BACKORDER_TEST_POSTGRES_URL"
DIR_VARIABLE = "BACKORDER_TEST_POSTGRES_DIR"
SERVER_USER = "postgres"
BINARIES = ("initdb", "pg_ctl", "postgres")
MISSING_HELP = (
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found "
    "(looked in `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH).\n"
    "Install them (Debian/Ubuntu: `apt-get install postgresql`), or point "
    f"{URL_VARIABLE} at a server you run (an admin URL such as "
    "postgresql://postgres@127.0.0.1:5432/postgres), "
    "or run the SQLite half only: `make test-sqlite`."
)
# Why: a test server holds nothing worth keeping, so durability is traded for speed; the pool of
# every xdist worker plus the bot processes the e2e tests start must fit under max_connections.
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "128MB",
    "max_wal_size": "1GB",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
}


class ClusterError(RuntimeError):
    """The cluster could not be made, started or stopped; the message says why."""


def masked(url: str) -> str:
    """The URL with its password (if any) replaced by `***`, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres (newest major version first), or None."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(Path(done.stdout.strip()))

    def major(folder: str) -> int:
        version = Path(folder).parent.name
        return int(version) if version.isdigit() else 0

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=major)[::-1]]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if all(os.access(folder / name, os.X_OK) for name in BINARIES):
            return folder
    return None


@dataclass(frozen=True)
class Cluster:
    """A running throwaway cluster: its folder (data, socket, log) and admin URL."""

    folder: Path
    url: str

    @property
    def data(self) -> Path:
        """The data directory inside the folder."""
        return self.folder / "data"


def _server_account() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as when we are root (created if missing)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        # Why: initdb and postgres refuse to run as root; Debian's package makes this user, a bare
        # machine with binaries from elsewhere may not have it.
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home",
             "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", SERVER_USER],
            check=True,
        )  # fmt: skip
        return pwd.getpwnam(SERVER_USER)


def _run_as(
    account: pwd.struct_passwd | None, command: list[str], *, new_session: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run a server binary as the server account (as ourselves when not root); output captured."""
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        cwd="/",
        user=None if account is None else account.pw_uid,
        group=None if account is None else account.pw_gid,
        extra_groups=None if account is None else [],
        start_new_session=new_session,
    )


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(bindir: Path | None = None, attempts: int = 5) -> Cluster:
    """initdb a cluster in a new temporary folder and start it on a free localhost port.

    Returns the Cluster (admin URL postgresql://postgres@127.0.0.1:PORT/postgres, trust auth on
    localhost only). Raises ClusterError with the server's log when it does not come up.
    """
    bindir = bindir or find_bindir()
    if bindir is None:
        raise ClusterError(MISSING_HELP)
    account = _server_account()
    folder = Path(tempfile.mkdtemp(prefix="backorder-pg-"))
    try:
        if account is not None:
            os.chown(folder, account.pw_uid, account.pw_gid)
        data = folder / "data"
        made = _run_as(
            account,
            [str(bindir / "initdb"), "-D", str(data), "-U", SERVER_USER, "--auth=trust",
             "--no-locale", "--encoding=UTF8", "--no-sync"],
        )  # fmt: skip
        if made.returncode != 0:
            raise ClusterError(f"initdb failed:\n{made.stdout}{made.stderr}")
        log = folder / "server.log"
        for _ in range(attempts):
            port = _free_port()
            settings = {
                **SERVER_SETTINGS,
                "listen_addresses": "'127.0.0.1'",
                "port": str(port),
                "unix_socket_directories": f"'{folder}'",
            }
            with (data / "postgresql.auto.conf").open("w", encoding="utf-8") as conf:
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
            if account is not None:
                os.chown(data / "postgresql.auto.conf", account.pw_uid, account.pw_gid)
            started = _run_as(
                account,
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                # Why: a Ctrl-C at the terminal must reach the tests, not shut the server down
                # under them; the cluster is stopped by us in a finally.
                new_session=True,
            )
            if started.returncode == 0:
                return Cluster(folder, f"postgresql://{SERVER_USER}@127.0.0.1:{port}/postgres")
        server_log = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        raise ClusterError(f"the PostgreSQL server did not start:\n{started.stderr}{server_log}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def stop(folder: Path, bindir: Path | None = None) -> None:
    """Stop the cluster in folder (immediately: nothing in it is kept) and delete the folder."""
    bindir = bindir or find_bindir()
    data = folder / "data"
    if bindir is not None and (data / "postmaster.pid").exists():
        account = _server_account()
        _run_as(
            account,
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
        )
    shutil.rmtree(folder, ignore_errors=True)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(command: list[str]) -> int:
    """Run command with a test server in BACKORDER_TEST_POSTGRES_URL; return its exit status."""
    given = os.environ.get(URL_VARIABLE, "").strip()
    if given:
        print(f"PostgreSQL for the tests: {masked(given)} (from {URL_VARIABLE})", file=sys.stderr)
        return subprocess.run(command, check=False).returncode
    cluster = start()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        print(f"PostgreSQL for the tests: {cluster.url} (in {cluster.folder})", file=sys.stderr)
        env = {**os.environ, URL_VARIABLE: cluster.url}
        try:
            return subprocess.run(command, env=env, check=False).returncode
        except KeyboardInterrupt:
            return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop(cluster.folder)
        print(f"PostgreSQL for the tests stopped; {cluster.folder} deleted", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tests.postgres_cluster", description=__doc__)
    commands = parser.add_subparsers(dest="action", required=True)
    commands.add_parser("check", help="exit 1 with what to install when the binaries are missing")
    commands.add_parser("start", help="start a cluster; print export lines for eval")
    stopping = commands.add_parser("stop", help="stop a cluster and delete its folder")
    stopping.add_argument("folder", nargs="?", default=os.environ.get(DIR_VARIABLE))
    running = commands.add_parser("run", help="run a command with a throwaway cluster")
    running.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    try:
        if args.action == "check":
            if os.environ.get(URL_VARIABLE, "").strip() or find_bindir() is not None:
                return 0
            print(MISSING_HELP, file=sys.stderr)
            return 1
        if args.action == "start":
            cluster = start()
            print(f"export {URL_VARIABLE}={cluster.url}")
            print(f"export {DIR_VARIABLE}={cluster.folder}")
            return 0
        if args.action == "stop":
            if not args.folder:
                parser.error(f"stop needs the cluster's folder (or {DIR_VARIABLE})")
            stop(Path(args.folder))
            return 0
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run needs a command, e.g. run -- pytest")
        return run(command)
    except ClusterError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
