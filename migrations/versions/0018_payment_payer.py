"""payments.payer_id: who started the payment (the billed parent or the second guardian)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_payments_payer_id_users', 'users', ['payer_id'], ['id'], ondelete='RESTRICT'
        )
    # Before guardians only the billed parent could pay.
    op.execute(
        'UPDATE payments SET payer_id = '
        '(SELECT invoices.parent_id FROM invoices WHERE invoices.id = payments.invoice_id)'
    )


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint('fk_payments_payer_id_users', type_='foreignkey')
        batch_op.drop_column('payer_id')
