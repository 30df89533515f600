"""The dispatcher's counts in /metrics: notices sent, failed and held, by kind (DESIGN §13)."""

from __future__ import annotations

import pytest
from telegram import Bot

from bot import metrics
from bot.domain.outbox import OutgoingMessage
from bot.sandbox.client import SandboxClient
from storage.store import SqlStore
from tests.outbox.conftest import NOW
from tests.outbox.test_dispatcher import FIRST_USER, bot, dispatcher

__all__ = ["bot"]

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

SERIES = ("sent", "failed", "held")


def counts(kind: str) -> dict[str, float]:
    """The messages sent, failed and held of `kind` so far."""
    return {
        series: metrics.REGISTRY.get_sample_value(
            f"backorder_messages_{series}_total", {"kind": kind}
        )
        or 0.0
        for series in SERIES
    }


def grown(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """How much each series grew."""
    return {series: after[series] - before[series] for series in SERIES}


async def test_notices_sent_refused_and_held_are_counted_by_kind(
    store: SqlStore, client: SandboxClient, bot: Bot
) -> None:
    blocked = FIRST_USER + 1
    await client.create_user(FIRST_USER, "Ann")
    await client.create_user(blocked, "Bo")
    await client.block(blocked)
    await store.enqueue_messages(
        [
            OutgoingMessage("fine", FIRST_USER, "all good"),
            OutgoingMessage("broken", FIRST_USER, "<b>unclosed"),
            OutgoingMessage("held", blocked, "for Bo"),
        ],
        now=NOW,
    )
    notices, broadcasts = counts("notice"), counts("broadcast")

    await dispatcher(store).run_once(bot, now=NOW)

    assert grown(notices, counts("notice")) == {"sent": 1, "failed": 1, "held": 1}
    assert grown(broadcasts, counts("broadcast")) == {"sent": 0, "failed": 0, "held": 0}
