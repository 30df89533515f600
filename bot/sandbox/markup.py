"""Reply markup checks (inline keyboards, reply keyboards, removal) as Telegram applies them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.sandbox.errors import ApiError, bad_request

KeyboardKind = Literal["inline", "reply", "remove", "force_reply"]
CALLBACK_DATA_LIMIT = 64
# Why: Telegram refuses an inline keyboard of more than 100 buttons.
INLINE_BUTTON_LIMIT = 100
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_REPLY_OPTIONS = (
    "request_contact",
    "request_location",
    "request_poll",
    "web_app",
    "request_users",
    "request_chat",
)


@dataclass(frozen=True)
class Markup:
    """A checked reply markup: its kind, its button rows and the JSON as sent."""

    kind: KeyboardKind
    rows: tuple[tuple[dict[str, object], ...], ...]
    source: dict[str, object]

    def buttons(self) -> list[list[dict[str, object]]]:
        """Button rows as the transcript shows them."""
        return [[dict(button) for button in row] for row in self.rows]


def parse_markup(value: object, *, inline_only: bool = False) -> Markup | None:
    """Check a reply_markup object; None when absent."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _unparsable()
    if "inline_keyboard" in value:
        rows = _rows(value["inline_keyboard"], _inline_button)
        if sum(len(row) for row in rows) > INLINE_BUTTON_LIMIT:
            raise bad_request("reply markup is too long")
        return Markup("inline", rows, value)
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in value:
        return Markup("reply", _rows(value["keyboard"], _reply_button), value)
    if value.get("remove_keyboard") is True:
        return Markup("remove", (), value)
    if value.get("force_reply") is True:
        return Markup("force_reply", (), value)
    raise _unparsable()


def _rows(
    value: object, parse_button: Callable[[object], dict[str, object]]
) -> tuple[tuple[dict[str, object], ...], ...]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise _unparsable()
    return tuple(tuple(parse_button(button) for button in row) for row in value)


def _inline_button(button: object) -> dict[str, object]:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _unparsable()
    if not button["text"].strip():
        raise bad_request("text buttons are unallowed in the inline keyboard")
    actions = [name for name in _INLINE_ACTIONS if name in button]
    if len(actions) != 1:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    shown: dict[str, object] = {"text": button["text"], actions[0]: button[actions[0]]}
    if actions[0] == "callback_data":
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    if actions[0] == "url" and not str(button["url"]).strip():
        raise bad_request("BUTTON_URL_INVALID")
    return shown


def _reply_button(button: object) -> dict[str, object]:
    if isinstance(button, str):
        button = {"text": button}
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _unparsable()
    if not button["text"].strip():
        raise bad_request("keyboard button text must be non-empty")
    shown: dict[str, object] = {"text": button["text"]}
    shown.update({name: button[name] for name in _REPLY_OPTIONS if button.get(name)})
    return shown


def _unparsable() -> ApiError:
    return bad_request("can't parse reply keyboard markup JSON object")
