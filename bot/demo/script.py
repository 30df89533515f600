"""Demo script lines parsed into typed actions (DESIGN §3, "Demo script and transcript")."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


class ScriptError(ValueError):
    """A script line is not a valid action."""

    def __init__(self, line_no: int, line: str, reason: str) -> None:
        super().__init__(f"line {line_no}: {reason}: {line!r}")
        self.line_no = line_no
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Say:
    """Send a text message."""

    text: str


@dataclass(frozen=True, slots=True)
class Tap:
    """Press the inline button whose label contains `label` on the latest keyboard."""

    label: str


@dataclass(frozen=True, slots=True)
class ShareContact:
    """Share the demo customer's own phone number."""


@dataclass(frozen=True, slots=True)
class Wait:
    """Let the bot and its scheduler run for a while."""

    seconds: float


Action = Say | Tap | ShareContact | Wait


@dataclass(frozen=True, slots=True)
class ScriptStep:
    """One action with the line it came from."""

    line_no: int
    action: Action


def parse_action(line: str, line_no: int = 1) -> Action | None:
    """The action of one line, or None for a blank or comment line."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if stripped == "contact":
        return ShareContact()
    keyword, colon, rest = stripped.partition(":")
    if not colon:
        raise ScriptError(line_no, line, "expected 'say:', 'tap:', 'wait:' or 'contact'")
    argument = rest.strip()
    match keyword.strip():
        case "say":
            if not argument:
                raise ScriptError(line_no, line, "'say:' needs a text")
            return Say(argument)
        case "tap":
            if not argument:
                raise ScriptError(line_no, line, "'tap:' needs a button label")
            return Tap(argument)
        case "wait":
            return Wait(_seconds(argument, line_no, line))
        case _:
            raise ScriptError(line_no, line, f"unknown action {keyword.strip()!r}")


def parse_script(lines: Iterable[str]) -> list[ScriptStep]:
    """All actions of a script, each with its 1-based line number."""
    steps: list[ScriptStep] = []
    for line_no, line in enumerate(lines, start=1):
        action = parse_action(line, line_no)
        if action is not None:
            steps.append(ScriptStep(line_no, action))
    return steps


def _seconds(argument: str, line_no: int, line: str) -> float:
    try:
        seconds = float(argument)
    except ValueError:
        raise ScriptError(line_no, line, "'wait:' needs a number of seconds") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise ScriptError(line_no, line, "'wait:' needs a number of seconds ≥ 0")
    return seconds
