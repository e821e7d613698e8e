"""chat: rooms, members, messages, attachments, presence

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Besides the tables, the upgrade gives every existing enrollment its subject room and every
student with a tutor their tutor room (with members), so data that predates the chat has rooms.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chat_rooms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('subject', 'tutor', 'direct', name='chat_room_kind', native_enum=False, length=16), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('user_low_id', sa.Integer(), nullable=True),
    sa.Column('user_high_id', sa.Integer(), nullable=True),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'subject' AND enrollment_id IS NOT NULL AND student_id IS NOT NULL) OR (kind = 'tutor' AND student_id IS NOT NULL) OR (kind = 'direct' AND user_low_id IS NOT NULL AND user_high_id IS NOT NULL AND user_low_id < user_high_id)", name=op.f('ck_chat_rooms_kind_shape')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_chat_rooms_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_chat_rooms_student_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_high_id'], ['users.id'], name=op.f('fk_chat_rooms_user_high_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_low_id'], ['users.id'], name=op.f('fk_chat_rooms_user_low_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_rooms'))
    )
    with op.batch_alter_table('chat_rooms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_rooms_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_rooms_user_high_id'), ['user_high_id'], unique=False)
        batch_op.create_index('uq_chat_rooms_direct_pair', ['user_low_id', 'user_high_id'], unique=True, postgresql_where=sa.text("kind = 'direct'"), sqlite_where=sa.text("kind = 'direct'"))
        batch_op.create_index('uq_chat_rooms_subject_enrollment', ['enrollment_id'], unique=True, postgresql_where=sa.text("kind = 'subject'"), sqlite_where=sa.text("kind = 'subject'"))
        batch_op.create_index('uq_chat_rooms_tutor_student', ['student_id'], unique=True, postgresql_where=sa.text("kind = 'tutor'"), sqlite_where=sa.text("kind = 'tutor'"))

    op.create_table('chat_members',
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['chat_rooms.id'], name=op.f('fk_chat_members_room_id_chat_rooms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_chat_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('room_id', 'user_id', name=op.f('pk_chat_members'))
    )
    with op.batch_alter_table('chat_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_members_user_id'), ['user_id'], unique=False)

    op.create_table('chat_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('text', 'file', 'system', name='chat_message_kind', native_enum=False, length=16), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('reply_to_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.Column('attachment_key', sa.String(length=80), nullable=True),
    sa.Column('attachment_name', sa.String(length=255), nullable=True),
    sa.Column('attachment_size', sa.Integer(), nullable=True),
    sa.Column('attachment_type', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_chat_messages_deleted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reply_to_id'], ['chat_messages.id'], name=op.f('fk_chat_messages_reply_to_id_chat_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['room_id'], ['chat_rooms.id'], name=op.f('fk_chat_messages_room_id_chat_rooms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_chat_messages_sender_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages'))
    )
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.create_index('ix_chat_messages_room_id_id', ['room_id', 'id'], unique=False)
        batch_op.create_index('ix_chat_messages_sender_id_created_at', ['sender_id', 'created_at'], unique=False)
        batch_op.create_index('uq_chat_messages_sender_client', ['sender_id', 'client_id'], unique=True)

    op.create_table('chat_socket_joins',
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['chat_rooms.id'], name=op.f('fk_chat_socket_joins_room_id_chat_rooms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_chat_socket_joins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sid', 'room_id', name=op.f('pk_chat_socket_joins'))
    )
    with op.batch_alter_table('chat_socket_joins', schema=None) as batch_op:
        batch_op.create_index('ix_chat_socket_joins_room_id_user_id', ['room_id', 'user_id'], unique=False)

    _rooms_for_existing_relationships()


def _rooms_for_existing_relationships():
    """Subject rooms for existing enrollments and tutor rooms for students with a tutor."""
    from datetime import datetime, timezone

    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    enrollments = sa.table('enrollments', sa.column('id'), sa.column('student_id'),
                           sa.column('teacher_id'))
    profiles = sa.table('student_profiles', sa.column('user_id'), sa.column('tutor_id'),
                        sa.column('parent_id'))
    rooms = sa.table('chat_rooms', sa.column('id'), sa.column('kind'), sa.column('enrollment_id'),
                     sa.column('student_id'), sa.column('locked'), sa.column('created_at'))
    members = sa.table('chat_members', sa.column('room_id'), sa.column('user_id'),
                       sa.column('last_read_id'), sa.column('joined_at'))
    parent_of = {row.user_id: row.parent_id for row in bind.execute(sa.select(profiles))}

    def add_room(kind, student_id, enrollment_id, people):
        bind.execute(rooms.insert().values(kind=kind, enrollment_id=enrollment_id,
                                           student_id=student_id, locked=False, created_at=now))
        room_id = bind.execute(sa.select(rooms.c.id).where(
            rooms.c.kind == kind, rooms.c.student_id == student_id,
            rooms.c.enrollment_id.is_(None) if enrollment_id is None
            else rooms.c.enrollment_id == enrollment_id)).scalar_one()
        for user_id in {p for p in people if p is not None}:
            bind.execute(members.insert().values(room_id=room_id, user_id=user_id, last_read_id=0,
                                                 joined_at=now))

    for row in bind.execute(sa.select(enrollments)).all():
        add_room('subject', row.student_id, row.id,
                 [row.student_id, row.teacher_id, parent_of.get(row.student_id)])
    for row in bind.execute(sa.select(profiles).where(profiles.c.tutor_id.is_not(None))).all():
        add_room('tutor', row.user_id, None, [row.user_id, row.tutor_id, row.parent_id])


def downgrade():
    with op.batch_alter_table('chat_socket_joins', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_socket_joins_room_id_user_id')

    op.drop_table('chat_socket_joins')
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_index('uq_chat_messages_sender_client')
        batch_op.drop_index('ix_chat_messages_sender_id_created_at')
        batch_op.drop_index('ix_chat_messages_room_id_id')

    op.drop_table('chat_messages')
    with op.batch_alter_table('chat_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_members_user_id'))

    op.drop_table('chat_members')
    with op.batch_alter_table('chat_rooms', schema=None) as batch_op:
        batch_op.drop_index('uq_chat_rooms_tutor_student', postgresql_where=sa.text("kind = 'tutor'"), sqlite_where=sa.text("kind = 'tutor'"))
        batch_op.drop_index('uq_chat_rooms_subject_enrollment', postgresql_where=sa.text("kind = 'subject'"), sqlite_where=sa.text("kind = 'subject'"))
        batch_op.drop_index('uq_chat_rooms_direct_pair', postgresql_where=sa.text("kind = 'direct'"), sqlite_where=sa.text("kind = 'direct'"))
        batch_op.drop_index(batch_op.f('ix_chat_rooms_user_high_id'))
        batch_op.drop_index(batch_op.f('ix_chat_rooms_student_id'))

    op.drop_table('chat_rooms')
