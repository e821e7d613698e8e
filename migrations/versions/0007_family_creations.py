"""family_creations: a tutor's new-family form is idempotent and shows credentials once

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('family_creations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('credentials_shown_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['creator_id'], ['users.id'],
                            name=op.f('fk_family_creations_creator_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['users.id'],
                            name=op.f('fk_family_creations_parent_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'],
                            name=op.f('fk_family_creations_student_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_creations')),
    sa.UniqueConstraint('creator_id', 'key_hash', name='uq_family_creations_creator_key')
    )


def downgrade():
    op.drop_table('family_creations')
