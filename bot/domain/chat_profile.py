"""What a chat's every update needs first: its customer and the languages to choose from."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Protocol, cast, runtime_checkable

from bot.domain.store import Store


@dataclass(frozen=True)
class ChatProfile:
    """The customer a chat is linked to, the customer's language and the chat's own choice."""

    customer_id: str | None
    customer_language: str | None
    chat_language: str | None


@runtime_checkable
class ChatProfileStore(Store, Protocol):
    """A store that reads a chat's profile in one round trip."""

    async def chat_profile(self, chat_id: int) -> ChatProfile:
        """The chat's linked customer, that customer's language and the chat's language."""
        ...


async def read_chat_profile(store: Store, chat_id: int) -> ChatProfile:
    """The chat's profile, in one read when the store offers it."""
    if _reads_profiles(type(store)):
        return await cast(ChatProfileStore, store).chat_profile(chat_id)
    customer_id = await store.linked_customer(chat_id)
    customer = await store.get_customer(customer_id) if customer_id is not None else None
    return ChatProfile(
        customer_id,
        customer.language if customer is not None else None,
        await store.chat_language(chat_id),
    )


@cache
def _reads_profiles(store_type: type[Store]) -> bool:
    # Why: a runtime protocol check inspects every method; once per store class is enough.
    return issubclass(store_type, ChatProfileStore)
