"""GET /metrics: DESIGN §13's series in Prometheus's text format, the backlog read at scrape."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from bot.domain.outbox import OutgoingMessage
from storage.store import SqlStore
from tests.e2e import shop
from tests.web.conftest import Web

SERIES = {
    "backorder_updates_handled": "counter",
    "backorder_reply_latency_seconds": "histogram",
    "backorder_messages_sent": "counter",
    "backorder_messages_held": "counter",
    "backorder_messages_failed": "counter",
    "backorder_rate_limited": "counter",
    "backorder_outbox_backlog": "gauge",
    "backorder_eta_recompute_seconds": "histogram",
}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_lists_every_series_of_design_13_in_prometheus_text(web_server: Web) -> None:
    status, content_type, text = await web_server.get("/metrics")
    assert status == 200
    assert content_type.startswith("text/plain")
    families = {family.name: family.type for family in text_string_to_metric_families(text)}
    assert {name: families.get(name) for name in SERIES} == SERIES
    scraped = samples(text)
    for kind in ("reply", "notice", "broadcast"):
        assert ("backorder_messages_sent_total", (("kind", kind),)) in scraped
        assert ("backorder_messages_failed_total", (("kind", kind),)) in scraped


async def test_messages_held_are_counted_for_the_outbox_kinds_only(web_server: Web) -> None:
    _, _, text = await web_server.get("/metrics")
    held = {labels for name, labels in samples(text) if name == "backorder_messages_held_total"}
    # A reply goes to a chat that just wrote; one Telegram refuses is counted as failed.
    assert held == {(("kind", "notice"),), (("kind", "broadcast"),)}
    (family,) = [
        f for f in text_string_to_metric_families(text) if f.name == "backorder_messages_held"
    ]
    assert "replies are never held" in family.documentation


async def test_the_outbox_backlog_is_read_from_the_store_at_each_scrape(
    web_server: Web, store: SqlStore
) -> None:
    _, _, before = await web_server.get("/metrics")
    assert samples(before)[("backorder_outbox_backlog", ())] == 0
    await store.enqueue_messages(
        [OutgoingMessage(f"m-{n}", 800 + n, f"notice {n}") for n in range(4)], now=shop.NOW
    )
    _, _, after = await web_server.get("/metrics")
    assert samples(after)[("backorder_outbox_backlog", ())] == 4
