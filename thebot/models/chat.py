"""Chat: rooms that belong to a relationship, their members, messages, and joined sockets."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from thebot.models.accounts import User
from thebot.models.base import Model, UTCDateTime, utcnow, value_enum
from thebot.models.learning import Enrollment


class RoomKind(str, enum.Enum):
    SUBJECT = "subject"  # one per enrollment: student, teacher, the student's parent
    TUTOR = "tutor"  # one per student with a tutor: student, tutor, parent
    DIRECT = "direct"  # one per allowed unordered pair of people


class MessageKind(str, enum.Enum):
    TEXT = "text"
    FILE = "file"
    SYSTEM = "system"


class ChatRoom(Model):
    """A conversation; uniqueness per relationship is enforced by partial unique indexes."""

    __tablename__ = "chat_rooms"
    __table_args__ = (
        Index(
            "uq_chat_rooms_subject_enrollment",
            "enrollment_id",
            unique=True,
            postgresql_where=text("kind = 'subject'"),
            sqlite_where=text("kind = 'subject'"),
        ),
        Index(
            "uq_chat_rooms_tutor_student",
            "student_id",
            unique=True,
            postgresql_where=text("kind = 'tutor'"),
            sqlite_where=text("kind = 'tutor'"),
        ),
        Index(
            "uq_chat_rooms_direct_pair",
            "user_low_id",
            "user_high_id",
            unique=True,
            postgresql_where=text("kind = 'direct'"),
            sqlite_where=text("kind = 'direct'"),
        ),
        CheckConstraint(
            "(kind = 'subject' AND enrollment_id IS NOT NULL AND student_id IS NOT NULL) OR "
            "(kind = 'tutor' AND student_id IS NOT NULL) OR "
            "(kind = 'direct' AND user_low_id IS NOT NULL AND user_high_id IS NOT NULL "
            "AND user_low_id < user_high_id)",
            name="kind_shape",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RoomKind] = mapped_column(value_enum(RoomKind, "chat_room_kind"))
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE")
    )
    # The student a subject or tutor room is about.
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # A direct room's pair, the smaller id first.
    user_low_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_high_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Set by a moderator; a room whose relationship ended is read-only regardless.
    locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enrollment: Mapped[Enrollment | None] = relationship()
    student: Mapped[User | None] = relationship(foreign_keys=[student_id])

    @property
    def subject_enrollment(self) -> Enrollment:
        """A subject room's enrollment (the `kind_shape` check makes it present)."""
        assert self.enrollment is not None, "a subject room has an enrollment"
        return self.enrollment

    @property
    def room_student(self) -> User:
        """The student a subject or tutor room is about (the `kind_shape` check makes it
        present)."""
        assert self.student is not None, "a subject or tutor room has a student"
        return self.student

    @property
    def direct_pair(self) -> tuple[int, int]:
        """A direct room's two people, the smaller id first (the `kind_shape` check makes both
        present)."""
        assert self.user_low_id is not None and self.user_high_id is not None, (
            "a direct room has two people"
        )
        return self.user_low_id, self.user_high_id


class ChatMember(Model):
    """Who reads and writes a room, with their read cursor (the last message id read)."""

    __tablename__ = "chat_members"

    room_id: Mapped[int] = mapped_column(
        ForeignKey("chat_rooms.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_id: Mapped[int] = mapped_column(default=0)
    # The last message id an e-mail digest told this member about: never reported again
    # (services/chat/digest.py).
    digested_id: Mapped[int] = mapped_column(default=0, server_default="0")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


class ChatMessage(Model):
    """A text, file or system message; deleting only hides it (kept for audit)."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        # A client's retry with the same client_id finds the stored message instead of a copy.
        Index("uq_chat_messages_sender_client", "sender_id", "client_id", unique=True),
        Index("ix_chat_messages_room_id_id", "room_id", "id"),
        Index("ix_chat_messages_sender_id_created_at", "sender_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[MessageKind] = mapped_column(value_enum(MessageKind, "chat_message_kind"))
    content: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[str | None] = mapped_column(String(64))
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # One attachment per file message: stored under UPLOAD_DIR by a random key, never by name.
    attachment_key: Mapped[str | None] = mapped_column(String(80))
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_size: Mapped[int | None]
    attachment_type: Mapped[str | None] = mapped_column(String(100))

    sender: Mapped[User | None] = relationship(foreign_keys=[sender_id])


class ChatSocketJoin(Model):
    """A socket that joined a room, in any server process: presence is counted from these."""

    __tablename__ = "chat_socket_joins"
    __table_args__ = (Index("ix_chat_socket_joins_room_id_user_id", "room_id", "user_id"),)

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    room_id: Mapped[int] = mapped_column(
        ForeignKey("chat_rooms.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
