"""server_processes.dead_after: each process says when it is to be taken for dead (its own
heartbeat interval times the missed beats), so processes beating at different intervals do not
judge each other by their own

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('server_processes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dead_after', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('server_processes', schema=None) as batch_op:
        batch_op.drop_column('dead_after')
