"""The chat-throughput benchmark runs both bots on the same sandbox workload."""

from __future__ import annotations

from bench.chat_throughput import Workload, measure, workload


def test_the_workload_shrinks_with_the_scale_but_keeps_a_few_customers() -> None:
    assert workload(1.0) == Workload(customers=200, messages_per_customer=5)
    assert workload(0.1).customers == 20
    assert workload(0.0001).customers == 2


async def test_a_tiny_run_reports_both_rates_and_their_ratio() -> None:
    figures = await measure(Workload(customers=3, messages_per_customer=2))
    assert figures["customers"] == 3
    assert figures["updates"] == 6
    assert figures["bot_updates_per_s"] > 0
    assert figures["echo_updates_per_s"] > 0
    ratio = figures["bot_updates_per_s"] / figures["echo_updates_per_s"]
    assert abs(figures["ratio"] - ratio) < 0.01
