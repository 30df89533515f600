"""Settings from the environment and an optional `.env` file (DESIGN §2)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.domain.quiet_hours import QuietHours
from bot.domain.support_hours import SupportHours

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
UTC_ZONE = ZoneInfo("UTC")
DEFAULT_QUIET_HOURS = QuietHours(time(21, 0), time(8, 0))
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TOKEN_SHAPE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
# Telegram's setWebhook: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed."
_WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
DEFAULT_LISTEN = ("127.0.0.1", 8080)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


# Why: day settings beyond ten years overflow date arithmetic; the CSV's day columns stop there too.
MAX_DAYS = 3650
# Why: a bearer token or HMAC secret guessable by trying is no protection (DESIGN §14).
MIN_SECRET = 16
# Why: a Bot API wait longer than an hour is a mistake in the setting, not a slow network.
MAX_API_SECONDS = 3600.0


class ConfigError(ValueError):
    """A setting has a value the bot cannot use."""


@dataclass(frozen=True)
class Settings:
    """Validated configuration."""

    token: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    db_path: Path = Path("backorder.sqlite3")
    # DESIGN §2/§13: a `postgresql://…` URL; None keeps SQLite at db_path. Holds the password:
    # show it only through `shown_database`.
    database_url: str | None = None
    staff_ids: frozenset[int] = frozenset()
    timezone: ZoneInfo = UTC_ZONE
    default_language: str = "en"
    handling_days: int = 1
    holidays_country: str | None = None
    link_secret: str | None = None
    frozen_now: datetime | None = None
    quiet_hours: QuietHours = DEFAULT_QUIET_HOURS
    daily_sweep_at: time = time(6, 0)
    refund_days: int = 14
    events_webhook_url: str | None = None
    events_secret: str | None = None
    send_rate: float = 30.0
    chat_send_rate: float = 1.0
    # Why: every send in flight when the process dies may repeat once after a restart.
    sends_in_flight: int = 8
    # DESIGN §2: broadcast copies use Telegram's paid broadcasts (allow_paid_broadcast, Stars).
    paid_broadcast: bool = False
    log_level: int = logging.INFO
    support_chat_id: int | None = None
    # DESIGN §12 hand-off: when staff answer in the support chat; None promises no hours.
    support_hours: SupportHours | None = None
    # Why: PTB's fixed 5 s read timeout gives up on a Bot API answering in 6 s: no reply lands.
    api_timeout: float = 30.0
    api_connect_timeout: float = 10.0
    reply_retry_seconds: float = 60.0
    # DESIGN §2/§13: where Telegram posts updates (None: long polling) and the secret_token it
    # sends with each; the secret must never reach a log line.
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # DESIGN §2: host and port of the web server of `run` (webhook, ingest API, /healthz, /metrics).
    listen: tuple[str, int] = DEFAULT_LISTEN
    # DESIGN §14: the ingest API's bearer token (None: the API is off) and Shopify's webhook
    # secret (None: no /webhooks/shopify). Secrets: never logged, not in the repr.
    api_token: str | None = None
    shopify_secret: str | None = None

    def __repr__(self) -> str:
        # Why: the token and the database password must never reach a log line through a repr.
        return f"Settings(database={self.shown_database}, api_base_url={self.api_base_url!r}, ...)"

    @property
    def database_target(self) -> str | Path:
        """What `open_store` opens: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url if self.database_url is not None else self.db_path

    @property
    def shown_database(self) -> str:
        """The database as it may be printed: the SQLite path, or the URL, password masked."""
        if self.database_url is None:
            return str(self.db_path)
        from storage.database import database_url, shown_url

        return shown_url(database_url(self.database_url))


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines of a .env file (comments and blank lines ignored)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text") from exc
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror}") from exc
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv: Path = Path(".env")
) -> Settings:
    """Settings from `.env` overlaid by the environment; ConfigError names the bad setting."""
    env = {**read_dotenv(dotenv), **(os.environ if environ is None else environ)}

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    try:
        staff = frozenset(
            int(part) for part in (get("BACKORDER_STAFF_IDS") or "").split(",") if part.strip()
        )
    except ValueError as exc:
        raise ConfigError("BACKORDER_STAFF_IDS must be comma-separated user ids") from exc
    timezone = _zone(get("BACKORDER_TIMEZONE") or "UTC")
    frozen_now = None
    if raw_now := get("BACKORDER_NOW"):
        try:
            frozen_now = datetime.fromisoformat(raw_now)
        except ValueError as exc:
            raise ConfigError("BACKORDER_NOW must be an ISO-8601 timestamp") from exc
        if frozen_now.tzinfo is None:
            frozen_now = frozen_now.replace(tzinfo=timezone)
    try:
        quiet_hours = QuietHours.parse(get("BACKORDER_QUIET_HOURS") or "21:00-08:00")
    except ValueError as exc:
        raise ConfigError("BACKORDER_QUIET_HOURS must look like 21:00-08:00") from exc
    try:
        daily_sweep_at = time.fromisoformat(get("BACKORDER_DAILY_SWEEP_AT") or "06:00")
    except ValueError as exc:
        raise ConfigError("BACKORDER_DAILY_SWEEP_AT must be a time like 06:00") from exc
    if daily_sweep_at.tzinfo is not None:
        raise ConfigError(
            "BACKORDER_DAILY_SWEEP_AT must be a wall-clock time like 06:00 "
            "(it is read in BACKORDER_TIMEZONE)"
        )
    token = get("TELEGRAM_BOT_TOKEN")
    if token and not _TOKEN_SHAPE.fullmatch(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN must look like 123456:ABC-def (from @BotFather)")
    api_base_url = get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL
    if not api_base_url.startswith(("http://", "https://")):
        raise ConfigError("TELEGRAM_API_BASE_URL must be an http:// or https:// URL")
    db_path = _db_path(get("BACKORDER_DB"))
    database_url = _database_url(get("BACKORDER_DATABASE_URL"))
    default_language = _default_language(get("BACKORDER_DEFAULT_LANGUAGE"))
    log_level = (get("BACKORDER_LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError("BACKORDER_LOG_LEVEL must be one of " + ", ".join(LOG_LEVELS))
    support_chat_id = None
    if raw_support := get("BACKORDER_SUPPORT_CHAT_ID"):
        try:
            support_chat_id = int(raw_support)
        except ValueError as exc:
            raise ConfigError(
                "BACKORDER_SUPPORT_CHAT_ID must be a chat id (a supergroup's starts with -100)"
            ) from exc
        # Why: hand-off topics need a forum supergroup, whose id is negative (-100…); a positive
        # id is a user's private chat, where no topic can be opened.
        if support_chat_id >= 0:
            raise ConfigError(
                "BACKORDER_SUPPORT_CHAT_ID must be the support supergroup's id, which is negative "
                f"and starts with -100 (not {support_chat_id})"
            )
    support_hours = None
    if raw_hours := get("BACKORDER_SUPPORT_HOURS"):
        try:
            support_hours = SupportHours.parse(raw_hours)
        except ValueError as exc:
            raise ConfigError(
                "BACKORDER_SUPPORT_HOURS must look like Mon-Fri 09:00-17:00, Sat 10:00-14:00 "
                f"({exc})"
            ) from exc
    webhook_url = get("BACKORDER_EVENTS_WEBHOOK_URL")
    if webhook_url and not webhook_url.startswith(("http://", "https://")):
        raise ConfigError("BACKORDER_EVENTS_WEBHOOK_URL must be an http:// or https:// URL")
    telegram_webhook_url, webhook_secret = _telegram_webhook(
        get("BACKORDER_WEBHOOK_URL"), get("BACKORDER_WEBHOOK_SECRET")
    )
    return Settings(
        token=token,
        api_base_url=api_base_url,
        db_path=db_path,
        database_url=database_url,
        staff_ids=staff,
        timezone=timezone,
        default_language=default_language,
        handling_days=_whole(
            get("BACKORDER_HANDLING_DAYS"), "BACKORDER_HANDLING_DAYS", 1, maximum=MAX_DAYS
        ),
        holidays_country=_holidays_country(get("BACKORDER_HOLIDAYS")),
        link_secret=get("BACKORDER_LINK_SECRET"),
        frozen_now=frozen_now,
        quiet_hours=quiet_hours,
        daily_sweep_at=daily_sweep_at,
        refund_days=_whole(
            get("BACKORDER_REFUND_DAYS"), "BACKORDER_REFUND_DAYS", 14, maximum=MAX_DAYS
        ),
        events_webhook_url=webhook_url,
        events_secret=get("BACKORDER_EVENTS_SECRET"),
        send_rate=_rate(get("BACKORDER_SEND_RATE"), "BACKORDER_SEND_RATE", 30.0),
        chat_send_rate=_rate(get("BACKORDER_CHAT_SEND_RATE"), "BACKORDER_CHAT_SEND_RATE", 1.0),
        sends_in_flight=_whole(
            get("BACKORDER_SENDS_IN_FLIGHT"), "BACKORDER_SENDS_IN_FLIGHT", 8, minimum=1
        ),
        paid_broadcast=_switch(get("BACKORDER_PAID_BROADCAST"), "BACKORDER_PAID_BROADCAST"),
        log_level=logging.getLevelNamesMapping()[log_level],
        support_chat_id=support_chat_id,
        support_hours=support_hours,
        api_timeout=_seconds(get("BACKORDER_API_TIMEOUT"), "BACKORDER_API_TIMEOUT", 30.0),
        api_connect_timeout=_seconds(
            get("BACKORDER_API_CONNECT_TIMEOUT"), "BACKORDER_API_CONNECT_TIMEOUT", 10.0
        ),
        reply_retry_seconds=_seconds(
            get("BACKORDER_REPLY_RETRY_SECONDS"),
            "BACKORDER_REPLY_RETRY_SECONDS",
            60.0,
            allow_zero=True,
        ),
        webhook_url=telegram_webhook_url,
        webhook_secret=webhook_secret,
        listen=_listen(get("BACKORDER_LISTEN")),
        api_token=_secret(get("BACKORDER_API_TOKEN"), "BACKORDER_API_TOKEN"),
        shopify_secret=_secret(get("BACKORDER_SHOPIFY_SECRET"), "BACKORDER_SHOPIFY_SECRET"),
    )


def _telegram_webhook(url: str | None, secret: str | None) -> tuple[str | None, str | None]:
    """BACKORDER_WEBHOOK_URL and BACKORDER_WEBHOOK_SECRET, checked as Telegram's setWebhook checks
    them: an https URL (plain http only on a loopback host: the sandbox, tests) and a secret of
    1-256 characters from A-Z, a-z, 0-9, _ and -; the secret is required with the URL. The
    messages never quote the secret."""
    if url is None:
        if secret is not None:
            raise ConfigError(
                "BACKORDER_WEBHOOK_SECRET is set but BACKORDER_WEBHOOK_URL is not; set both for "
                "webhook mode, or neither for long polling"
            )
        return None, None
    parts = urlsplit(url)
    try:
        host, _ = parts.hostname, parts.port
    except ValueError as exc:
        raise ConfigError(f"BACKORDER_WEBHOOK_URL has a bad port: {url!r}") from exc
    loopback_http = parts.scheme == "http" and host in _LOOPBACK_HOSTS
    if not (parts.scheme == "https" or loopback_http) or not host:
        raise ConfigError(
            "BACKORDER_WEBHOOK_URL must be an https:// URL that Telegram can reach, such as "
            f"https://bot.example.com/telegram (not {url!r}); plain http:// only on the "
            "loopback: 127.0.0.1, localhost or [::1]"
        )
    if parts.query or parts.fragment:
        raise ConfigError("BACKORDER_WEBHOOK_URL must not have a query (?...) or fragment (#...)")
    if secret is None:
        raise ConfigError(
            "BACKORDER_WEBHOOK_URL is set but BACKORDER_WEBHOOK_SECRET is not; Telegram sends the "
            "secret with every update and the bot refuses requests without it"
        )
    if not _WEBHOOK_SECRET_SHAPE.fullmatch(secret):
        raise ConfigError(
            "BACKORDER_WEBHOOK_SECRET must be 1-256 characters, only A-Z, a-z, 0-9, _ and - "
            "(Telegram's rule for secret_token)"
        )
    return url, secret


def _listen(raw: str | None) -> tuple[str, int]:
    """BACKORDER_LISTEN as (host, port): `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (every interface)."""
    if raw is None:
        return DEFAULT_LISTEN
    host, separator, port_text = raw.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not separator or not 0 <= port <= 65535:
        raise ConfigError(
            "BACKORDER_LISTEN must be HOST:PORT such as 127.0.0.1:8080 or 0.0.0.0:8080 "
            f"(not {raw!r})"
        )
    return host or "0.0.0.0", port


def _secret(raw: str | None, name: str) -> str | None:
    """A token or secret of at least MIN_SECRET characters (never shown in the error)."""
    if raw is not None and len(raw) < MIN_SECRET:
        raise ConfigError(
            f"{name} must be at least {MIN_SECRET} characters (it is {len(raw)}); "
            "make one with: openssl rand -hex 32"
        )
    return raw


def _db_path(raw: str | None) -> Path:
    """The SQLite file: its folder must exist and the path must not be a folder."""
    path = Path(raw or "backorder.sqlite3")
    if path.is_dir():
        raise ConfigError(f"BACKORDER_DB must be a file, not the folder {path}")
    if not path.parent.is_dir():
        raise ConfigError(f"BACKORDER_DB: the folder {path.parent} does not exist")
    return path


def _database_url(raw: str | None) -> str | None:
    """A `postgresql://…` URL (the server the bot shares with other instances), or None."""
    if raw is None:
        return None
    scheme, separator, _ = raw.partition("://")
    # Why: the message names the scheme only; the rest of the URL may carry a password.
    if not separator or scheme.lower().split("+", 1)[0] not in ("postgresql", "postgres"):
        given = f" (not {scheme}://…)" if separator else ""
        raise ConfigError(
            f"BACKORDER_DATABASE_URL must be a postgresql:// URL{given}; "
            "leave it unset to use SQLite at BACKORDER_DB"
        )
    from sqlalchemy.exc import ArgumentError

    from storage.database import database_url

    try:
        database_url(raw)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(
            "BACKORDER_DATABASE_URL is not a valid URL (postgresql://USER:PASSWORD@HOST:PORT/DB)"
        ) from exc
    return raw


def _default_language(raw: str | None) -> str:
    """One of the shipped languages (en, de, es, fr, ru)."""
    from bot.i18n import SHIPPED_LANGUAGES

    # Why: a regional tag ("de-AT", "fr_CA") names its shipped language.
    language = (raw or "en").replace("_", "-").split("-", 1)[0].lower()
    if language not in SHIPPED_LANGUAGES:
        raise ConfigError(
            "BACKORDER_DEFAULT_LANGUAGE must be one of " + ", ".join(SHIPPED_LANGUAGES)
        )
    return language


def _holidays_country(raw: str | None) -> str | None:
    """A country code the `holidays` package knows (ISO 3166-1, e.g. US, DE), or None."""
    if raw is None:
        return None
    import holidays

    code = raw.upper()
    if code not in holidays.list_supported_countries():
        raise ConfigError(
            f"BACKORDER_HOLIDAYS: {raw!r} is not a country code the holidays package knows "
            "(use one country's ISO code, such as US, DE or FR)"
        )
    return code


def _zone(name: str) -> ZoneInfo:
    """The IANA zone of BACKORDER_TIMEZONE, its name in any letter case; ConfigError if unknown."""
    try:
        return ZoneInfo(name)
    # Why: a zone directory ("America") or an unreadable file is an OSError, not "not found".
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    # Why: zone names are case-sensitive file names, but "utc" or "europe/berlin" mean one zone.
    folded = name.casefold()
    match = next((zone for zone in available_timezones() if zone.casefold() == folded), None)
    if match is None:
        raise ConfigError(
            f"BACKORDER_TIMEZONE: {name!r} is not a known IANA time zone "
            "(such as Europe/Berlin, America/New_York or UTC)"
        )
    return ZoneInfo(match)


def _whole(
    raw: str | None, name: str, default: int, *, minimum: int = 0, maximum: int | None = None
) -> int:
    """A whole-number setting of at least `minimum` (and at most `maximum`)."""
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number") from exc
    if value < minimum:
        raise ConfigError(
            f"{name} must not be negative" if minimum == 0 else f"{name} must be at least {minimum}"
        )
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}")
    return value


def _switch(raw: str | None, name: str) -> bool:
    """An on/off setting: `1` on, `0` (the default) off."""
    if raw is None or raw == "0":
        return False
    if raw == "1":
        return True
    raise ConfigError(f"{name} must be 0 or 1")


def _rate(raw: str | None, name: str, default: float) -> float:
    """A positive messages-per-second setting."""
    if raw is None:
        return default
    try:
        rate = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number of messages per second") from exc
    if not rate > 0 or rate == float("inf"):
        raise ConfigError(f"{name} must be a positive number")
    return rate


def _seconds(raw: str | None, name: str, default: float, *, allow_zero: bool = False) -> float:
    """A duration in seconds: positive (or zero when `allow_zero`), at most an hour."""
    if raw is None:
        return default
    try:
        seconds = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number of seconds") from exc
    if not (seconds >= 0 if allow_zero else seconds > 0):
        raise ConfigError(
            f"{name} must not be negative" if allow_zero else f"{name} must be a positive number"
        )
    if seconds > MAX_API_SECONDS:
        raise ConfigError(f"{name} must be at most {MAX_API_SECONDS:g} seconds")
    return seconds
