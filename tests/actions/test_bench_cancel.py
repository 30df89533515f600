"""The cancel benchmark still runs end to end (at a tiny scale; figures not judged)."""

from __future__ import annotations

from bench import cancel_recompute


def test_the_cancel_benchmark_cancels_waiting_lines_of_the_hot_sku_and_reports_latencies() -> None:
    figures = cancel_recompute.run(scale=0.001)
    assert figures["hot_sku_waiting_lines"] == 10
    assert figures["cancels"] == 10
    assert isinstance(figures["p50_ms"], float)
    assert isinstance(figures["p99_ms"], float)
    assert figures["p50_ms"] <= figures["p99_ms"]
