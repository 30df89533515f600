"""deploy/compose.yaml, deploy/env.example and what they point at agree with each other and with
the bot: a shop that copies the example and fills it in gets settings the bot accepts, served
where nginx and Prometheus look for them.

No YAML parser is a dependency, and no container engine runs here: the compose file is read line
by line for the few things checked (`docker compose -f deploy/compose.yaml config` validates it
where Docker is installed).
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from bot.config import load_settings, read_dotenv
from bot.web.webhook import webhook_path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "env.example"
NGINX = DEPLOY / "nginx.conf"
LOCATIONS = DEPLOY / "nginx" / "backorder-locations.conf"
PROMETHEUS = DEPLOY / "prometheus.yml"
DOCKERIGNORE = ROOT / ".dockerignore"
SETTING = re.compile(r"\b(?:BACKORDER|TELEGRAM)_[A-Z0-9_]+\b")
# Variables compose itself reads (interpolation), not the bot.
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "TLS_CERT_DIR"}


def settings_the_bot_reads() -> set[str]:
    """Every variable name bot/config.py mentions."""
    return set(SETTING.findall((ROOT / "bot" / "config.py").read_text(encoding="utf-8")))


def compose_services() -> set[str]:
    """Names of the services under the top-level `services:` key."""
    names: set[str] = set()
    inside = False
    for line in COMPOSE.read_text(encoding="utf-8").splitlines():
        if re.fullmatch(r"\S.*:\s*", line):
            inside = line.strip() == "services:"
        elif inside and (found := re.fullmatch(r" {2}([\w-]+):\s*", line)):
            names.add(found[1])
    return names


def bot_environment(example: dict[str, str]) -> dict[str, str]:
    """The `environment:` entries compose gives the bots, `${VAR…}` filled from `example`."""
    text = COMPOSE.read_text(encoding="utf-8")
    block = re.search(r"(?ms)^x-bot: &bot$.*?^\S", text)
    assert block is not None, "compose.yaml has no `x-bot: &bot` block"
    entries = dict(re.findall(r"(?m)^ {4}([A-Z][A-Z0-9_]+): (.+)$", block[0]))

    def fill(match: re.Match[str]) -> str:
        return example[match[1]]

    return {key: re.sub(r"\$\{(\w+)[^}]*\}", fill, value) for key, value in entries.items()}


def test_every_setting_compose_and_the_example_name_is_one_the_bot_reads() -> None:
    named = SETTING.findall(COMPOSE.read_text(encoding="utf-8"))
    named += SETTING.findall(ENV_EXAMPLE.read_text(encoding="utf-8"))
    example_keys = set(read_dotenv(ENV_EXAMPLE))

    assert set(named) - settings_the_bot_reads() == set()
    assert example_keys - settings_the_bot_reads() <= COMPOSE_ONLY
    assert {
        "TELEGRAM_BOT_TOKEN",
        "BACKORDER_WEBHOOK_URL",
        "BACKORDER_WEBHOOK_SECRET",
        "BACKORDER_API_TOKEN",
        "BACKORDER_SHOPIFY_SECRET",
        "BACKORDER_STAFF_IDS",
    } <= example_keys


def test_the_filled_in_example_is_a_configuration_the_bot_accepts() -> None:
    example = read_dotenv(ENV_EXAMPLE)

    settings = load_settings(environ=bot_environment(example), dotenv=ENV_EXAMPLE)

    assert settings.database_url is not None
    assert settings.database_url.startswith("postgresql://backorder:")
    password = example["POSTGRES_PASSWORD"]
    assert settings.database_url.endswith(f":{password}@postgres:5432/backorder")
    assert settings.webhook_url is not None and settings.webhook_url.startswith("https://")
    assert settings.listen == ("0.0.0.0", 8080)
    assert "postgres" in compose_services()


def test_telegram_posts_to_a_path_nginx_passes_to_the_bots() -> None:
    settings = load_settings(environ={}, dotenv=ENV_EXAMPLE)
    assert settings.webhook_url is not None
    prefixes = re.findall(r"(?m)^location (/\S*) \{$", LOCATIONS.read_text(encoding="utf-8"))

    path = webhook_path(settings.webhook_url)

    assert "/telegram/" in prefixes
    assert path.startswith("/telegram/") and path != "/telegram/"


def test_nginx_and_prometheus_reach_every_bot_service_on_the_port_it_listens_on() -> None:
    example = read_dotenv(ENV_EXAMPLE)
    port = load_settings(environ=bot_environment(example), dotenv=ENV_EXAMPLE).listen[1]
    bots = {name for name in compose_services() if name.startswith("bot")}
    upstream = re.findall(r"(?m)^\s*server ([\w.-]+):(\d+) ", NGINX.read_text(encoding="utf-8"))
    scraped = re.findall(r'"([\w.-]+):(\d+)"', PROMETHEUS.read_text(encoding="utf-8"))

    assert len(bots) == 2
    assert sorted(upstream) == sorted(scraped) == sorted((name, str(port)) for name in bots)


def test_the_image_build_context_keeps_what_the_dockerfile_copies_and_leaves_secrets_out() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = [
        source
        for line in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.startswith("COPY ")
        for source in line.split()[1:-1]
    ]

    def ignored(path: str) -> bool:
        return any(
            fnmatch.fnmatch(path, pattern.removeprefix("**/"))
            or fnmatch.fnmatch(Path(path).name, pattern.removeprefix("**/"))
            for pattern in patterns
        )

    assert copied and not [source for source in copied if ignored(source)]
    assert all(ignored(path) for path in (".env", "deploy/.env", ".venv", ".git", "shop.sqlite3"))
