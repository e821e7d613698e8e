"""billing: invoices, their history, payments

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tutor_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('duplicate_key', sa.String(length=64), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'sent', 'viewed', 'paid', 'cancelled', name='invoice_status', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('viewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('overdue_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("currency = 'RUB'", name=op.f('ck_invoices_currency_rub')),
    sa.CheckConstraint("status IN ('draft', 'sent', 'viewed', 'paid', 'cancelled')", name=op.f('ck_invoices_status_known')),
    sa.CheckConstraint('amount >= 0.01 AND amount <= 99999999.99', name=op.f('ck_invoices_amount_range')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_invoices_enrollment_id_enrollments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['parent_id'], ['users.id'], name=op.f('fk_invoices_parent_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_invoices_student_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tutor_id'], ['users.id'], name=op.f('fk_invoices_tutor_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_parent_id_id', ['parent_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoices_student_id'), ['student_id'], unique=False)
        batch_op.create_index('ix_invoices_tutor_id_id', ['tutor_id', 'id'], unique=False)
        batch_op.create_index('uq_invoices_open_duplicate', ['duplicate_key'], unique=True, postgresql_where=sa.text("status IN ('draft', 'sent', 'viewed')"), sqlite_where=sa.text("status IN ('draft', 'sent', 'viewed')"))

    op.create_table('invoice_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.Enum('draft', 'sent', 'viewed', 'paid', 'cancelled', name='invoice_event_from', native_enum=False, length=16), nullable=True),
    sa.Column('to_status', sa.Enum('draft', 'sent', 'viewed', 'paid', 'cancelled', name='invoice_event_to', native_enum=False, length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_invoice_events_actor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_events_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_events'))
    )
    with op.batch_alter_table('invoice_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_events_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('provider_payment_id', sa.String(length=100), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'canceled', name='payment_status', native_enum=False, length=16), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('confirmation_url', sa.String(length=1000), nullable=False),
    sa.Column('return_url', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'canceled')", name=op.f('ck_payments_status_known')),
    sa.CheckConstraint('amount >= 0.01 AND amount <= 99999999.99', name=op.f('ck_payments_amount_range')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payments_idempotency_key'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index('ix_payments_provider_payment', ['provider', 'provider_payment_id'], unique=False)
        batch_op.create_index('uq_payments_pending_invoice', ['invoice_id'], unique=True, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
        batch_op.create_index('uq_payments_succeeded_invoice', ['invoice_id'], unique=True, postgresql_where=sa.text("status = 'succeeded'"), sqlite_where=sa.text("status = 'succeeded'"))

    


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('uq_payments_succeeded_invoice', postgresql_where=sa.text("status = 'succeeded'"), sqlite_where=sa.text("status = 'succeeded'"))
        batch_op.drop_index('uq_payments_pending_invoice', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
        batch_op.drop_index('ix_payments_provider_payment')
        batch_op.drop_index(batch_op.f('ix_payments_invoice_id'))

    op.drop_table('payments')
    with op.batch_alter_table('invoice_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_events_invoice_id'))

    op.drop_table('invoice_events')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('uq_invoices_open_duplicate', postgresql_where=sa.text("status IN ('draft', 'sent', 'viewed')"), sqlite_where=sa.text("status IN ('draft', 'sent', 'viewed')"))
        batch_op.drop_index('ix_invoices_tutor_id_id')
        batch_op.drop_index(batch_op.f('ix_invoices_student_id'))
        batch_op.drop_index('ix_invoices_parent_id_id')

    op.drop_table('invoices')
