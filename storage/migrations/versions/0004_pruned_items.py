"""Items past retention keep their row, without text, as the feed's key: `items.pruned_at`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("pruned_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_items_unpruned", ["pruned_at", "first_seen_at"])


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_index("ix_items_unpruned")
        batch.drop_column("pruned_at")
