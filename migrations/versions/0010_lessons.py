"""lessons: lessons, their history, calendar feeds, users.time_zone

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feeds',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash'))
    )
    op.create_table('lessons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=True),
    sa.Column('tutor_id', sa.Integer(), nullable=True),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('video_url', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'completed', 'cancelled', name='lesson_status', native_enum=False, length=16), nullable=False),
    sa.Column('series_id', sa.String(length=36), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('scheduled', 'completed', 'cancelled')", name=op.f('ck_lessons_status_known')),
    sa.CheckConstraint('(teacher_id IS NULL) <> (tutor_id IS NULL)', name=op.f('ck_lessons_one_teacher_or_tutor')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_lessons_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_lessons_created_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_lessons_enrollment_id_enrollments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_lessons_student_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], name=op.f('fk_lessons_teacher_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tutor_id'], ['users.id'], name=op.f('fk_lessons_tutor_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lessons'))
    )
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lessons_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lessons_series_id'), ['series_id'], unique=False)
        batch_op.create_index('ix_lessons_student_id_starts_at', ['student_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_lessons_teacher_id_starts_at', ['teacher_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_lessons_tutor_id_starts_at', ['tutor_id', 'starts_at'], unique=False)

    op.create_table('lesson_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.CheckConstraint("action IN ('scheduled', 'rescheduled', 'cancelled', 'completed')", name=op.f('ck_lesson_events_action_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_lesson_events_actor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_lesson_events_lesson_id_lessons'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_events'))
    )
    with op.batch_alter_table('lesson_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_events_lesson_id'), ['lesson_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='Europe/Moscow', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')

    with op.batch_alter_table('lesson_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_events_lesson_id'))

    op.drop_table('lesson_events')
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_index('ix_lessons_tutor_id_starts_at')
        batch_op.drop_index('ix_lessons_teacher_id_starts_at')
        batch_op.drop_index('ix_lessons_student_id_starts_at')
        batch_op.drop_index(batch_op.f('ix_lessons_series_id'))
        batch_op.drop_index(batch_op.f('ix_lessons_enrollment_id'))

    op.drop_table('lessons')
    op.drop_table('calendar_feeds')
