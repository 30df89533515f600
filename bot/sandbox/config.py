"""Run-time settings of the sandbox: flood limits, injected faults, latency."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class SandboxConfig:
    """Limits and faults; all changeable at run time via the control API."""

    global_rate: float | None = 30.0
    per_chat_rate: float | None = 1.0
    # Why: sends with allow_paid_broadcast have Telegram's own higher overall limit (1000/s).
    paid_broadcast_rate: float | None = 1000.0
    burst: int = 3
    # Why: Telegram allows a bot about 20 messages per minute in one group, on top of 1/s per chat.
    group_rate_per_minute: float | None = 20.0
    fault_5xx_rate: float = 0.0
    delay_ms: int = 0
    seed: int = 0
    bot_username: str = "BackorderDemoBot"
    # Why: a named method failing on its own (e.g. setMyCommands at start-up) is a fault to test.
    failing_methods: str = ""
    # Why: a burst of failures that then clears ("sendMessage:3") is what retries must outlast.
    fail_next: str = ""
    fault_code: int = 500
    # Why: a slow send with a fast getUpdates shows whether replies to different chats overlap.
    delayed_methods: str = ""
    # Webhook delivery (setWebhook): the first wait after a failed POST, doubling up to the
    # longest; how long one POST may take. Telegram's own waits are longer; tests want short ones.
    webhook_retry_seconds: float = 0.1
    webhook_retry_max_seconds: float = 5.0
    webhook_timeout_seconds: float = 30.0

    def as_dict(self) -> dict[str, object]:
        """The settings as JSON-ready values."""
        return asdict(self)

    def fails(self, method: str) -> bool:
        """Whether `method` answers `fault_code` now: named in `failing_methods`, or in `fail_next`.

        `failing_methods` is comma-separated Bot API names that always fail; `fail_next` is
        `Name:N` pairs ("sendMessage:3,answerCallbackQuery:1"): the next N calls of each fail, and
        the count goes down as they do (a pair at 0 is dropped).
        """
        if method.lower() in _names(self.failing_methods):
            return True
        counts = _fail_counts(self.fail_next)
        key = next((name for name in counts if name.lower() == method.lower()), None)
        if key is None:
            return False
        counts[key] -= 1
        self.fail_next = ",".join(f"{name}:{n}" for name, n in counts.items() if n > 0)
        return True

    def delays(self, method: str) -> bool:
        """Whether `delay_ms` applies to `method`: every method, or those in `delayed_methods`."""
        names = _names(self.delayed_methods)
        return self.delay_ms > 0 and (not names or method.lower() in names)

    def apply(self, changes: dict[str, object]) -> None:
        """Change the named fields, checking names and types; nothing changes on error."""
        known = {field.name for field in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown sandbox setting(s): {', '.join(unknown)}")
        updated = {**self.as_dict(), **changes}
        checked = SandboxConfig(
            global_rate=_optional_rate(updated["global_rate"], "global_rate"),
            per_chat_rate=_optional_rate(updated["per_chat_rate"], "per_chat_rate"),
            paid_broadcast_rate=_optional_rate(
                updated["paid_broadcast_rate"], "paid_broadcast_rate"
            ),
            burst=_whole(updated["burst"], "burst", minimum=1),
            group_rate_per_minute=_optional_rate(
                updated["group_rate_per_minute"], "group_rate_per_minute"
            ),
            fault_5xx_rate=_probability(updated["fault_5xx_rate"]),
            delay_ms=_whole(updated["delay_ms"], "delay_ms", minimum=0),
            seed=_whole(updated["seed"], "seed", minimum=None),
            bot_username=str(updated["bot_username"]),
            failing_methods=str(updated["failing_methods"]),
            fail_next=_fail_next(updated["fail_next"]),
            fault_code=_fault_code(updated["fault_code"]),
            delayed_methods=str(updated["delayed_methods"]),
            webhook_retry_seconds=_seconds(
                updated["webhook_retry_seconds"], "webhook_retry_seconds"
            ),
            webhook_retry_max_seconds=_seconds(
                updated["webhook_retry_max_seconds"], "webhook_retry_max_seconds"
            ),
            webhook_timeout_seconds=_seconds(
                updated["webhook_timeout_seconds"], "webhook_timeout_seconds"
            ),
        )
        for field in fields(self):
            setattr(self, field.name, getattr(checked, field.name))


def _names(methods: str) -> set[str]:
    return {name.strip().lower() for name in methods.split(",") if name.strip()}


def _optional_rate(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{name} must be a positive number or null")
    return float(value)


def _seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds")
    return float(value)


def _whole(value: object, name: str, *, minimum: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}")
    return value


def _probability(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError("fault_5xx_rate must be between 0 and 1")
    return float(value)


# Why: what Telegram (or a proxy in front of it) answers with these codes.
FAULT_DESCRIPTIONS = {
    400: "Bad Request: injected fault",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after 1",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _fault_code(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in FAULT_DESCRIPTIONS:
        codes = ", ".join(str(code) for code in FAULT_DESCRIPTIONS)
        raise ValueError(f"fault_code must be one of {codes}")
    return value


def _fail_next(value: object) -> str:
    text = str(value)
    _fail_counts(text)
    return text


def _fail_counts(text: str) -> dict[str, int]:
    """`Name:N` pairs, comma-separated, as a dict; ValueError when one is malformed."""
    counts: dict[str, int] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        name, _, count = pair.partition(":")
        if not name.strip() or not count.strip().isdigit():
            raise ValueError(f"fail_next: {pair!r} is not Name:N (such as sendMessage:3)")
        counts[name.strip()] = counts.get(name.strip(), 0) + int(count)
    return counts
