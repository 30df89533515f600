"""Bot API parameters from query strings and JSON, form or multipart bodies, typed on read."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping

from aiohttp import web

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.media import DOCUMENT_BYTES, Upload

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Why: a 50 MB document plus the multipart framing and the other fields fits; more is refused
# with 413 as Telegram's front end does.
MAX_BODY_BYTES = DOCUMENT_BYTES + 1024 * 1024
_ATTACH = "attach://"


async def read_parameters(request: web.Request) -> dict[str, object]:
    """All parameters of a call; body values override the query string, as Telegram does."""
    values: dict[str, object] = dict(request.query)
    if not request.can_read_body:
        return values
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON request body") from exc
        if not isinstance(body, dict):
            raise bad_request("JSON request body must be an object")
        values.update(body)
    elif request.content_type in _FORM_TYPES:
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge as exc:
            raise ApiError(413, "Request Entity Too Large") from exc
        for key, value in form.items():
            if isinstance(value, str):
                values[key] = value
            elif isinstance(value, web.FileField):
                values[key] = Upload(value.filename, value.content_type, value.file.read())
    return values


class Params:
    """Typed access to one call's parameters, limited to the names its method declares."""

    def __init__(self, values: Mapping[str, object], declared: Collection[str]) -> None:
        self._values = values
        self._declared = declared

    def has(self, name: str) -> bool:
        """Whether the caller passed this parameter with a value."""
        return self._raw(name) is not None

    def string(self, name: str) -> str | None:
        """A String parameter."""
        value = self._raw(name)
        if value is None:
            return None
        if isinstance(value, bool | dict | list):
            raise _wrong_type(name, "String")
        return str(value)

    def integer(self, name: str) -> int | None:
        """An Integer parameter (form bodies send it as text)."""
        value = self._raw(name)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise _wrong_type(name, "Integer")

    def number(self, name: str) -> float | None:
        """An Integer parameter where fractions are tolerated (timeouts)."""
        value = self._raw(name)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise _wrong_type(name, "Integer")

    def boolean(self, name: str) -> bool | None:
        """A Boolean parameter; form bodies send "true"/"false"."""
        value = self._raw(name)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "1", "false", "0"}:
            return value.strip().lower() in {"true", "1"}
        raise _wrong_type(name, "Boolean")

    def file(self, name: str) -> Upload | str | None:
        """An InputFile or String parameter: an uploaded part (also named by "attach://<part>"),
        or a file_id or HTTP URL."""
        value = self._raw(name)
        if value is None or isinstance(value, Upload):
            return value
        if isinstance(value, str):
            if value.startswith(_ATTACH):
                part = self._values.get(value.removeprefix(_ATTACH))
                if isinstance(part, Upload):
                    return part
                raise bad_request(f"{name} must be an uploaded file: no part {value!r}")
            return value
        raise _wrong_type(name, "InputFile or String")

    def json_value(self, name: str) -> object:
        """A JSON-serialized object or array (already decoded when the body was JSON)."""
        value = self._raw(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def chat_id(self, name: str = "chat_id") -> int | None:
        """A chat id; "@username" chats do not exist for private chats."""
        value = self._raw(name)
        if isinstance(value, str) and value.startswith("@"):
            raise bad_request("chat not found")
        return self.integer(name)

    def _raw(self, name: str) -> object:
        if name not in self._declared:
            raise KeyError(f"{name!r} is not a declared parameter of this method")
        value = self._values.get(name)
        return None if value == "" else value


def _wrong_type(name: str, type_name: str) -> ApiError:
    return bad_request(f'field "{name}" must be of type {type_name}')
