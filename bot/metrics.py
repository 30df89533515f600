"""The Prometheus series of DESIGN §13, in the project's own registry (served by /metrics).

Series (all prefixed `backorder_`):
- `updates_handled_total`: updates whose handling finished (raised or not).
- `reply_latency_seconds` (histogram): from an update being recorded in the inbox to the end of
  its handling, replies sent (replayed updates of an earlier run are not timed).
- `messages_sent_total`, `messages_held_total`, `messages_failed_total` by `kind`: `reply` (a
  Bot API call into a chat while handling an update), `notice` (first-lane outbox rows: notices,
  alerts) and `broadcast` (broadcast copies). Held: the chat blocked the bot (kept for later);
  only outbox rows are held (`notice`, `broadcast`): a reply goes to a chat that just wrote, and
  one Telegram refuses (403, blocked meanwhile) is counted failed, so there is no held `reply`.
- `rate_limited_total` by `kind`: 429 answers from the Bot API.
- `outbox_backlog` (gauge): pending outbox rows, read from the store at each scrape.
- `eta_recompute_seconds` (histogram): one recompute of estimated dates, whatever caused it
  (imports by file, API or Shopify, customer and staff changes, the daily and left-behind
  recomputes): timed in bot/services/eta.py `published`, which every recompute goes through.
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.context_managers import Timer

MessageKind = Literal["reply", "notice", "broadcast"]
OutboxKind = Literal["notice", "broadcast"]

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES_HANDLED = Counter(
    "backorder_updates_handled",
    "Telegram updates whose handling finished",
    registry=REGISTRY,
)
REPLY_LATENCY = Histogram(
    "backorder_reply_latency_seconds",
    "Seconds from an update being recorded to the end of its handling (replies sent)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=REGISTRY,
)
MESSAGES_SENT = Counter(
    "backorder_messages_sent",
    "Messages the Bot API accepted, by kind (reply, notice, broadcast)",
    ["kind"],
    registry=REGISTRY,
)
MESSAGES_HELD = Counter(
    "backorder_messages_held",
    "Outbox messages held because the chat blocked the bot or has none yet, kept for later, "
    "by kind (notice: notices and staff alerts; broadcast: broadcast copies; replies are never "
    "held)",
    ["kind"],
    registry=REGISTRY,
)
MESSAGES_FAILED = Counter(
    "backorder_messages_failed",
    "Messages given up on (refused, or failing past their retries), by kind",
    ["kind"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "backorder_rate_limited",
    "429 Too Many Requests answers from the Bot API, by kind",
    ["kind"],
    registry=REGISTRY,
)
OUTBOX_BACKLOG = Gauge(
    "backorder_outbox_backlog",
    "Pending outbox rows (notices, alerts, broadcast copies), read at scrape time",
    registry=REGISTRY,
)
ETA_RECOMPUTE = Histogram(
    "backorder_eta_recompute_seconds",
    "Seconds one recompute of estimated ship dates took",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
    registry=REGISTRY,
)

for _kind in ("reply", "notice", "broadcast"):
    # Why: every series shows from the first scrape (at 0), so rate() works from the start.
    for _counter in (MESSAGES_SENT, MESSAGES_FAILED, RATE_LIMITED):
        _counter.labels(kind=_kind)
for _kind in ("notice", "broadcast"):
    MESSAGES_HELD.labels(kind=_kind)


def update_handled(latency_seconds: float | None) -> None:
    """Count a handled update; `latency_seconds` since it was recorded, None when not timed."""
    UPDATES_HANDLED.inc()
    if latency_seconds is not None:
        REPLY_LATENCY.observe(latency_seconds)


def message_sent(kind: MessageKind) -> None:
    """Count one message the Bot API accepted."""
    MESSAGES_SENT.labels(kind=kind).inc()


def message_held(kind: OutboxKind) -> None:
    """Count one outbox message held for an unreachable chat."""
    MESSAGES_HELD.labels(kind=kind).inc()


def message_failed(kind: MessageKind) -> None:
    """Count one message given up on."""
    MESSAGES_FAILED.labels(kind=kind).inc()


def rate_limited(kind: MessageKind) -> None:
    """Count one 429 answer."""
    RATE_LIMITED.labels(kind=kind).inc()


def eta_recompute_timer() -> Timer:
    """A context manager recording how long the recompute of estimated dates inside it took."""
    return ETA_RECOMPUTE.time()


def outbox_kind(broadcast_id: int | None) -> OutboxKind:
    """The kind of an outbox row: a broadcast copy, or a notice (first lane, alerts too)."""
    return "notice" if broadcast_id is None else "broadcast"
