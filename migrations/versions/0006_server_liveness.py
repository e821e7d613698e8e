"""server processes and their heartbeats; sockets name the process holding them

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('server_processes',
    sa.Column('server_id', sa.String(length=32), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('server_id', name=op.f('pk_server_processes'))
    )
    with op.batch_alter_table('socket_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('server_id', sa.String(length=32), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_socket_connections_server_id'), ['server_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('socket_connections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_socket_connections_server_id'))
        batch_op.drop_column('server_id')
    op.drop_table('server_processes')
