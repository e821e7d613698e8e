"""student_profiles.guardian_id: an optional second guardian (a parent account) per student

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guardian_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_student_profiles_guardian_id_users', 'users', ['guardian_id'], ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_index('ix_student_profiles_guardian_id', ['guardian_id'])
        batch_op.create_check_constraint(
            'guardian_not_parent', 'guardian_id IS NULL OR guardian_id <> parent_id'
        )


def downgrade():
    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.drop_constraint('guardian_not_parent', type_='check')
        batch_op.drop_index('ix_student_profiles_guardian_id')
        batch_op.drop_constraint('fk_student_profiles_guardian_id_users', type_='foreignkey')
        batch_op.drop_column('guardian_id')
