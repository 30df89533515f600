"""The reply-latency benchmark measures the same customers under three conditions."""

from __future__ import annotations

from bench.reply_latency import Outcome, figures, measure


def test_an_action_never_answered_counts_as_wrong_and_as_an_endless_wait() -> None:
    outcomes = [Outcome(1.0, True), Outcome(2.0, True), Outcome(None, False)]

    result = figures(outcomes, delay_seconds=0.5)

    assert result["p50_s"] == 2.0
    assert result["p99_s"] is None
    assert result["answered_correctly_pct"] == 66.7
    assert result["p50_over_delay"] == 4.0


async def test_a_tiny_run_reports_every_condition_and_faults_cost_no_answer() -> None:
    result = await measure(2, delay_ms=200)

    assert result["customers"] == 2
    for condition in ("no_delay", "api_delay", "faults_5xx"):
        assert result[condition]["actions"] > 0
    assert result["api_delay"]["p50_over_delay"] is not None
    assert result["faults_5xx"]["answered_correctly_pct"] == 100.0
