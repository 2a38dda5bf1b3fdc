"""The analyst's workspace: corrections of evidence (dismissed, or restated with another stance or speaker),
each claim's matching fields as last seen (so a new or edited claim is noticed), and backfills with their
cursors and leases.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "evidence_corrections",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("evidence_id", sa.BigInteger(), sa.ForeignKey("evidence.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("claim_id", sa.String(100), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("stance", sa.String(16), nullable=True),
        sa.Column("speaker", sa.String(100), nullable=True),
        sa.Column("holder", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_by", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_evidence_corrections_evidence", "evidence_corrections", ["evidence_id"])
    op.create_index("ix_evidence_corrections_item_claim", "evidence_corrections", ["item_id", "claim_id"])
    op.create_table(
        "claim_rules",
        sa.Column("claim_id", sa.String(100), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "backfills",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("upto_item_id", sa.BigInteger(), nullable=False),
        sa.Column("cursor_item_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("items_total", sa.Integer(), nullable=False),
        sa.Column("items_done", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Boolean(), nullable=False),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_backfills_state", "backfills", ["state", "id"])
    op.create_index("ix_backfills_claim", "backfills", ["claim_id"])


def downgrade() -> None:
    op.drop_table("backfills")
    op.drop_table("claim_rules")
    op.drop_table("evidence_corrections")
