"""Typed PTB context: handlers reach the services and the chat's translator without string keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.domain.app_store import AppStore
from bot.domain.chat_profile import ChatProfile
from bot.domain.eta import EtaRules
from bot.i18n import Catalogs, Translator

SERVICES_KEY = "services"
_NO_CHAT = ChatProfile(None, None, None)


@dataclass(frozen=True)
class Services:
    """Everything a handler may use, built once at start-up."""

    settings: Settings
    store: AppStore
    clock: Clock
    rules: EtaRules
    catalogs: Catalogs


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the services."""

    # Why: PTB makes one context per update, so the chat's profile is read once per update.
    _chat_profile: ChatProfile | None = None

    @property
    def services(self) -> Services:
        """The application's services."""
        services = self.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        return services

    async def chat_profile(self, update: Update) -> ChatProfile:
        """The linked customer and languages of this update's chat, read once per update."""
        if self._chat_profile is None:
            chat = update.effective_chat
            self._chat_profile = (
                await self.services.store.chat_profile(chat.id) if chat else _NO_CHAT
            )
        return self._chat_profile

    def forget_chat_profile(self) -> None:
        """Read the chat's profile afresh next time: this update changed its link or language."""
        self._chat_profile = None

    async def translator(self, update: Update) -> Translator:
        """The translator for the chat of this update (languages as in `language_candidates`)."""
        user = update.effective_user
        candidates = language_candidates(
            await self.chat_profile(update), user.language_code if user else None
        )
        return self.services.catalogs.translator(*candidates)


def language_candidates(
    profile: ChatProfile, telegram_language: str | None
) -> tuple[str | None, ...]:
    """The chat's own choice, else the customer's (chosen or from the orders), else Telegram's.

    DESIGN §7: the choice made in the chat wins, before or after linking.
    """
    return (profile.chat_language, profile.customer_language, telegram_language)


def language_of(services: Services, profile: ChatProfile, telegram_language: str | None) -> str:
    """The shipped language a chat is written to in (see `language_candidates`)."""
    return services.catalogs.negotiate(*language_candidates(profile, telegram_language))


async def chat_language(
    services: Services, chat_id: int | None, telegram_language: str | None
) -> str:
    """The language of a chat (see `language_of`)."""
    profile = await services.store.chat_profile(chat_id) if chat_id is not None else _NO_CHAT
    return language_of(services, profile, telegram_language)
