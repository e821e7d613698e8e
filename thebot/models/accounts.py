"""Accounts: users with one role each, their role profiles, and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from thebot.models.base import Model, UTCDateTime, utcnow, value_enum


class Role(str, enum.Enum):
    STUDENT = "student"
    PARENT = "parent"
    TUTOR = "tutor"
    TEACHER = "teacher"
    ADMIN = "admin"


# What a removed account is called wherever a person is named (User.full_name).
DELETED_NAME = _l("Deleted user")


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case: login is case-insensitive and uniqueness follows from that.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # The stored name; read `full_name`, which names a removed account "Deleted user".
    stored_name: Mapped[str] = mapped_column("full_name", String(120))
    role: Mapped[Role] = mapped_column(value_enum(Role, "user_role"))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    # The language last chosen on a page (None: never chosen); notifications and e-mails use it.
    locale: Mapped[str | None] = mapped_column(String(8))
    # The IANA zone times are shown in (profile setting); stored times are UTC.
    time_zone: Mapped[str] = mapped_column(
        String(64), default="Europe/Moscow", server_default="Europe/Moscow"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when an admin removes the account: the row stays (messages, reports and lessons keep
    # their author) with every personal detail erased; see services/removal.py.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the last chat digest e-mail was claimed for this user: at most one per
    # CHAT_DIGEST_MIN_GAP_MINUTES, claimed by compare-and-set (services/chat/digest.py).
    chat_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    student_profile: Mapped[StudentProfile | None] = relationship(
        back_populates="user", foreign_keys="StudentProfile.user_id", uselist=False
    )
    parent_profile: Mapped[ParentProfile | None] = relationship(back_populates="user")
    tutor_profile: Mapped[TutorProfile | None] = relationship(back_populates="user")
    teacher_profile: Mapped[TeacherProfile | None] = relationship(back_populates="user")

    @hybrid_property
    def full_name(self) -> str:
        """The name every page, API answer, e-mail and export shows: the stored name, or "Deleted
        user" in the reader's language once the account is removed (services/removal.py). The
        one place that rule lives; in SQL (ordering, search) it is the stored column."""
        if self.deleted_at is not None:
            return str(DELETED_NAME)
        return self.stored_name

    @full_name.inplace.setter
    def _full_name_setter(self, value: str) -> None:
        self.stored_name = value

    @full_name.inplace.expression
    @classmethod
    def _full_name_expression(cls):
        return cls.stored_name

    @property
    def is_removed(self) -> bool:
        """Removed by an admin: a tombstone kept for what it authored (services/removal.py)."""
        return self.deleted_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def profile(self):
        """The role's profile row, or None (admins have none; a row may also be missing)."""
        return {
            Role.STUDENT: self.student_profile,
            Role.PARENT: self.parent_profile,
            Role.TUTOR: self.tutor_profile,
            Role.TEACHER: self.teacher_profile,
        }.get(self.role)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role.value}>"


class StudentProfile(Model):
    __tablename__ = "student_profiles"
    __table_args__ = (
        CheckConstraint("grade BETWEEN 1 AND 12", name="grade_range"),
        CheckConstraint(
            "guardian_id IS NULL OR guardian_id <> parent_id", name="guardian_not_parent"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    grade: Mapped[int | None]
    goal: Mapped[str] = mapped_column(Text, default="")
    # The canonical links: at most one tutor and one parent per student.
    tutor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # An optional second guardian (a parent account): sees and hears what the parent does, is
    # not billed and is not a report's stored recipient (domain.md section 1).
    guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    user: Mapped[User] = relationship(back_populates="student_profile", foreign_keys=[user_id])
    tutor: Mapped[User | None] = relationship(foreign_keys=[tutor_id])
    parent: Mapped[User | None] = relationship(foreign_keys=[parent_id])
    guardian: Mapped[User | None] = relationship(foreign_keys=[guardian_id])

    @property
    def guardian_ids(self) -> list[int]:
        """The parent and the second guardian (either may be missing), primary first."""
        return [i for i in (self.parent_id, self.guardian_id) if i is not None]


class ParentProfile(Model):
    __tablename__ = "parent_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str] = mapped_column(String(32), default="")

    user: Mapped[User] = relationship(back_populates="parent_profile")


class TutorProfile(Model):
    __tablename__ = "tutor_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    bio: Mapped[str] = mapped_column(Text, default="")
    subjects: Mapped[str] = mapped_column(String(255), default="")

    user: Mapped[User] = relationship(back_populates="tutor_profile")


class TeacherProfile(Model):
    __tablename__ = "teacher_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    bio: Mapped[str] = mapped_column(Text, default="")
    subjects: Mapped[str] = mapped_column(String(255), default="")

    user: Mapped[User] = relationship(back_populates="teacher_profile")


class ApiToken(Model):
    """A bearer token for one device; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class LoginSession(Model):
    """One browser sign-in; the cookie names it, so sign-out and deactivation end it server-side."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SocketConnection(Model):
    """A live Socket.IO connection, so any server process can find and disconnect it."""

    __tablename__ = "socket_connections"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    namespace: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    login_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("login_sessions.id", ondelete="CASCADE")
    )
    # The server process holding the socket (see ServerProcess): its rows go when it dies.
    server_id: Mapped[str] = mapped_column(String(32), default="", index=True)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ServerProcess(Model):
    """A running server process and its last heartbeat; one that stops beating is dead."""

    __tablename__ = "server_processes"

    server_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the process is to be taken for dead: its own interval times the missed beats, set
    # at each beat (None: a process from before 0019, judged by the sweeper's own interval).
    dead_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
