"""Run-time settings of the sandbox: flood limits, injected faults, latency."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class SandboxConfig:
    """Limits and faults; all changeable at run time via the control API."""

    global_rate: float | None = 30.0
    per_chat_rate: float | None = 1.0
    burst: int = 3
    fault_5xx_rate: float = 0.0
    delay_ms: int = 0
    seed: int = 0
    bot_username: str = "BackorderDemoBot"
    # Why: a named method failing on its own (e.g. setMyCommands at start-up) is a fault to test.
    failing_methods: str = ""
    # Why: a slow send with a fast getUpdates shows whether replies to different chats overlap.
    delayed_methods: str = ""

    def as_dict(self) -> dict[str, object]:
        """The settings as JSON-ready values."""
        return asdict(self)

    def fails(self, method: str) -> bool:
        """Whether `failing_methods` (comma-separated Bot API names) makes `method` answer 500."""
        return method.lower() in _names(self.failing_methods)

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
            burst=_whole(updated["burst"], "burst", minimum=1),
            fault_5xx_rate=_probability(updated["fault_5xx_rate"]),
            delay_ms=_whole(updated["delay_ms"], "delay_ms", minimum=0),
            seed=_whole(updated["seed"], "seed", minimum=None),
            bot_username=str(updated["bot_username"]),
            failing_methods=str(updated["failing_methods"]),
            delayed_methods=str(updated["delayed_methods"]),
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
