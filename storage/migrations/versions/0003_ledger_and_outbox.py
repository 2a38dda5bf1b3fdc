"""The claim ledger (stories, evidence, claim states, positions), the alert outbox and its deliveries,
and silences. Items gain their story and the time they were matched into the ledger.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("story_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("ledger_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_items_ledger_pending", ["ledger_at", "id"])
    op.create_table(
        "stories",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("first_item_id", sa.BigInteger(), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
    )
    op.create_index("ix_stories_fingerprint", "stories", ["fingerprint"])
    op.create_index("ix_stories_url", "stories", ["url"])
    op.create_index("ix_stories_last_seen", "stories", ["last_seen_at"])
    op.create_table(
        "evidence",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.BigInteger(), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("story_id", sa.BigInteger(), sa.ForeignKey("stories.id"), nullable=False),
        sa.Column("claim_id", sa.String(100), nullable=False),
        sa.Column("stance", sa.String(16), nullable=False),
        sa.Column("speaker", sa.String(100), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("feed", sa.String(200), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("alert_id", sa.String(32), nullable=True),
    )
    op.create_index("ix_evidence_claim_seen", "evidence", ["claim_id", "seen_at"])
    op.create_index("ix_evidence_story", "evidence", ["story_id"])
    op.create_index("ix_evidence_item", "evidence", ["item_id"])
    op.create_table(
        "claim_states",
        sa.Column("claim_id", sa.String(100), primary_key=True),
        sa.Column("first_corroboration_at", UTCDateTime(), nullable=True),
        sa.Column("first_denial_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "positions",
        sa.Column("claim_id", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(200), primary_key=True),
        sa.Column("stance", sa.String(16), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_evidence_id", sa.BigInteger(), nullable=False),
        sa.Column("last_alerted_at", UTCDateTime(), nullable=True),
        sa.Column("evidence_count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("claim_id", sa.String(100), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("stance", sa.String(16), nullable=True),
        sa.Column("holder", sa.String(200), nullable=True),
        sa.Column("evidence_id", sa.BigInteger(), nullable=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("silence_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_alerts_claim_created", "alerts", ["claim_id", "created_at"])
    op.create_index("ix_alerts_state", "alerts", ["state"])
    op.create_table(
        "deliveries",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(32), sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("group_key", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("alert_id", "channel", name="uq_deliveries_alert_channel"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_attempt_at"])
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("claim_id", sa.String(100), nullable=False),
        sa.Column("speaker", sa.String(100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    for table in ("silences", "deliveries", "alerts", "positions", "claim_states", "evidence", "stories"):
        op.drop_table(table)
    with op.batch_alter_table("items") as batch:
        batch.drop_index("ix_items_ledger_pending")
        batch.drop_column("ledger_at")
        batch.drop_column("story_id")
