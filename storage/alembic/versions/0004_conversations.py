"""Conversation state in the database: PTB's ConversationHandler states and chat_data, and the
chat of each update in the update inbox (issue 12).

Revision ID: 0004_conversations
Revises: 0003_shop_systems
Create Date: 2026-11-30 14:45:00

Several instances on one PostgreSQL database (DESIGN §13): the next update of a chat may land on
another instance, so a conversation's step and what it remembered live in these tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004_conversations"
down_revision: str | None = "0003_shop_systems"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the conversations and chat_data tables; record each inboxed update's chat."""
    op.create_table(
        "conversations",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("conversation_key", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", "conversation_key", name=op.f("conversations_pkey")),
    )
    op.create_index("conversations_chat", "conversations", ["chat_id"], unique=False)
    op.create_table(
        "chat_data",
        sa.Column(
            "chat_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("chat_data_pkey")),
    )
    # Why: an update waits for the earlier updates of its chat that another instance is handling;
    # the chat is recorded with each update so they can be found.
    op.add_column(
        "update_inbox",
        sa.Column("chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    )
    op.create_index(
        "update_inbox_chat_unhandled",
        "update_inbox",
        ["chat_id", "update_id"],
        unique=False,
        sqlite_where=sa.text("handled_at IS NULL"),
        postgresql_where=sa.text("handled_at IS NULL"),
    )


# Forward only, as the baseline: there is no downgrade.
