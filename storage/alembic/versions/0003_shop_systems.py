"""The shop's systems (DESIGN §14): ingest API idempotency keys and applied Shopify webhooks.

Revision ID: 0003_shop_systems
Revises: 0002_notice_shown_at
Create Date: 2026-11-30 15:10:00

Frozen once landed: never edit it, never import storage.schema here (add a new revision instead).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_shop_systems"
down_revision: str | None = "0002_notice_shown_at"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ingest_requests and shopify_webhooks with their indexes."""
    op.create_table(
        "ingest_requests",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("body_hash", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("ingest_requests_pkey")),
    )
    op.create_index("ingest_requests_created", "ingest_requests", ["created_at"], unique=False)
    op.create_table(
        "shopify_webhooks",
        sa.Column("webhook_id", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("order_name", sa.Text(), nullable=True),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.Column("order_updated_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("webhook_id", name=op.f("shopify_webhooks_pkey")),
    )
    op.create_index("shopify_webhooks_received", "shopify_webhooks", ["received_at"], unique=False)
    op.create_index(
        "shopify_webhooks_order",
        "shopify_webhooks",
        ["order_name", "order_updated_at"],
        unique=False,
    )
