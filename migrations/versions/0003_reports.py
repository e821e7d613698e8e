"""weekly reports

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('tutor', 'teacher', name='report_kind', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('draft', 'sent', 'read', name='report_status', native_enum=False, length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('progress_notes', sa.Text(), nullable=False),
    sa.Column('achievements', sa.Text(), nullable=False),
    sa.Column('concerns', sa.Text(), nullable=False),
    sa.Column('recommendations', sa.Text(), nullable=False),
    sa.Column('days_present', sa.Integer(), nullable=True),
    sa.Column('days_planned', sa.Integer(), nullable=True),
    sa.Column('progress_percent', sa.Integer(), nullable=True),
    sa.Column('homework_done', sa.Integer(), nullable=True),
    sa.Column('homework_set', sa.Integer(), nullable=True),
    sa.Column('average_grade', sa.Numeric(precision=3, scale=2), nullable=True),
    sa.Column('attendance_percent', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(kind = 'teacher') = (subject_id IS NOT NULL)", name=op.f('ck_reports_subject_per_kind')),
    sa.CheckConstraint("status = 'draft' OR (recipient_id IS NOT NULL AND sent_at IS NOT NULL)", name=op.f('ck_reports_sent_has_recipient')),
    sa.CheckConstraint('attendance_percent BETWEEN 0 AND 100', name=op.f('ck_reports_attendance_range')),
    sa.CheckConstraint('average_grade BETWEEN 1 AND 5', name=op.f('ck_reports_average_grade_range')),
    sa.CheckConstraint('days_planned BETWEEN 0 AND 7', name=op.f('ck_reports_days_planned_range')),
    sa.CheckConstraint('days_present BETWEEN 0 AND days_planned', name=op.f('ck_reports_days_present_range')),
    sa.CheckConstraint('homework_done BETWEEN 0 AND homework_set', name=op.f('ck_reports_homework_done_range')),
    sa.CheckConstraint('homework_set >= 0', name=op.f('ck_reports_homework_set_range')),
    sa.CheckConstraint('progress_percent BETWEEN 0 AND 100', name=op.f('ck_reports_progress_range')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_reports_author_id_users')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_reports_enrollment_id_enrollments')),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_reports_recipient_id_users')),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_reports_student_id_users')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_reports_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index('ix_reports_student_id_week_start', ['student_id', 'week_start'], unique=False)
        batch_op.create_index('uq_reports_teacher_week', ['author_id', 'student_id', 'subject_id', 'week_start'], unique=True, postgresql_where=sa.text("kind = 'teacher'"), sqlite_where=sa.text("kind = 'teacher'"))
        batch_op.create_index('uq_reports_tutor_week', ['author_id', 'student_id', 'week_start'], unique=True, postgresql_where=sa.text("kind = 'tutor'"), sqlite_where=sa.text("kind = 'tutor'"))


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('uq_reports_tutor_week', postgresql_where=sa.text("kind = 'tutor'"), sqlite_where=sa.text("kind = 'tutor'"))
        batch_op.drop_index('uq_reports_teacher_week', postgresql_where=sa.text("kind = 'teacher'"), sqlite_where=sa.text("kind = 'teacher'"))
        batch_op.drop_index('ix_reports_student_id_week_start')
        batch_op.drop_index(batch_op.f('ix_reports_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_reports_author_id'))

    op.drop_table('reports')
