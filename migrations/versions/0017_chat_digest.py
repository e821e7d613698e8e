"""Chat digest: users.chat_digest_at (when the last digest e-mail was claimed) and
chat_members.digested_id (the last message a digest reported to the member); existing members
start at their room's newest message, so an upgrade does not mail old history

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_digest_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("chat_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digested_id", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE chat_members SET digested_id = COALESCE((SELECT MAX(chat_messages.id) "
        "FROM chat_messages WHERE chat_messages.room_id = chat_members.room_id), 0)"
    )


def downgrade():
    with op.batch_alter_table("chat_members", schema=None) as batch_op:
        batch_op.drop_column("digested_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("chat_digest_at")
