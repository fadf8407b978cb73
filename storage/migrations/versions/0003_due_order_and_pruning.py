"""The sweep's index carries expires_on (a burst goes out nearest expiry first), and
deliveries get an index on expires_on so old ones can be pruned in small batches.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index("ix_cards_due", ["next_remind_at", "expires_on"], unique=False)
        batch_op.drop_index("ix_cards_next_remind_at")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_expires_on", ["expires_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_expires_on")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index("ix_cards_next_remind_at", ["next_remind_at"], unique=False)
        batch_op.drop_index("ix_cards_due")
