"""What `backorder-bot run` writes: never the token; one line naming the setting if it cannot start.

The log formatter redacts every line; `guard_exit_paths` covers what bypasses logging (uncaught
exceptions, exceptions in `__del__` or threads, warnings); `start_failure` turns a failure to start
against the Bot API into one line naming the setting to check (DESIGN §2, §6).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError, TimedOut

REDACTED = "<token>"
# Why: PTB logs a non-JSON answer (a proxy's HTML error page) with a traceback, then raises an
# error that says the same in one line where it is handled.
_NON_JSON_ANSWER = "Can not load invalid JSON data"


class Redactor:
    """Replaces a bot token, and its secret part on its own, in text."""

    def __init__(self, token: str) -> None:
        secret = token.partition(":")[2]
        # Why: the whole token first, so it becomes one marker, not "123:<token>"; a secret part
        # too short to be a real one would only mangle ordinary words.
        self._secrets = [token, *([secret] if len(secret) >= 8 else [])]

    def __call__(self, text: str) -> str:
        """`text` without the token or its secret part."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class NonJsonAnswers(logging.Filter):
    """PTB's ERROR record with a traceback for a non-JSON answer becomes one DEBUG line."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self._level = level

    def filter(self, record: logging.LogRecord) -> bool:
        """Downgrade the record; keep it only when DEBUG is on."""
        if record.name.startswith("telegram.request") and str(record.msg).startswith(
            _NON_JSON_ANSWER
        ):
            record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
            record.exc_info, record.exc_text = None, None
            return self._level <= logging.DEBUG
        return True


def guard_exit_paths(redact: Redactor) -> None:
    """Make what bypasses logging redacted too: uncaught exceptions, `__del__` and thread errors.

    Why: a last line of defence; the real paths (start-up failures, log lines) are handled where
    they happen, but an exception nobody expected must not print the token either.
    """

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))

    def unraisablehook(unraisable: sys.UnraisableHookArgs) -> None:
        lines = traceback.format_exception(
            unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback
        )
        what = unraisable.err_msg or "Exception ignored in"
        sys.stderr.write(redact(f"{what}: {unraisable.object!r}\n" + "".join(lines)))

    def threading_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        lines = traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        name = args.thread.name if args.thread is not None else "a thread"
        sys.stderr.write(redact(f"Exception in {name}:\n" + "".join(lines)))

    sys.excepthook = excepthook
    sys.unraisablehook = unraisablehook
    threading.excepthook = threading_hook
    # Why: warnings print object reprs (URLs among them) straight to stderr otherwise.
    logging.captureWarnings(True)


class StartRefused(Exception):
    """A start-up step failed in a way one setting explains; the message names it (no secret)."""


def start_failure(error: BaseException) -> str | None:
    """The one line (without the token) saying which setting to check, or None if not the API's.

    A 401 means Telegram rejected the token; a 404 (or an answer that is not the Bot API's JSON)
    means the base URL does not lead to a Bot API; a refused connection, an unknown host or a
    timeout means it cannot be reached.
    """
    for cause in _chain(error):
        if isinstance(cause, StartRefused):
            return str(cause)
    for cause in _chain(error):
        if isinstance(cause, InvalidToken) and _rejected_token(cause):
            return (
                "the Bot API rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); "
                "check the token from @BotFather"
            )
    for cause in _chain(error):
        if isinstance(cause, InvalidToken):
            return (
                "TELEGRAM_API_BASE_URL does not lead to a Bot API (it answered 404 Not Found); "
                "it should end in /bot, as https://api.telegram.org/bot does"
            )
        if isinstance(cause, TimedOut):
            return (
                "the Bot API at TELEGRAM_API_BASE_URL did not answer in time "
                "(BACKORDER_API_TIMEOUT, BACKORDER_API_CONNECT_TIMEOUT)"
            )
        if isinstance(cause, NetworkError) and not isinstance(cause, BadRequest):
            return f"cannot reach the Bot API at TELEGRAM_API_BASE_URL ({_reason(cause)})"
        if _not_bot_api_json(cause):
            return (
                "TELEGRAM_API_BASE_URL does not lead to a Bot API "
                "(its answer is not the Bot API's JSON)"
            )
    return None


def _not_bot_api_json(error: BaseException) -> bool:
    """Whether PTB found the answer was not the Bot API's JSON: not JSON at all, or JSON that
    lacks the Bot API's `result` (PTB's request layer then fails on the missing key)."""
    if isinstance(error, TelegramError):
        return "Invalid server response" in error.message
    if isinstance(error, KeyError) and error.args == ("result",):
        frames = traceback.extract_tb(error.__traceback__)
        return bool(frames) and "telegram/request" in frames[-1].filename.replace("\\", "/")
    return False


def _chain(error: BaseException) -> list[BaseException]:
    """The error, then what caused it or was being handled, outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not known for known in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _rejected_token(error: InvalidToken) -> bool:
    """Whether the Bot API answered 401: it knows the token's shape and refuses this one."""
    return "unauthorized" in error.message.lower() or "(401)" in error.message


def _reason(error: NetworkError) -> str:
    """The network failure in a few words on one line ("connection refused", "Bad Gateway")."""
    # Why: PTB appends the server's whole answer when it is not JSON (an HTML error page).
    text = " ".join(error.message.split(". Parsing the server response", 1)[0].split())
    # Why: PTB wraps httpx's message as "httpx.ConnectError: [Errno 111] Connection refused".
    text = text.removeprefix("httpx.")
    return text[:120] or type(error).__name__
