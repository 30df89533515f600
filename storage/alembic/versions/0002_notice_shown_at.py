"""notice_log.shown_at: when the customer saw a waiting notice's order dates on screen.

Revision ID: 0002_notice_shown_at
Revises: 0001_baseline
Create Date: 2026-11-30 14:16:06.824739

Frozen once landed: never edit it, never import storage.schema here (add a new revision instead).

A notice taken back before it was sent returns its order's state to what it was decided from; the
dates the customer saw on an order screen after it was decided must survive that (a later date
would otherwise be told as sooner). A nullable column: both databases add it in place, no row is
rewritten, and notices of the release before read as not shown.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_notice_shown_at"
down_revision: str | None = "0001_baseline"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add notice_log.shown_at (NULL: not shown)."""
    op.add_column("notice_log", sa.Column("shown_at", sa.Text(), nullable=True))


# Forward only (as the SQL migrations before Alembic were): there is no downgrade.
