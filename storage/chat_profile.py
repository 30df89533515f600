"""A chat's profile (linked customer, languages) in one query."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.chat_profile import ChatProfile
from storage.bulk import fetch_rows
from storage.codec import customer_tag_of
from storage.schema import BigInt, chat_links, chat_prefs, customers

_chat = select(bindparam("chat_id", type_=BigInt).label("chat_id")).subquery("q")
_link = chat_links.alias("l")
_customer = customers.alias("c")
_prefs = chat_prefs.alias("p")

# Why: the customer's own choice wins over the orders' language, as in `customer_from`.
_PROFILE = select(_link.c.customer_id, customer_tag_of(_customer), _prefs.c.language).select_from(
    _chat.outerjoin(_link, _link.c.chat_id == _chat.c.chat_id)
    .outerjoin(_customer, _customer.c.customer_id == _link.c.customer_id)
    .outerjoin(_prefs, _prefs.c.chat_id == _chat.c.chat_id)
)


async def read_chat_profile(conn: AsyncConnection, chat_id: int) -> ChatProfile:
    """The chat's linked customer, that customer's language and the chat's own language."""
    ((customer_id, customer_language, chat_language),) = await fetch_rows(
        conn, _PROFILE, {"chat_id": chat_id}
    )
    return ChatProfile(
        None if customer_id is None else str(customer_id),
        customer_language or None,
        chat_language or None,
    )
