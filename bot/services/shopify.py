"""Use case: a verified Shopify order webhook changes the order it names, once (DESIGN §14)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.eta import EtaRules
from bot.domain.ingest import IngestStore
from bot.services.cancel import cancel_for_system
from bot.services.importing.service import ImportReport, import_rows, recompute_imported
from bot.services.importing.table import Problems, Record
from bot.services.shopify_orders import NAMES, map_order

SHOPIFY_ACTOR = "shopify"
# Why: the events' `reason` of a cancellation the shop made on its platform.
SHOP_REASON = "shop"
# Why: Shopify retries a failed delivery (the same id) for hours (8 tries over 4 hours in its
# current docs, up to 48 hours before); a week is ample.
KEEP_WEBHOOK_IDS = timedelta(days=7)
ORDER_TOPICS = frozenset(
    {"orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled"}
)


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """The HTTP status and JSON body for Shopify."""

    status: int
    body: Mapping[str, object]


class _Rejected(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("rejected")
        self.report = report


async def apply_order_webhook(
    store: IngestStore,
    *,
    topic: str,
    webhook_id: str | None,
    order: Mapping[str, Any],
    timezone: ZoneInfo,
    rules: EtaRules,
    refund_days: int,
    now: datetime,
) -> WebhookAnswer:
    """Apply one order webhook: the order imported as the CSV import would (audited `shopify`),
    cancelled through the cancel path when Shopify cancelled it, in one transaction with the
    webhook id, so a redelivered id changes nothing; then the ETAs recomputed.

    Topics other than orders/create|updated|cancelled|fulfilled are acknowledged and ignored
    (200). An order the import rejects (an unknown SKU, a bad price) is a 422 naming Shopify's
    fields, nothing changed: Shopify retries it, so it lands once the products are imported.

    Refunds of a cancelled order follow the order's `financial_status` (Shopify's values:
    pending, authorized, partially_paid, paid, partially_refunded, refunded, voided):
    - `refunded` or `voided`: Shopify returned the money (or released the authorisation, so
      none was taken). The refunds are recorded and marked paid at once, audited `shopify`,
      with `refund.paid` events and no `refund.due`: the shop's system must not pay them again.
    - any other value (`paid` with the refund left for later, `partially_refunded`, and the
      rest): the bot cannot tell what is still owed, so the refunds stay owed, with their due
      dates and `refund.due` events, for staff (`refunds`, the overdue-refund alert) to pay
      and mark paid - or for a later webhook saying `refunded`/`voided` to settle.
    A webhook saying `refunded`/`voided` also marks paid, as `shopify`, any refund still owed
    on the order from before (a customer's cancel in the chat, say).

    A payload older (`updated_at`) than one applied before to the order is acknowledged, not
    applied: Shopify does not promise delivery in order.
    """
    if topic not in ORDER_TOPICS:
        return WebhookAnswer(200, {"ignored": topic or "no topic"})
    mapped = map_order(order, topic=topic)
    problems = Problems("", unit="line item", names=NAMES)
    records = [Record(index, row) for index, row in mapped.rows]

    def again(_into: Problems) -> Iterator[Record]:
        return iter(records)

    try:
        async with store.atomic():
            # Why: the id is claimed in the change's transaction. SQLite runs one write
            # transaction at a time; on PostgreSQL (READ COMMITTED) a second delivery of the id
            # waits on the unique key for the first to commit, then finds it: one change.
            newest = await store.newest_shopify_update(mapped.name)
            if webhook_id is not None and not await store.claim_shopify_webhook(
                webhook_id,
                topic=topic,
                order_name=mapped.name,
                order_updated_at=mapped.updated_at,
                at=now,
                forget_before=now - KEEP_WEBHOOK_IDS,
            ):
                return WebhookAnswer(200, {"duplicate": webhook_id})
            # Why: Shopify does not deliver in order (its docs: compare `updated_at`); an older
            # state of the order than one applied already is acknowledged and not applied.
            if newest is not None and mapped.updated_at is not None and mapped.updated_at < newest:
                return WebhookAnswer(200, {"order": mapped.name, "stale": True})
            report = await import_rows(
                store,
                "orders",
                again,
                problems,
                timezone=timezone,
                now=now,
                actor=SHOPIFY_ACTOR,
                single_pass=True,
            )
            if report.error_count:
                raise _Rejected(report)
            if mapped.cancelled:
                # Why: in this transaction, so a crash cannot keep the webhook id but lose the
                # cancel; the cancel path's own recompute runs inside it too.
                await cancel_for_system(
                    store,
                    mapped.name,
                    reason=SHOP_REASON,
                    now=now,
                    timezone=timezone,
                    rules=rules,
                    refund_days=refund_days,
                    actor=SHOPIFY_ACTOR,
                    paid_back=mapped.refunded,
                )
            if mapped.refunded:
                await _settle_refunds(store, mapped.name, now)
    except _Rejected as rejected:
        errors = [
            {"line_item": problem.line, "field": problem.column, "message": problem.message}
            for problem in rejected.report.problems
        ]
        return WebhookAnswer(422, {"order": mapped.name, "errors": errors})
    await recompute_imported(store, report, rules=rules, today=now.astimezone(timezone).date())
    return WebhookAnswer(
        200, {"order": mapped.name, "lines": report.rows, "cancelled": mapped.cancelled}
    )


async def _settle_refunds(store: IngestStore, order_id: str, now: datetime) -> None:
    """Mark the order's due refunds paid (audited `shopify`, `refund.paid` events)."""
    for refund in await store.due_refunds():
        if refund.order_id == order_id:
            await store.mark_refund_paid(refund.refund_id, actor=SHOPIFY_ACTOR, at=now)
