"""deploy/: the systemd unit and the container image definition are valid and run the bot safely."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import tomllib
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "backorder-bot.service"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CONSOLE_SCRIPT = "backorder-bot"


def unit_entries(text: str) -> dict[str, list[tuple[str, str]]]:
    """Sections of a systemd unit as (key, value) lists; keys may repeat, as systemd allows."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"a setting outside any section: {line}"
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {line}"
        current.append((key.strip(), value.strip()))
    return sections


def service() -> dict[str, str]:
    """The [Service] section, the last value of each key winning."""
    return dict(unit_entries(UNIT.read_text(encoding="utf-8"))["Service"])


def test_the_unit_runs_the_console_script_as_an_unprivileged_user_from_its_state_directory() -> (
    None
):
    unit = service()
    program, *args = unit["ExecStart"].split()

    assert PurePosixPath(program).name == CONSOLE_SCRIPT
    assert PYPROJECT["project"]["scripts"][CONSOLE_SCRIPT] == "bot.cli:main"
    assert args == ["run"]
    assert unit["User"] not in ("root", "0") and unit["Group"] not in ("root", "0")
    assert unit["EnvironmentFile"].startswith("/etc/")
    # Under ProtectSystem=strict only the state directory is writable: the database lives there.
    assert unit["ProtectSystem"] == "strict"
    assert unit["WorkingDirectory"] == f"/var/lib/{unit['StateDirectory']}"


def test_the_unit_restarts_on_failure_but_not_on_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = service()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKORDER_HOLIDAYS", "EU")

    configuration_error = main(["run"])

    assert unit["Restart"] == "on-failure"
    assert unit["RestartPreventExitStatus"] == str(configuration_error)


def test_the_unit_is_hardened() -> None:
    unit = service()

    assert {key: unit[key] for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp")} == {
        "NoNewPrivileges": "yes",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
    }
    assert unit["CapabilityBoundingSet"] == "" and unit["AmbientCapabilities"] == ""
    assert set(unit["RestrictAddressFamilies"].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # Why: verify checks that ExecStart exists, so point it at this environment's console script.
    installed = Path(sys.executable).parent / CONSOLE_SCRIPT
    assert installed.is_file()
    text = UNIT.read_text(encoding="utf-8")
    copy = tmp_path / UNIT.name
    copy.write_text(re.sub(r"(?m)^ExecStart=\S+", f"ExecStart={installed}", text), encoding="utf-8")

    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, rest = whole.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def test_the_image_installs_the_locked_dependencies_with_hashes_then_the_project_alone() -> None:
    runs = [args for keyword, args in dockerfile_instructions() if keyword == "RUN"]
    locked = next(i for i, run in enumerate(runs) if "--require-hashes" in run)
    project = next(i for i, run in enumerate(runs) if "--no-deps" in run)

    assert "-r requirements.txt" in runs[locked]
    assert locked < project
    assert runs[project].rstrip().endswith(" .")


def test_the_image_copies_every_file_the_project_needs_and_nothing_missing() -> None:
    instructions = dockerfile_instructions()
    (base,) = [args for keyword, args in instructions if keyword == "FROM"]
    copied = {
        source
        for keyword, args in instructions
        if keyword == "COPY"
        for source in args.split()[:-1]
    }
    packages = {
        pattern.rstrip("*")
        for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    needed = packages | {"pyproject.toml", "locales", PYPROJECT["project"]["readme"]}

    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    version = re.fullmatch(r"python:(\d+\.\d+)(-[\w.-]+)?", base)
    assert version is not None
    assert tuple(map(int, version[1].split("."))) >= tuple(map(int, minimum.split(".")))
    assert all((ROOT / source).exists() for source in copied)
    assert needed <= copied


def test_the_image_runs_the_bot_as_a_non_root_user_with_the_database_on_a_volume() -> None:
    instructions = dockerfile_instructions()
    users = [args for keyword, args in instructions if keyword == "USER"]
    env = " ".join(args for keyword, args in instructions if keyword == "ENV")
    (volume,) = [json.loads(args) for keyword, args in instructions if keyword == "VOLUME"]
    (entrypoint,) = [json.loads(args) for keyword, args in instructions if keyword == "ENTRYPOINT"]
    (command,) = [json.loads(args) for keyword, args in instructions if keyword == "CMD"]
    database = re.search(r"BACKORDER_DB=(\S+)", env)

    assert users and users[-1] not in ("root", "0")
    last_user = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "USER")
    assert all(keyword not in ("RUN", "COPY") for keyword, _ in instructions[last_user:])
    assert database is not None
    assert str(PurePosixPath(database[1]).parent) in volume
    assert entrypoint + command == [CONSOLE_SCRIPT, "run"]


def test_a_non_editable_install_carries_the_catalogs_migrations_and_demo(tmp_path: Path) -> None:
    from bot.i18n import SHIPPED_LANGUAGES

    # Why: setuptools builds in the source tree; a copy keeps build/ out of the checkout.
    source = tmp_path / "source"
    for name in ("bot", "handlers", "storage", "locales"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheel_options = ["--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(tmp_path)]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *wheel_options, str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())

    assert {f"locales/{lang}/LC_MESSAGES/messages.po" for lang in SHIPPED_LANGUAGES} <= names
    legacy = {path.name for path in (ROOT / "storage" / "legacy_migrations").glob("*.sql")}
    assert legacy and {f"storage/legacy_migrations/{name}" for name in legacy} <= names
    revisions = {path.name for path in (ROOT / "storage" / "alembic" / "versions").glob("*.py")}
    assert revisions and {f"storage/alembic/versions/{name}" for name in revisions} <= names
    assert {"storage/alembic/env.py", "storage/alembic/script.py.mako"} <= names
    assert "bot/demo/tour.txt" in names


def test_the_image_serves_on_the_port_it_exposes_and_its_healthcheck_follows_healthz() -> None:
    instructions = dockerfile_instructions()
    env = " ".join(args for keyword, args in instructions if keyword == "ENV")
    (exposed,) = [args for keyword, args in instructions if keyword == "EXPOSE"]
    (healthcheck,) = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    listen = re.search(r"BACKORDER_LISTEN=(\S+)", env)
    assert listen is not None
    program, *arguments = json.loads(healthcheck.partition(" CMD ")[2])

    exits = [run_healthcheck([sys.executable, *arguments], status) for status in (200, 503)]

    assert listen[1] == f"0.0.0.0:{exposed}"
    # Why python: the slim base image has no curl or wget.
    assert program == "python"
    assert exits[0] == 0 and exits[1] != 0


def run_healthcheck(command: list[str], status: int) -> int:
    """Exit code of the image's health command against a /healthz answering `status`."""

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status if self.path == "/healthz" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Health) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            done = subprocess.run(
                command,
                env={"BACKORDER_LISTEN": f"0.0.0.0:{server.server_address[1]}"},
                capture_output=True,
                timeout=30,
                check=False,
            )
        finally:
            server.shutdown()
    return done.returncode
