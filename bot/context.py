"""Typed PTB context: handlers reach the services and the chat's translator without string keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.domain.eta import EtaRules
from bot.domain.store import Store
from bot.i18n import Catalogs, Translator

SERVICES_KEY = "services"


@dataclass(frozen=True)
class Services:
    """Everything a handler may use, built once at start-up."""

    settings: Settings
    store: Store
    clock: Clock
    rules: EtaRules
    catalogs: Catalogs


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the services."""

    @property
    def services(self) -> Services:
        """The application's services."""
        services = self.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        return services

    async def translator(self, update: Update) -> Translator:
        """The translator for the chat of this update."""
        chat = update.effective_chat
        user = update.effective_user
        language = await chat_language(
            self.services, chat.id if chat else None, user.language_code if user else None
        )
        return self.services.catalogs.translator(language)


async def chat_language(
    services: Services, chat_id: int | None, telegram_language: str | None
) -> str:
    """Customer's choice, else the order's language, else the chat's choice, else Telegram's."""
    store = services.store
    candidates: list[str | None] = []
    if chat_id is not None:
        customer_id = await store.linked_customer(chat_id)
        if customer_id is not None:
            # Why: the store reports the customer's own choice first, else the orders' language.
            customer = await store.get_customer(customer_id)
            candidates.append(customer.language if customer else None)
        candidates.append(await store.chat_language(chat_id))
    candidates.append(telegram_language)
    return services.catalogs.negotiate(*candidates)
