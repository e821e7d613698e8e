"""Subjects and enrollments: who studies what with whom."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from thebot.models.accounts import User
from thebot.models.base import Model, UTCDateTime, utcnow


class Subject(Model):
    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")


class Enrollment(Model):
    """This student studies this subject with this teacher; ended, never deleted with history."""

    __tablename__ = "enrollments"
    __table_args__ = (
        # At most one active enrollment per (student, subject), enforced by the database.
        Index(
            "uq_enrollments_active_student_subject",
            "student_id",
            "subject_id",
            unique=True,
            postgresql_where=text("is_active"),
            sqlite_where=text("is_active = 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    custom_title: Mapped[str | None] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    student: Mapped[User] = relationship(foreign_keys=[student_id])
    teacher: Mapped[User] = relationship(foreign_keys=[teacher_id])
    subject: Mapped[Subject] = relationship()

    @property
    def title(self) -> str:
        return self.custom_title or self.subject.name
