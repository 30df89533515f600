"""A chat's profile (linked customer, languages, an awaited comment's window) in one query."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.chat_profile import ChatProfile
from storage.bulk import fetch_rows
from storage.codec import customer_tag_of
from storage.schema import BigInt, chat_links, chat_prefs, customers, ratings

_chat = select(bindparam("chat_id", type_=BigInt).label("chat_id")).subquery("q")
_link = chat_links.alias("l")
_customer = customers.alias("c")
_prefs = chat_prefs.alias("p")

# Why: asked with the profile, so the chat's other updates (nearly all) skip the rating read.
_COMMENT_UNTIL = (
    select(func.max(ratings.c.comment_until))
    .where(ratings.c.comment_chat_id == _chat.c.chat_id, ratings.c.comment_until.is_not(None))
    .scalar_subquery()
)
# Why: the customer's own choice wins over the orders' language, as in `customer_from`.
_PROFILE = select(
    _link.c.customer_id, customer_tag_of(_customer), _prefs.c.language, _COMMENT_UNTIL
).select_from(
    _chat.outerjoin(_link, _link.c.chat_id == _chat.c.chat_id)
    .outerjoin(_customer, _customer.c.customer_id == _link.c.customer_id)
    .outerjoin(_prefs, _prefs.c.chat_id == _chat.c.chat_id)
)


async def read_chat_profile(conn: AsyncConnection, chat_id: int) -> ChatProfile:
    """The chat's linked customer, that customer's language, the chat's own language and the
    end of an awaited comment's window (see `ChatProfile`)."""
    ((customer_id, customer_language, chat_language, comment_until),) = await fetch_rows(
        conn, _PROFILE, {"chat_id": chat_id}
    )
    return ChatProfile(
        None if customer_id is None else str(customer_id),
        customer_language or None,
        chat_language or None,
        None if comment_until is None else datetime.fromisoformat(str(comment_until)),
    )
