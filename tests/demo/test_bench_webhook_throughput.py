"""The webhook-vs-polling benchmark runs the bot both ways on one sandbox workload."""

from __future__ import annotations

import pytest

from bench.chat_throughput import Workload
from bench.webhook_throughput import measure


async def test_a_tiny_run_answers_every_update_both_ways_and_reports_the_ratio() -> None:
    figures = await measure(Workload(customers=2, messages_per_customer=2, rounds=1))

    polling, webhook = figures["polling_updates_per_s"], figures["webhook_updates_per_s"]
    assert figures["updates"] == 4
    assert isinstance(polling, float) and polling > 0
    assert isinstance(webhook, float) and webhook > 0
    assert figures["webhook_failures"] == 0
    assert figures["ratio"] == pytest.approx(webhook / polling, abs=0.01)
