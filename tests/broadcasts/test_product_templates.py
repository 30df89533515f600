"""A product template (supplier delay, stock arrived) reaches only the segment's customers with an
open line of its product that the news is true for, and names only those orders; the others are
counted as left out, and a segment with none of them is refused (DESIGN §11)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.broadcasts import (
    FreeText,
    Problem,
    ProductLines,
    Rejected,
    Segment,
    SegmentKind,
    Template,
    TemplateMessage,
    product_lines,
)
from bot.i18n import Catalogs
from bot.services.broadcasts import (
    BroadcastTexts,
    Preview,
    Queued,
    broadcast_json,
    broadcast_status,
    preview_broadcast,
    queue_broadcast,
)
from storage.store import SqlStore
from tests.broadcasts.shop import (
    BEN,
    DESK_SHIPS,
    DMITRI,
    FILIPE,
    GRETA,
    HUGO,
    LAMP_SHIPS,
    NOW,
    PO2_SHIPS,
    TODAY,
    outbox_rows,
)
from tests.sql import fetch_all


def template(name: Template, sku: str) -> TemplateMessage:
    return TemplateMessage(name, (("sku", sku),))


async def copies(store: SqlStore, queued: Queued | Rejected) -> dict[str, str]:
    """Each recipient's queued copy, by customer."""
    assert isinstance(queued, Queued), queued
    rows: Sequence[Any] = await fetch_all(
        store,
        "SELECT customer_id, text FROM outbox WHERE broadcast_id = :id",
        id=queued.broadcast_id,
    )
    return {str(row[0]): str(row[1]) for row in rows}


def test_a_delay_is_about_lines_still_waiting_and_an_arrival_about_lines_now_ready() -> None:
    assert product_lines(template(Template.SUPPLIER_DELAY, "DESK")) == ProductLines("DESK", False)
    assert product_lines(template(Template.STOCK_ARRIVED, "LAMP")) == ProductLines("LAMP", True)
    assert product_lines(FreeText((("en", "Hello"),))) is None


async def test_a_supplier_delay_reaches_only_customers_waiting_for_that_product(
    store: SqlStore, texts: BroadcastTexts, catalogs: Catalogs
) -> None:
    segment, message = Segment(SegmentKind.ALL), template(Template.SUPPLIER_DELAY, "DESK")
    shown = await preview_broadcast(store, segment, message, texts=texts, today=TODAY)
    assert isinstance(shown, Preview)
    # Seven customers wait for something; Dmitri, Filipe and Hugo wait for a desk.
    assert (shown.recipients, shown.without_product) == (3, 4)
    queued = await queue_broadcast(
        store, segment, message, texts=texts, actor="cli", now=NOW, today=TODAY
    )
    assert isinstance(queued, Queued) and queued.without_product == 4
    sent = await copies(store, queued)
    assert set(sent) == {DMITRI, FILIPE, HUGO}
    # Hugo's chair order H1 has no desk in it: his copy names his desk order only.
    en = catalogs.translator("en")
    hugo = sent[HUGO]
    assert "H2" in hugo and en.date(DESK_SHIPS) in hugo
    assert "H1" not in hugo and en.date(PO2_SHIPS) not in hugo
    view = await broadcast_status(store, queued.broadcast_id)
    assert view is not None and broadcast_json(view)["without_product"] == 4


async def test_stock_arrived_goes_only_to_customers_whose_line_of_it_is_now_ready(
    store: SqlStore, texts: BroadcastTexts, catalogs: Catalogs
) -> None:
    # Ben waits for a chair (B1) and has a lamp in stock (B2); Greta's lamp is in stock;
    # Dmitri waits for a desk.
    segment = Segment(SegmentKind.ORDERS, ("B1", "B2", "G1", "D1"))
    message = template(Template.STOCK_ARRIVED, "LAMP")
    shown = await preview_broadcast(store, segment, message, texts=texts, today=TODAY)
    assert isinstance(shown, Preview)
    assert (shown.recipients, shown.without_product) == (2, 1)
    sent = await copies(
        store,
        await queue_broadcast(
            store, segment, message, texts=texts, actor="cli", now=NOW, today=TODAY
        ),
    )
    assert set(sent) == {BEN, GRETA}
    ben = sent[BEN]
    assert "B2" in ben and catalogs.translator("en").date(LAMP_SHIPS) in ben
    assert "B1" not in ben


async def test_a_product_template_none_of_the_segment_is_waiting_for_is_refused(
    store: SqlStore, texts: BroadcastTexts
) -> None:
    cases = [
        # Every lamp is in stock: no lamp is delayed.
        (Segment(SegmentKind.SKU, ("LAMP",)), template(Template.SUPPLIER_DELAY, "LAMP")),
        # No chair has arrived yet.
        (Segment(SegmentKind.SKU, ("CHAIR",)), template(Template.STOCK_ARRIVED, "CHAIR")),
        # The customers of purchase order PO-1 wait for chairs, not desks.
        (Segment(SegmentKind.PURCHASE_ORDER, ("PO-1",)), template(Template.SUPPLIER_DELAY, "DESK")),
    ]
    for segment, message in cases:
        sku = message.param("sku") or ""
        refused = Rejected(Problem.NO_PRODUCT_LINES, sku)
        assert await preview_broadcast(store, segment, message, texts=texts, today=TODAY) == refused
        queued = await queue_broadcast(
            store, segment, message, texts=texts, actor="cli", now=NOW, today=TODAY
        )
        assert queued == refused
    assert await outbox_rows(store) == 0
