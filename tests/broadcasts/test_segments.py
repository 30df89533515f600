"""Segments pick exactly the right customers; only linked ones get a copy, the rest are counted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from bot.domain.broadcasts import (
    FreeText,
    Problem,
    Rejected,
    Segment,
    SegmentKind,
)
from bot.domain.model import Jurisdiction
from bot.services.broadcasts import BroadcastTexts, Preview, preview_broadcast, queue_broadcast
from storage.store import SqlStore
from tests.broadcasts.shop import (
    ANNA,
    BEN,
    CHAT_OF,
    CLARA,
    DMITRI,
    EMMA,
    FILIPE,
    GRETA,
    HUGO,
    NOW,
    TODAY,
    WAITING,
    outbox_rows,
)
from tests.sql import fetch_all

# Why: a product template narrows a segment to its product's customers (test_product_templates);
# these tests are about the segment alone.
DELAY = FreeText((("en", "Our warehouse is closed on Friday."),))


async def recipients_of(store: SqlStore, texts: BroadcastTexts, segment: Segment) -> set[str]:
    """The customers the broadcast's outbox copies are addressed to."""
    queued = await queue_broadcast(
        store, segment, DELAY, texts=texts, actor="cli", now=NOW, today=TODAY
    )
    assert not isinstance(queued, Rejected), queued
    rows: Sequence[Any] = await fetch_all(
        store,
        "SELECT customer_id, chat_id FROM outbox WHERE broadcast_id = :id",
        id=queued.broadcast_id,
    )
    for customer_id, chat_id in rows:
        assert chat_id == CHAT_OF[customer_id]
    return {str(row[0]) for row in rows}


async def preview(store: SqlStore, texts: BroadcastTexts, segment: Segment) -> Preview:
    shown = await preview_broadcast(store, segment, DELAY, texts=texts, today=TODAY)
    assert isinstance(shown, Preview), shown
    return shown


LINKED_WAITING = WAITING - {EMMA}


@pytest.mark.parametrize(
    ("segment", "expected", "not_linked"),
    [
        (Segment(SegmentKind.ALL), LINKED_WAITING, 1),
        (Segment(SegmentKind.SKU, ("CHAIR",)), {ANNA, BEN, CLARA, HUGO}, 1),
        (Segment(SegmentKind.SKU, ("LAMP", "DESK")), {BEN, DMITRI, FILIPE, GRETA, HUGO}, 0),
        (Segment(SegmentKind.SUPPLIER, ("acme seating",)), {ANNA, BEN, CLARA, HUGO}, 1),
        (Segment(SegmentKind.SUPPLIER, ("Woodworks",)), {DMITRI, FILIPE, HUGO}, 0),
        (Segment(SegmentKind.PURCHASE_ORDER, ("PO-1",)), {ANNA, BEN}, 0),
        (Segment(SegmentKind.PURCHASE_ORDER, ("PO-2",)), {CLARA, HUGO}, 1),
        (Segment(SegmentKind.ORDERS, ("B2", "G1", "E1")), {BEN, GRETA}, 1),
        (Segment(SegmentKind.ALL, language="de"), {ANNA}, 0),
        (Segment(SegmentKind.ORDERS, ("B2", "G1", "A1"), language="de"), {ANNA, GRETA}, 0),
        (Segment(SegmentKind.ORDERS, ("G1", "A1"), language="de-at"), {GRETA}, 0),
        (Segment(SegmentKind.ALL, language="en"), {BEN, HUGO}, 0),
        (Segment(SegmentKind.ALL, jurisdiction=Jurisdiction.EU), {ANNA, CLARA, DMITRI}, 0),
        (Segment(SegmentKind.ALL, jurisdiction=Jurisdiction.UK), set(), 1),
        (Segment(SegmentKind.SKU, ("CHAIR",), jurisdiction=Jurisdiction.US), {BEN, HUGO}, 0),
    ],
)
async def test_a_segment_reaches_exactly_its_linked_customers_and_counts_the_others(
    store: SqlStore,
    texts: BroadcastTexts,
    segment: Segment,
    expected: set[str],
    not_linked: int,
) -> None:
    shown = await preview(store, texts, segment)
    assert (shown.recipients, shown.not_linked) == (len(expected), not_linked)
    if expected:
        assert await recipients_of(store, texts, segment) == expected
    else:
        refused = await queue_broadcast(
            store, segment, DELAY, texts=texts, actor="cli", now=NOW, today=TODAY
        )
        assert refused == Rejected(Problem.NO_LINKED_RECIPIENTS, str(not_linked))


async def test_a_customer_with_two_chats_gets_one_copy_in_the_chat_linked_last(
    store: SqlStore, texts: BroadcastTexts
) -> None:
    assert await recipients_of(store, texts, Segment(SegmentKind.ORDERS, ("H1", "H2"))) == {HUGO}


async def test_a_blocked_customer_is_a_recipient_whose_copy_is_held(
    store: SqlStore, texts: BroadcastTexts
) -> None:
    shown = await preview(store, texts, Segment(SegmentKind.SUPPLIER, ("Woodworks",)))
    assert shown.held == 1
    assert DMITRI in await recipients_of(
        store, texts, Segment(SegmentKind.SUPPLIER, ("Woodworks",))
    )


@pytest.mark.parametrize(
    ("segment", "problem", "detail"),
    [
        (Segment(SegmentKind.SKU, ("CHAIR", "NOPE")), Problem.UNKNOWN_SKU, "NOPE"),
        (Segment(SegmentKind.SUPPLIER, ("Nobody",)), Problem.UNKNOWN_SUPPLIER, "Nobody"),
        (Segment(SegmentKind.PURCHASE_ORDER, ("PO-9",)), Problem.UNKNOWN_PURCHASE_ORDER, "PO-9"),
        (Segment(SegmentKind.ORDERS, ("A1", "Z9")), Problem.UNKNOWN_ORDER, "Z9"),
        (Segment(SegmentKind.SKU, ()), Problem.NO_VALUES, "sku"),
        (
            Segment(SegmentKind.ALL, language="not a language"),
            Problem.UNKNOWN_LANGUAGE,
            "not a language",
        ),
        (Segment(SegmentKind.ALL, language="it"), Problem.EMPTY_SEGMENT, ""),
        (Segment(SegmentKind.ORDERS, ("I1",)), Problem.EMPTY_SEGMENT, ""),
    ],
)
async def test_a_segment_that_names_nothing_known_is_refused_and_queues_nothing(
    store: SqlStore, texts: BroadcastTexts, segment: Segment, problem: Problem, detail: str
) -> None:
    refused = await preview_broadcast(store, segment, DELAY, texts=texts, today=TODAY)
    assert refused == Rejected(problem, detail)
    queued = await queue_broadcast(
        store, segment, DELAY, texts=texts, actor="cli", now=NOW, today=TODAY
    )
    assert queued == Rejected(problem, detail)
    assert await outbox_rows(store) == 0
