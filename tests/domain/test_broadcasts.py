"""Broadcast rules: which language a copy is in, who `--language` takes, what a template needs,
where a broadcast stands."""

from __future__ import annotations

import pytest

from bot.domain.broadcasts import (
    BroadcastStatus,
    DeliveryCounts,
    FreeText,
    Problem,
    Rejected,
    Segment,
    SegmentKind,
    Template,
    TemplateMessage,
    copy_language,
    delivery_status,
    free_text,
    message_from_json,
    speaks,
    template_message,
)
from bot.domain.model import Jurisdiction

SHIPPED = frozenset({"en", "de", "es", "fr", "ru"})


@pytest.mark.parametrize(
    ("tag", "available", "expected"),
    [
        ("de", SHIPPED, ("de", True)),
        ("de-AT", SHIPPED, ("de", True)),
        ("pt_BR", SHIPPED, ("en", False)),
        (None, SHIPPED, ("en", True)),
        ("en-GB", SHIPPED, ("en", True)),
        ("pt-br", frozenset({"pt-br", "pt", "en"}), ("pt-br", True)),
        ("pt-PT", frozenset({"pt-br", "pt", "en"}), ("pt", True)),
        ("pt-PT", frozenset({"pt-br", "en"}), ("en", False)),
    ],
)
def test_a_copy_is_in_the_readers_language_else_their_primary_language_else_the_default(
    tag: str | None, available: frozenset[str], expected: tuple[str, bool]
) -> None:
    assert copy_language(tag, available, "en") == expected


@pytest.mark.parametrize(
    ("tag", "wanted", "expected"),
    [
        ("de", "de", True),
        ("de-AT", "de", True),
        ("de-AT", "de-at", True),
        ("de", "de-AT", False),
        ("en", "de", False),
        (None, "en", True),
        (None, "de", False),
    ],
)
def test_language_narrowing_takes_every_variety_of_a_language_or_one_region(
    tag: str | None, wanted: str, expected: bool
) -> None:
    assert speaks(tag, wanted, "en") is expected


def test_a_template_needs_its_parameters_and_refuses_others() -> None:
    assert template_message("supplier_delay", {"sku": " CHAIR ", "reason": ""}) == TemplateMessage(
        Template.SUPPLIER_DELAY, (("sku", "CHAIR"),)
    )
    assert template_message("stock_arrived", {}) == Rejected(Problem.MISSING_PARAM, "sku")
    assert template_message("stock_arrived", {"sku": "A", "reason": "x"}) == Rejected(
        Problem.UNKNOWN_PARAM, "reason"
    )
    assert template_message("flash_sale", {}) == Rejected(Problem.UNKNOWN_TEMPLATE, "flash_sale")
    assert template_message("supplier_delay", {"sku": "A", "reason": "x" * 301}) == Rejected(
        Problem.PARAM_TOO_LONG, "reason"
    )


def test_segments_and_messages_read_back_as_recorded() -> None:
    segment = Segment(SegmentKind.SKU, ("A", "B"), "de", Jurisdiction.EU)
    assert Segment.from_json(segment.as_json()) == segment
    text = free_text({"de_AT": "Hallo", "en": "Hello"})
    assert isinstance(text, FreeText) and text.languages == {"de-at", "en"}
    assert message_from_json(text.as_json()) == text
    template = TemplateMessage(Template.STOCK_ARRIVED, (("sku", "A"),))
    assert message_from_json(template.as_json()) == template


@pytest.mark.parametrize(
    ("counts", "stopped", "status"),
    [
        (DeliveryCounts(recipients=3, pending=3), False, BroadcastStatus.QUEUED),
        (DeliveryCounts(recipients=3, held=1, pending=2), False, BroadcastStatus.QUEUED),
        (DeliveryCounts(recipients=3, sent=1, pending=2), False, BroadcastStatus.SENDING),
        (DeliveryCounts(recipients=3, failed=1, pending=2), False, BroadcastStatus.SENDING),
        (DeliveryCounts(recipients=3, sent=2, held=1), False, BroadcastStatus.DONE),
        (DeliveryCounts(recipients=3, sent=1, withdrawn=2), True, BroadcastStatus.STOPPED),
    ],
)
def test_a_broadcast_is_queued_until_one_copy_left_done_when_nothing_is_pending(
    counts: DeliveryCounts, stopped: bool, status: BroadcastStatus
) -> None:
    assert delivery_status(counts, stopped=stopped) is status
