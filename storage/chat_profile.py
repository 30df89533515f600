"""A chat's profile (linked customer, languages) in one query."""

from __future__ import annotations

import aiosqlite

from bot.domain.chat_profile import ChatProfile
from storage.codec import CUSTOMER_TAG_SQL

# Why: the customer's own choice wins over the orders' language, as in `customer_from`.
_PROFILE = f"""
    SELECT l.customer_id, {CUSTOMER_TAG_SQL}, p.language
      FROM (SELECT ? AS chat_id) AS q
      LEFT JOIN chat_links AS l ON l.chat_id = q.chat_id
      LEFT JOIN customers AS c ON c.customer_id = l.customer_id
      LEFT JOIN chat_prefs AS p ON p.chat_id = q.chat_id"""


async def read_chat_profile(conn: aiosqlite.Connection, chat_id: int) -> ChatProfile:
    """The chat's linked customer, that customer's language and the chat's own language."""
    # Why: one hop to the database thread; execute, fetch and close would be three.
    ((customer_id, customer_language, chat_language),) = await conn.execute_fetchall(
        _PROFILE, (chat_id,)
    )
    return ChatProfile(
        None if customer_id is None else str(customer_id),
        customer_language or None,
        chat_language or None,
    )
