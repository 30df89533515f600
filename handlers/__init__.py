"""Telegram layer: one module per flow, registered in this one ordered list (first match wins)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.context import BotContext
from handlers import fallback, help, language, orders, start


def all_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Every handler, in the order PTB should try them; the fallback comes last."""
    return [
        *start.handlers(),
        *orders.handlers(),
        *language.handlers(),
        *help.handlers(),
        *fallback.handlers(),
    ]
