"""What staff see of the outbox: counts by state and the chats that blocked the bot."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.notice_delivery import worth_listing
from bot.domain.outbox import OutboxStore, OutboxSummary


async def outbox_status(store: OutboxStore) -> OutboxSummary:
    """The outbox's counts, unreachable chats and the undelivered notices staff should see."""
    summary = await store.outbox_summary()
    listed = tuple(
        notice for notice in summary.undelivered_notices if worth_listing(notice.kind, notice.error)
    )
    return replace(summary, undelivered_notices=listed)


def status_json(summary: OutboxSummary) -> dict[str, object]:
    """The summary as one JSON-ready object."""
    return {
        "pending": summary.pending,
        "held": summary.held,
        "sent": summary.sent,
        "failed": summary.failed,
        "unreachable": [
            {
                "chat_id": chat.chat_id,
                "customer_id": chat.customer_id,
                "customer_name": chat.customer_name,
                "since": chat.since.isoformat(),
                "reason": chat.reason,
                "held": chat.held,
            }
            for chat in summary.unreachable
        ],
        "undelivered_notices": [
            {
                "customer_id": notice.customer_id,
                "customer_name": notice.customer_name,
                "order_id": notice.order_id,
                "kind": notice.kind,
                "error": notice.error,
                "decided_at": notice.decided_at.isoformat(),
            }
            for notice in summary.undelivered_notices
        ],
    }


def status_text(summary: OutboxSummary) -> str:
    """The summary as lines for a terminal."""
    lines = [
        f"pending: {summary.pending}",
        f"held (unreachable chats): {summary.held}",
        f"sent: {summary.sent}",
        f"failed: {summary.failed}",
        f"unreachable chats: {len(summary.unreachable)}",
    ]
    for chat in summary.unreachable:
        who = chat.customer_id or "not linked"
        if chat.customer_name:
            who += f" ({chat.customer_name})"
        lines.append(
            f"  chat {chat.chat_id}  customer {who}  since {chat.since:%Y-%m-%d %H:%M} UTC"
            f"  held {chat.held}  {chat.reason}"
        )
    lines.append(f"undelivered notices: {len(summary.undelivered_notices)}")
    for notice in summary.undelivered_notices:
        who = notice.customer_id + (f" ({notice.customer_name})" if notice.customer_name else "")
        lines.append(
            f"  order {notice.order_id}  customer {who}  {notice.kind}"
            f"  decided {notice.decided_at:%Y-%m-%d %H:%M}  {notice.error}"
        )
    return "\n".join(lines)
