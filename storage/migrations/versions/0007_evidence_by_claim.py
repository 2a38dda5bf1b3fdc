"""A claim's evidence newest first (the claim page, `evidence list --claim`) read from an index:
`ix_evidence_claim_id` on (claim_id, id).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_evidence_claim_id", "evidence", ["claim_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_evidence_claim_id", table_name="evidence")
