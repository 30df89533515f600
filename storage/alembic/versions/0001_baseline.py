"""Baseline: the schema of the release before Alembic (SQL migrations 0001-0021).

Revision ID: 0001_baseline
Revises:
Create Date: 2026-11-30 11:11:53.536164

Frozen once landed: never edit it, never import storage.schema here (add a new revision instead).

Generated with autogenerate against an empty database, then reviewed: indexes as explicit
op.create_index calls, the expression index outbox_pending_lane added by hand, partial indexes with
both sqlite_where and postgresql_where, WITHOUT ROWID and the events table's AUTOINCREMENT (ids
never reused) kept for SQLite; the one data row the old migrations wrote (notice_id_mark) too.
A SQLite file of the release before Alembic reaches this schema through storage/legacy_migrations
and is stamped here instead of running it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001_baseline"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create every table and index of the baseline."""
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("handle", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("alerts_pkey")),
        sa.UniqueConstraint("handle", name=op.f("alerts_handle_key")),
        sa.UniqueConstraint("kind", "subject", name=op.f("alerts_kind_subject_key")),
    )
    op.create_index("alerts_created", "alerts", ["created_at"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("audit_log_pkey")),
    )
    op.create_index("audit_log_entity", "audit_log", ["entity"], unique=False)

    op.create_table(
        "broadcast_drafts",
        sa.Column(
            "chat_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("draft_no", sa.Integer(), nullable=False),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("draft", sa.Text(), nullable=False),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("broadcast_drafts_pkey")),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("segment", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("not_linked", sa.Integer(), nullable=False),
        sa.Column("fallback", sa.Integer(), nullable=False),
        sa.Column("stopped_at", sa.Text(), nullable=True),
        sa.Column("stopped_by", sa.Text(), nullable=True),
        sa.Column("without_product", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("broadcasts_pkey")),
    )
    op.create_table(
        "chat_prefs",
        sa.Column(
            "chat_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("language", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("chat_prefs_pkey")),
    )
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("phone_digits", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("timezone", sa.Text(), nullable=True),
        sa.Column("chosen_language", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("customers_pkey")),
    )
    op.create_index("customers_phone_digits", "customers", ["phone_digits"], unique=False)

    op.create_table(
        "eta_marks",
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("marked", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "recomputed",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("marked_by", sa.Text(), nullable=False),
        sa.Column("marked_at", sa.Double().with_variant(sa.REAL(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("eta_marks_pkey")),
    )
    op.create_index("eta_marks_marked", "eta_marks", ["marked"], unique=False)
    op.create_index(
        "eta_marks_pending",
        "eta_marks",
        ["sku"],
        unique=False,
        sqlite_where=sa.text("marked > recomputed"),
        postgresql_where=sa.text("marked > recomputed"),
    )

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("events_pkey")),
        sqlite_autoincrement=True,
    )
    op.create_index("events_order", "events", ["order_id"], unique=False)

    op.create_table(
        "line_etas",
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("available_date", sa.Text(), nullable=True),
        sa.Column("ship_date", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Text(), nullable=False),
        sa.Column("waiting_for_po_date", sa.Text(), nullable=True),
        sa.Column("lead_time_days", sa.Integer(), nullable=True),
        sa.Column("computed_on", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "confidence IN ('in_stock', 'confirmed', 'planned', 'estimate', 'unknown')",
            name=op.f("line_etas_confidence"),
        ),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("line_etas_pkey")),
        sqlite_with_rowid=False,
    )
    op.create_index("line_etas_sku", "line_etas", ["sku"], unique=False)

    op.create_table(
        "link_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("attempted_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("link_attempts_pkey")),
    )
    op.create_index(
        "link_attempts_chat", "link_attempts", ["chat_id", "attempted_at"], unique=False
    )

    op.create_table(
        "notice_id_mark",
        sa.Column("singleton", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint("singleton = 1", name=op.f("notice_id_mark_singleton")),
        sa.PrimaryKeyConstraint("singleton", name=op.f("notice_id_mark_pkey")),
    )
    # Why: the one row of the highest notice id ever given; legacy migration 0016 wrote it too.
    op.execute("INSERT INTO notice_id_mark (singleton, last_id) VALUES (1, 0)")
    op.create_table(
        "notice_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("promised_date", sa.Text(), nullable=False),
        sa.Column("previous_date", sa.Text(), nullable=True),
        sa.Column("revised_date", sa.Text(), nullable=True),
        sa.Column("silence_means", sa.Text(), nullable=False),
        sa.Column("decision_deadline", sa.Text(), nullable=True),
        sa.Column("auto_cancel_on", sa.Text(), nullable=True),
        sa.Column(
            "refund_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("refund_due", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.Text(), nullable=False),
        sa.Column("chats", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=True),
        sa.Column("delivery", sa.Text(), server_default=sa.text("'delivered'"), nullable=False),
        sa.Column("state_before", sa.Text(), nullable=True),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.Column("settled_at", sa.Text(), nullable=True),
        sa.Column("retried_at", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "delivery IN ('pending', 'delivered', 'undelivered', 'no_chat')",
            name=op.f("notice_log_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("notice_log_pkey")),
    )
    op.create_index("notice_log_order", "notice_log", ["order_id", "id"], unique=False)
    op.create_index(
        "notice_log_pending",
        "notice_log",
        ["id"],
        unique=False,
        sqlite_where=sa.text("delivery = 'pending'"),
        postgresql_where=sa.text("delivery = 'pending'"),
    )

    op.create_table(
        "order_link_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_key", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("attempted_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("order_link_attempts_pkey")),
    )
    op.create_index(
        "order_link_attempts_key",
        "order_link_attempts",
        ["order_key", "attempted_at"],
        unique=False,
    )

    op.create_table(
        "order_link_lockouts",
        sa.Column("order_key", sa.Text(), nullable=False),
        sa.Column("locked_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("order_key", name=op.f("order_link_lockouts_pkey")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.Text(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column("urgent", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("not_before", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.Text(), nullable=True),
        sa.Column("due_at", sa.Text(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.Text(), nullable=True),
        sa.Column(
            "telegram_message_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claim_expires_at", sa.Double().with_variant(sa.REAL(), "sqlite"), nullable=True),
        sa.Column(
            "broadcast_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'dropped_unreachable')",
            name=op.f("outbox_status"),
        ),
        sa.CheckConstraint("urgent IN (0, 1)", name=op.f("outbox_urgent")),
        sa.PrimaryKeyConstraint("id", name=op.f("outbox_pkey")),
        sa.UniqueConstraint("dedupe_key", name=op.f("outbox_dedupe_key_key")),
    )
    op.create_index(
        "outbox_broadcast",
        "outbox",
        ["broadcast_id", "status"],
        unique=False,
        sqlite_where=sa.text("broadcast_id IS NOT NULL"),
        postgresql_where=sa.text("broadcast_id IS NOT NULL"),
    )
    op.create_index(
        "outbox_broadcast_sent",
        "outbox",
        ["broadcast_id", "sent_at"],
        unique=False,
        sqlite_where=sa.text("broadcast_id IS NOT NULL AND status = 'sent'"),
        postgresql_where=sa.text("broadcast_id IS NOT NULL AND status = 'sent'"),
    )
    op.create_index(
        "outbox_claimed",
        "outbox",
        ["chat_id"],
        unique=False,
        sqlite_where=sa.text("claimed_by IS NOT NULL"),
        postgresql_where=sa.text("claimed_by IS NOT NULL"),
    )
    op.create_index("outbox_pending", "outbox", ["status", "id"], unique=False)
    op.create_index(
        "outbox_pending_chat",
        "outbox",
        ["chat_id", "id"],
        unique=False,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    # Why: written by hand (autogenerate skips expression indexes): the dispatcher reads pending
    # notices (no broadcast_id) before pending broadcast copies, each in id order.
    op.create_index(
        "outbox_pending_lane",
        "outbox",
        ["status", sa.text("(broadcast_id IS NOT NULL)"), "id"],
        unique=False,
    )

    op.create_table(
        "products",
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column(
            "price_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=True),
        sa.Column("handling_days", sa.Integer(), nullable=True),
        sa.Column("supplier", sa.Text(), nullable=True),
        sa.Column("alternatives", sa.Text(), server_default=sa.text("('')"), nullable=False),
        sa.CheckConstraint("handling_days >= 0", name=op.f("products_handling_days")),
        sa.CheckConstraint("lead_time_days >= 0", name=op.f("products_lead_time_days")),
        sa.CheckConstraint("on_hand >= 0", name=op.f("products_on_hand")),
        sa.PrimaryKeyConstraint("sku", name=op.f("products_pkey")),
    )
    op.create_index("products_category", "products", ["category"], unique=False)

    op.create_table(
        "settings",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("settings_pkey")),
    )
    op.create_table(
        "staff_prompts",
        sa.Column(
            "chat_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("expires_at", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('po_date', 'po_receipt', 'on_hand', "
            "'bc_value', 'bc_sku', 'bc_reason', 'bc_text')",
            name=op.f("staff_prompts_kind"),
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("staff_prompts_pkey")),
    )
    op.create_table(
        "unreachable_chats",
        sa.Column(
            "chat_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("since", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("unreachable_chats_pkey")),
    )
    op.create_table(
        "update_inbox",
        sa.Column(
            "update_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.Column("handled_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("update_inbox_pkey")),
    )
    op.create_index(
        "update_inbox_unhandled",
        "update_inbox",
        ["update_id"],
        unique=False,
        sqlite_where=sa.text("handled_at IS NULL"),
        postgresql_where=sa.text("handled_at IS NULL"),
    )

    op.create_table(
        "broadcast_progress_messages",
        sa.Column(
            "broadcast_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("finished", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("broadcast_progress_messages_broadcast_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("broadcast_id", name=op.f("broadcast_progress_messages_pkey")),
    )
    op.create_table(
        "broadcast_recipients",
        sa.Column(
            "broadcast_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "outbox_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"], ["broadcasts.id"], name=op.f("broadcast_recipients_broadcast_id_fkey")
        ),
        sa.PrimaryKeyConstraint(
            "broadcast_id", "outbox_id", name=op.f("broadcast_recipients_pkey")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "chat_links",
        sa.Column(
            "chat_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("via", sa.Text(), nullable=False),
        sa.Column("linked_at", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "via IN ('deep_link', 'order_contact', 'contact')", name=op.f("chat_links_via")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.customer_id"], name=op.f("chat_links_customer_id_fkey")
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("chat_links_pkey")),
    )
    op.create_index("chat_links_customer", "chat_links", ["customer_id"], unique=False)

    op.create_table(
        "handoffs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column(
            "support_chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "thread_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("opened_at", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.Text(), nullable=True),
        sa.Column("customer_told", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.customer_id"], name=op.f("handoffs_customer_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("handoffs_pkey")),
    )
    op.create_index("handoffs_customer", "handoffs", ["customer_id"], unique=False)
    op.create_index(
        "handoffs_one_open",
        "handoffs",
        ["customer_id"],
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.create_index("handoffs_thread", "handoffs", ["support_chat_id", "thread_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.Text(), nullable=False),
        sa.Column("placed_at_utc", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("promised_ship_date", sa.Text(), nullable=True),
        sa.Column("jurisdiction", sa.Text(), nullable=True),
        sa.Column("priority", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("ship_complete", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("order_key", sa.Text(), nullable=True),
        sa.Column("link_handle", sa.Text(), nullable=True),
        sa.CheckConstraint("jurisdiction IN ('US', 'EU', 'UK')", name=op.f("orders_jurisdiction")),
        sa.CheckConstraint("ship_complete IN (0, 1)", name=op.f("orders_ship_complete")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.customer_id"], name=op.f("orders_customer_id_fkey")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("orders_pkey")),
    )
    op.create_index("orders_customer", "orders", ["customer_id"], unique=False)
    op.create_index("orders_link_handle", "orders", ["link_handle"], unique=False)
    op.create_index("orders_order_key", "orders", ["order_key"], unique=False)

    op.create_table(
        "outbox_notices",
        sa.Column(
            "outbox_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "notice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notice_log.id"], name=op.f("outbox_notices_notice_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("outbox_notices_outbox_id_fkey")
        ),
        sa.PrimaryKeyConstraint("notice_id", "outbox_id", name=op.f("outbox_notices_pkey")),
        sqlite_with_rowid=False,
    )
    op.create_index("outbox_notices_row", "outbox_notices", ["outbox_id"], unique=False)

    op.create_table(
        "purchase_orders",
        sa.Column("po_id", sa.Text(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("received_quantity", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("expected_date", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'confirmed'"), nullable=False),
        sa.Column("supplier", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('confirmed', 'planned', 'cancelled')", name=op.f("purchase_orders_status")
        ),
        sa.CheckConstraint("quantity >= 1", name=op.f("purchase_orders_quantity")),
        sa.CheckConstraint(
            "received_quantity >= 0", name=op.f("purchase_orders_received_quantity")
        ),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name=op.f("purchase_orders_sku_fkey")),
        sa.PrimaryKeyConstraint("po_id", name=op.f("purchase_orders_pkey")),
    )
    op.create_index("purchase_orders_sku", "purchase_orders", ["sku"], unique=False)

    op.create_table(
        "ratings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("asked_at", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.Text(), nullable=True),
        sa.Column(
            "comment_chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("comment_until", sa.Text(), nullable=True),
        sa.Column(
            "comment_message_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ratings_score")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.customer_id"], name=op.f("ratings_customer_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("ratings_pkey")),
        sa.UniqueConstraint("subject", name=op.f("ratings_subject_key")),
    )
    op.create_index(
        "ratings_answered",
        "ratings",
        ["answered_at"],
        unique=False,
        sqlite_where=sa.text("score IS NOT NULL"),
        postgresql_where=sa.text("score IS NOT NULL"),
    )
    op.create_index(
        "ratings_comment_chat",
        "ratings",
        ["comment_chat_id"],
        unique=False,
        sqlite_where=sa.text("comment_until IS NOT NULL"),
        postgresql_where=sa.text("comment_until IS NOT NULL"),
    )
    op.create_index("ratings_customer", "ratings", ["customer_id"], unique=False)

    op.create_table(
        "support_topics",
        sa.Column(
            "support_chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column(
            "thread_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.customer_id"], name=op.f("support_topics_customer_id_fkey")
        ),
        sa.PrimaryKeyConstraint("support_chat_id", "customer_id", name=op.f("support_topics_pkey")),
        sa.UniqueConstraint(
            "support_chat_id",
            "thread_id",
            name=op.f("support_topics_support_chat_id_thread_id_key"),
        ),
    )
    op.create_table(
        "backordered_orders",
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("backordered_at", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.Text(), nullable=True),
        sa.Column("rating", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "rating IN ('asked', 'unreachable', 'stale')", name=op.f("backordered_orders_rating")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("backordered_orders_customer_id_fkey"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name=op.f("backordered_orders_order_id_fkey")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("backordered_orders_pkey")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "backordered_orders_waiting",
        "backordered_orders",
        ["closed_at"],
        unique=False,
        sqlite_where=sa.text("rating IS NULL"),
        postgresql_where=sa.text("rating IS NULL"),
    )

    op.create_table(
        "handoff_relays",
        sa.Column(
            "from_chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "from_message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "handoff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("claimed_at", sa.Text(), nullable=False),
        sa.Column(
            "to_chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "copy_message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.id"], name=op.f("handoff_relays_handoff_id_fkey")
        ),
        sa.PrimaryKeyConstraint(
            "from_chat_id", "from_message_id", name=op.f("handoff_relays_pkey")
        ),
    )
    op.create_table(
        "notice_state",
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Text(), nullable=True),
        sa.Column("communicated_date", sa.Text(), nullable=True),
        sa.Column("communicated_at", sa.Text(), nullable=True),
        sa.Column("consent", sa.Text(), server_default=sa.text("'none'"), nullable=False),
        sa.Column("awaiting_answer", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("silence_means", sa.Text(), server_default=sa.text("'nothing'"), nullable=False),
        sa.Column("decision_deadline", sa.Text(), nullable=True),
        sa.Column("auto_cancel_on", sa.Text(), nullable=True),
        sa.Column("offered_date", sa.Text(), nullable=True),
        sa.Column("ready_notified", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("auto_cancelled_on", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.Column("undelivered", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "consent IN ('none', 'consented', 'indefinite', 'deemed')",
            name=op.f("notice_state_consent"),
        ),
        sa.CheckConstraint(
            "silence_means IN ('consent', 'cancel', 'nothing')",
            name=op.f("notice_state_silence_means"),
        ),
        sa.CheckConstraint("awaiting_answer IN (0, 1)", name=op.f("notice_state_awaiting_answer")),
        sa.CheckConstraint("ready_notified IN (0, 1)", name=op.f("notice_state_ready_notified")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name=op.f("notice_state_order_id_fkey")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("notice_state_pkey")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column(
            "unit_price_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.Text(), server_default=sa.text("'open'"), nullable=False),
        sa.Column("ship_now", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("replaces_line_no", sa.Integer(), nullable=True),
        sa.Column("queued_at", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'shipped', 'cancelled')", name=op.f("order_lines_status")
        ),
        sa.CheckConstraint("quantity >= 1", name=op.f("order_lines_quantity")),
        sa.CheckConstraint("ship_now IN (0, 1)", name=op.f("order_lines_ship_now")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name=op.f("order_lines_order_id_fkey")
        ),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name=op.f("order_lines_sku_fkey")),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("order_lines_pkey")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "order_lines_open_sku",
        "order_lines",
        ["sku"],
        unique=False,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )

    op.create_table(
        "refunds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column(
            "amount_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'due'"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("paid_at", sa.Text(), nullable=True),
        sa.Column("paid_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "reason IN ('cancel', 'swap_price_decrease')", name=op.f("refunds_reason")
        ),
        sa.CheckConstraint("status IN ('due', 'paid')", name=op.f("refunds_status")),
        sa.CheckConstraint("amount_minor > 0", name=op.f("refunds_amount_minor")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.order_id"], name=op.f("refunds_order_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("refunds_pkey")),
        sa.UniqueConstraint(
            "order_id", "line_no", "reason", name=op.f("refunds_order_id_line_no_reason_key")
        ),
    )
    op.create_index("refunds_status_due", "refunds", ["status", "due_date"], unique=False)


# Forward only (as the SQL migrations before Alembic were): there is no downgrade.
