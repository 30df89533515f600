"""The ETA and status benchmarks still run end to end (at a tiny scale; figures not judged)."""

from __future__ import annotations

import json

import pytest

from bench import eta_recompute, status_lookup
from bench.__main__ import main as bench_main


def test_the_eta_benchmark_recomputes_every_generated_open_line() -> None:
    figures = eta_recompute.run(scale=0.001)
    assert figures["lines_computed"] == figures["open_lines"] == 1000
    assert isinstance(figures["ratio_to_floor"], float)
    assert isinstance(figures["peak_rss_mib"], float)


def test_the_status_benchmark_finds_orders_for_the_customers_it_looks_up() -> None:
    figures = status_lookup.run(scale=0.001)
    assert figures["lookups"] == 50
    assert isinstance(figures["orders_per_lookup"], float) and figures["orders_per_lookup"] > 0
    assert isinstance(figures["p99_ms"], float)


def test_an_unknown_benchmark_name_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        bench_main(["nonsense"])
    assert exited.value.code == 2
    assert "unknown benchmark 'nonsense'" in capsys.readouterr().err


def test_python_m_bench_prints_one_json_object_per_chosen_benchmark(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench_main(["eta", "status", "--scale", "0.001", "--sqlite-only"]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(figures["benchmark"], figures["database"]) for figures in printed] == [
        ("eta_recompute", "sqlite"),
        ("status_lookup", "sqlite"),
    ]
