"""The Bot API methods the sandbox serves, by case-insensitive name."""

from __future__ import annotations

from bot.sandbox.methods import callbacks, forum, media, messages, settings, updates
from bot.sandbox.methods.base import Call, Method

SERVED_METHODS: tuple[Method, ...] = (
    *updates.METHODS,
    *messages.METHODS,
    *forum.METHODS,
    *media.METHODS,
    *callbacks.METHODS,
    *settings.METHODS,
)
METHODS_BY_NAME: dict[str, Method] = {method.name.lower(): method for method in SERVED_METHODS}

__all__ = ["METHODS_BY_NAME", "SERVED_METHODS", "Call", "Method"]
