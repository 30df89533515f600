"""Dates in broadcast copies and notices follow the customer's own locale (DESIGN §7): a British
customer who picked "English" reads British dates, as on their order screens; an American one
American dates; a Brazilian one English text with Brazilian dates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.broadcasts import Segment, SegmentKind, Template, TemplateMessage
from bot.i18n import Catalogs
from bot.services.broadcasts import BroadcastTexts, Queued, queue_broadcast
from storage.codec import customer_tag
from storage.store import SqlStore
from tests.broadcasts.shop import BEN, CHAT_OF, DESK_SHIPS, FILIPE, HUGO, NOW, PO1_SHIPS, TODAY
from tests.sql import execute, fetch_all


def test_a_choice_of_the_orders_language_keeps_the_orders_region() -> None:
    assert customer_tag("en", "en-GB") == "en-GB"
    assert customer_tag("en", "en_GB") == "en_GB"
    assert customer_tag("de", "en-GB") == "de"
    assert customer_tag(None, "pt-BR") == "pt-BR"
    assert customer_tag("en", None) == "en"
    assert customer_tag(None, None) is None


async def british(store: SqlStore) -> None:
    """Ben's orders say en-GB (as an orders CSV would) and he picked English with /language."""
    await execute(store, "UPDATE customers SET language = 'en-GB' WHERE customer_id = :id", id=BEN)
    await store.set_customer_language(BEN, "en", actor="telegram:1", at=NOW)


async def test_a_british_customer_who_picked_english_reads_british_dates_in_a_broadcast(
    store: SqlStore, texts: BroadcastTexts, catalogs: Catalogs
) -> None:
    await british(store)
    chairs = TemplateMessage(Template.SUPPLIER_DELAY, (("sku", "CHAIR"),))
    desks = TemplateMessage(Template.SUPPLIER_DELAY, (("sku", "DESK"),))
    sent: dict[str, str] = {}
    for message in (chairs, desks):
        queued = await queue_broadcast(
            store, Segment(SegmentKind.ALL), message, texts=texts, actor="cli", now=NOW, today=TODAY
        )
        assert isinstance(queued, Queued)
        rows: Sequence[Any] = await fetch_all(
            store,
            "SELECT customer_id, text FROM outbox WHERE broadcast_id = :id",
            id=queued.broadcast_id,
        )
        sent |= {f"{row[0]}:{message.param('sku')}": str(row[1]) for row in rows}
    uk, us = catalogs.translator("en-GB"), catalogs.translator("en-US")
    assert uk.date(PO1_SHIPS) != us.date(PO1_SHIPS)
    ben = sent[f"{BEN}:CHAIR"]
    assert uk.date(PO1_SHIPS) in ben and us.date(PO1_SHIPS) not in ben
    # Hugo has no language of his own: the default, English, with American dates.
    assert us.date(DESK_SHIPS) in sent[f"{HUGO}:DESK"]
    # Filipe reads Portuguese (not shipped): English text, Brazilian dates.
    filipe = sent[f"{FILIPE}:DESK"]
    assert "A supplier delay affects your order" in filipe
    assert catalogs.translator("pt-BR").date(DESK_SHIPS) in filipe
    assert us.date(DESK_SHIPS) not in filipe


async def test_notices_and_the_chat_format_in_the_same_locale_for_a_british_customer(
    store: SqlStore, catalogs: Catalogs
) -> None:
    await british(store)
    customer = await store.get_customer(BEN)
    profile = await store.chat_profile(CHAT_OF[BEN])
    assert customer is not None and customer.language == "en-GB"
    assert profile.customer_language == "en-GB"
    # The notice sweep renders each digest with the translator of the customer's tag.
    assert str(catalogs.translator(customer.language).locale) == "en_GB"
    assert catalogs.translator(customer.language).language == "en"
