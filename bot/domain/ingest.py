"""Ports and values of the shop's systems feeding the bot (DESIGN §14)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.domain.actions import ActionStore
from bot.domain.alerts import DueRefund
from bot.domain.refunds import RefundAlreadyPaid, RefundPaid
from bot.domain.store import ImportStore


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The answer kept for an Idempotency-Key: the request it answered and what it said."""

    endpoint: str
    body_hash: str
    status: int
    answer: str  # the JSON body


class IngestStore(ImportStore, ActionStore, Protocol):
    """What the ingest API and Shopify's webhooks need beyond an import."""

    async def claim_ingest_key(
        self, key: str, endpoint: str, body_hash: str, *, at: datetime, forget_before: datetime
    ) -> StoredAnswer | None:
        """Inside the caller's transaction: claim `key` (None) or the answer stored under it.

        Rows older than `forget_before` are deleted first. A claim another transaction holds
        waits for it to end (the key is unique): then its answer, or the claim if it rolled back.
        """
        ...

    async def answer_ingest_key(self, key: str, *, status: int, answer: str) -> None:
        """Inside the claiming transaction: store the answer of the claimed `key`."""
        ...

    async def due_refunds(self, before: date | None = None) -> list[DueRefund]:
        """Refunds with status `due` (due before `before`, when given), oldest due first."""
        ...

    async def mark_refund_paid(
        self, refund_id: int, *, actor: str, at: datetime
    ) -> RefundPaid | RefundAlreadyPaid | None:
        """Set a due refund paid (audited, `refund.paid` event) in one transaction."""
        ...

    async def claim_shopify_webhook(
        self,
        webhook_id: str,
        *,
        topic: str,
        order_name: str | None,
        order_updated_at: datetime | None,
        at: datetime,
        forget_before: datetime,
    ) -> bool:
        """Inside the caller's transaction: record a webhook id (ids older than `forget_before`
        deleted first); False when already recorded (or recorded meanwhile by a transaction this
        one waited for)."""
        ...

    async def newest_shopify_update(self, order_name: str) -> datetime | None:
        """Inside the caller's transaction: lock the order's webhooks until it ends (a second
        delivery for the order waits), then the latest order `updated_at` among the Shopify
        webhooks applied to this order."""
        ...
