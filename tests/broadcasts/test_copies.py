"""Each copy is personal: the recipient's own affected orders and current dates, in their
language and locale; free text goes as staff wrote it, escaped, else the default language's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.domain.broadcasts import (
    AffectedOrder,
    FreeText,
    Problem,
    Rejected,
    Segment,
    SegmentFilter,
    SegmentKind,
    Template,
    TemplateMessage,
    free_text,
)
from bot.domain.fitting import MESSAGE_LIMIT, visible_length
from bot.i18n import Catalogs
from bot.services.broadcasts import (
    BroadcastTexts,
    Preview,
    Queued,
    preview_broadcast,
    queue_broadcast,
)
from bot.services.status import order_view
from handlers.broadcast_texts import template_copy
from storage.store import SqlStore
from tests.broadcasts.shop import (
    ANNA,
    BEN,
    DESK_SHIPS,
    DMITRI,
    FILIPE,
    HUGO,
    NOW,
    PO1_SHIPS,
    PO2_SHIPS,
    TODAY,
    outbox_rows,
)
from tests.sql import fetch_all

DELAY = TemplateMessage(
    Template.SUPPLIER_DELAY, (("reason", "Port strike <Hamburg>"), ("sku", "CHAIR"))
)
DESK_DELAY = TemplateMessage(Template.SUPPLIER_DELAY, (("sku", "DESK"),))


async def copies(store: SqlStore, queued: Queued | Rejected) -> dict[str, str]:
    """Each recipient's queued copy, by customer."""
    assert isinstance(queued, Queued), queued
    rows: Sequence[Any] = await fetch_all(
        store,
        "SELECT customer_id, text FROM outbox WHERE broadcast_id = :id",
        id=queued.broadcast_id,
    )
    return {str(row[0]): str(row[1]) for row in rows}


async def test_a_template_copy_names_only_the_recipients_own_orders_and_dates_in_their_language(
    store: SqlStore, texts: BroadcastTexts, catalogs: Catalogs
) -> None:
    queued = await queue_broadcast(
        store, Segment(SegmentKind.ALL), DELAY, texts=texts, actor="cli", now=NOW, today=TODAY
    )
    sent = await copies(store, queued)
    de, en = catalogs.translator("de"), catalogs.translator("en")
    anna = sent[ANNA]
    assert de.gettext("<b>A supplier delay affects your order</b>") in anna
    assert (
        de.gettext(
            "Our supplier of {product} is delivering later than planned.", product="Office chair"
        )
        in anna
    )
    assert "Port strike &lt;Hamburg&gt;" in anna
    assert "A1" in anna and de.date(PO1_SHIPS) in anna
    assert "B1" not in anna and "H1" not in anna
    # Hugo waits for a chair (H1) and a desk (H2): the chair's delay names his chair order only.
    hugo = sent[HUGO]
    assert en.gettext("<b>A supplier delay affects your order</b>") in hugo
    assert en.date(PO2_SHIPS) in hugo and en.date(DESK_SHIPS) not in hugo
    assert "H1" in hugo and "H2" not in hugo
    # Ben's lamp is in stock: only his backordered chair order is affected.
    assert "B1" in sent[BEN] and "B2" not in sent[BEN]
    # Dmitri and Filipe wait for desks only: a chair's delay is not sent to them.
    assert DMITRI not in sent and FILIPE not in sent


async def test_a_language_without_its_own_text_reads_the_default_with_its_own_dates(
    store: SqlStore, texts: BroadcastTexts, catalogs: Catalogs
) -> None:
    segment = Segment(SegmentKind.SKU, ("DESK",))
    shown = await preview_broadcast(store, segment, DESK_DELAY, texts=texts, today=TODAY)
    assert isinstance(shown, Preview)
    assert shown.fallback == 1  # Filipe reads Portuguese, not shipped
    queued = await queue_broadcast(
        store, segment, DESK_DELAY, texts=texts, actor="cli", now=NOW, today=TODAY
    )
    filipe = (await copies(store, queued))[FILIPE]
    brazilian = catalogs.translator("pt-BR")
    heading = "<b>A supplier delay affects your order</b>"
    assert brazilian.gettext(heading) == heading
    assert heading in filipe
    assert brazilian.date(DESK_SHIPS) in filipe
    assert catalogs.translator("en").date(DESK_SHIPS) not in filipe


async def test_the_preview_shows_one_real_recipients_copy_per_language_and_queues_nothing(
    store: SqlStore, texts: BroadcastTexts
) -> None:
    shown = await preview_broadcast(
        store, Segment(SegmentKind.ALL), DELAY, texts=texts, today=TODAY
    )
    assert isinstance(shown, Preview)
    # Dmitri (ru, blocked) and Filipe (pt-BR) wait for desks only: left out of a chair's delay.
    assert shown.by_language == {"de": 1, "en": 2, "es": 1}
    assert (shown.recipients, shown.held, shown.not_linked, shown.fallback) == (4, 0, 1, 0)
    assert shown.without_product == 2
    assert await outbox_rows(store) == 0
    queued = await queue_broadcast(
        store, Segment(SegmentKind.ALL), DELAY, texts=texts, actor="cli", now=NOW, today=TODAY
    )
    sent = set((await copies(store, queued)).values())
    assert set(shown.samples) == {"de", "en", "es"}
    assert set(shown.samples.values()) <= sent


async def test_free_text_goes_out_escaped_with_its_lines_and_the_default_text_as_fallback(
    store: SqlStore, texts: BroadcastTexts
) -> None:
    message = free_text(
        {"de": "Hallo <Kunde> & Co.\nZweite Zeile", "en": "Hello <customer>\nLine 2"}
    )
    assert isinstance(message, FreeText)
    shown = await preview_broadcast(
        store, Segment(SegmentKind.ALL), message, texts=texts, today=TODAY
    )
    assert isinstance(shown, Preview)
    # Clara (es), Dmitri (ru) and Filipe (pt-BR) have no text of their own.
    assert shown.by_language == {"de": 1, "en": 5}
    assert shown.fallback == 3
    assert shown.samples["de"] == "Hallo &lt;Kunde&gt; &amp; Co.\nZweite Zeile"
    queued = await queue_broadcast(
        store, Segment(SegmentKind.ALL), message, texts=texts, actor="cli", now=NOW, today=TODAY
    )
    sent = await copies(store, queued)
    assert sent[ANNA] == "Hallo &lt;Kunde&gt; &amp; Co.\nZweite Zeile"
    assert sent[FILIPE] == "Hello &lt;customer&gt;\nLine 2"


async def test_free_text_without_the_default_language_is_refused_when_someone_needs_it(
    store: SqlStore, texts: BroadcastTexts
) -> None:
    message = free_text({"de": "Hallo"})
    assert isinstance(message, FreeText)
    refused = await preview_broadcast(
        store, Segment(SegmentKind.ALL), message, texts=texts, today=TODAY
    )
    assert refused == Rejected(Problem.NO_DEFAULT_TEXT, "en")
    only_german = Segment(SegmentKind.ALL, language="de")
    shown = await preview_broadcast(store, only_german, message, texts=texts, today=TODAY)
    assert isinstance(shown, Preview) and shown.by_language == {"de": 1}


def test_free_text_longer_than_a_message_or_empty_is_refused() -> None:
    assert free_text({"en": "x" * (MESSAGE_LIMIT + 1)}) == Rejected(Problem.TEXT_TOO_LONG, "en")
    assert free_text({"en": "  \n"}) == Rejected(Problem.EMPTY_TEXT, "en")
    assert free_text({"english": "Hi"}) == Rejected(Problem.UNKNOWN_LANGUAGE, "english")


def test_a_copy_with_more_orders_than_a_message_holds_names_the_rest_by_count(
    catalogs: Catalogs,
) -> None:
    t = catalogs.translator("ru")
    orders = [AffectedOrder(f"ORDER-{n:05d}-" + "x" * 40, date(2026, 12, 24)) for n in range(300)]
    text = template_copy(t, DELAY, "Office chair", orders)
    assert visible_length(text) <= MESSAGE_LIMIT
    shown = sum(order.order_id in text for order in orders)
    assert 0 < shown < len(orders)
    assert (
        t.ngettext(
            "…and {n} more order. Send /orders to see them all.",
            "…and {n} more orders. Send /orders to see them all.",
            len(orders) - shown,
        )
        in text
    )


async def test_each_orders_date_in_a_copy_is_the_one_the_customer_sees_in_their_orders(
    store: SqlStore,
) -> None:
    seen = 0
    async for batch in store.segment_customers(SegmentFilter(SegmentKind.ALL), linked_only=False):
        for customer in batch:
            for order in customer.orders:
                view = await order_view(store, order.order_id)
                assert view is not None
                assert order.estimated_ship_date == view.estimated_ship_date
                seen += 1
    assert seen == 8
