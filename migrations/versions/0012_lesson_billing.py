"""lesson billing: invoice_lessons (which lessons an invoice bills)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoice_lessons',
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lessons_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_invoice_lessons_lesson_id_lessons'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('invoice_id', 'lesson_id', name=op.f('pk_invoice_lessons'))
    )
    with op.batch_alter_table('invoice_lessons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_lessons_lesson_id'), ['lesson_id'], unique=False)


def downgrade():
    with op.batch_alter_table('invoice_lessons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_lessons_lesson_id'))

    op.drop_table('invoice_lessons')
