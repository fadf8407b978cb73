"""Each chat numbers its cards 1, 2, 3…: cards.number, unique per chat, and the chat's counter
(chats.last_card_number), so a deleted card's number is never given again. Existing cards are
numbered in the order they were created.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_card_number", sa.Integer(), nullable=False,
                                      server_default="0"))
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
    # A card's number is how many of its chat's cards were created before it, plus one.
    op.execute(
        "UPDATE cards SET number = (SELECT COUNT(*) FROM cards AS earlier"
        " WHERE earlier.chat_id = cards.chat_id AND (earlier.created_at < cards.created_at"
        " OR (earlier.created_at = cards.created_at AND earlier.id <= cards.id)))"
    )
    op.execute(
        "UPDATE chats SET last_card_number = COALESCE("
        "(SELECT MAX(cards.number) FROM cards WHERE cards.chat_id = chats.id), 0)"
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index("ix_cards_chat_number", ["chat_id", "number"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index("ix_cards_chat_number")
        batch_op.drop_column("number")
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_column("last_card_number")
