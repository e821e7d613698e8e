"""homework: homework per enrollment, the current submission of each

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('homework',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('set', 'submitted', 'returned', 'graded', name='homework_status', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('set', 'submitted', 'returned', 'graded')", name=op.f('ck_homework_status_known')),
    sa.CheckConstraint('max_score BETWEEN 1 AND 100', name=op.f('ck_homework_max_score_range')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_homework_enrollment_id_enrollments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_homework_student_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], name=op.f('fk_homework_teacher_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework'))
    )
    with op.batch_alter_table('homework', schema=None) as batch_op:
        batch_op.create_index('ix_homework_enrollment_id_due_at', ['enrollment_id', 'due_at'], unique=False)
        batch_op.create_index('ix_homework_student_id_id', ['student_id', 'id'], unique=False)
        batch_op.create_index('ix_homework_teacher_id_id', ['teacher_id', 'id'], unique=False)

    op.create_table('homework_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('homework_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('attachment_key', sa.String(length=80), nullable=True),
    sa.Column('attachment_name', sa.String(length=255), nullable=True),
    sa.Column('attachment_size', sa.Integer(), nullable=True),
    sa.Column('attachment_type', sa.String(length=100), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('score IS NULL OR (score >= 0 AND score <= 100)', name=op.f('ck_homework_submissions_score_range')),
    sa.ForeignKeyConstraint(['homework_id'], ['homework.id'], name=op.f('fk_homework_submissions_homework_id_homework'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_submissions')),
    sa.UniqueConstraint('homework_id', name=op.f('uq_homework_submissions_homework_id'))
    )


def downgrade():
    op.drop_table('homework_submissions')
    with op.batch_alter_table('homework', schema=None) as batch_op:
        batch_op.drop_index('ix_homework_teacher_id_id')
        batch_op.drop_index('ix_homework_student_id_id')
        batch_op.drop_index('ix_homework_enrollment_id_due_at')

    op.drop_table('homework')
