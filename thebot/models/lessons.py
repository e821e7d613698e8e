"""Lessons a teacher or tutor holds with a student, their history, and private calendar feeds."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from thebot.models.accounts import User
from thebot.models.base import Model, UTCDateTime, utcnow, value_enum
from thebot.models.learning import Enrollment


class LessonStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Lesson(Model):
    """One lesson (teacher, for an enrollment) or tutoring session (tutor) with one student."""

    __tablename__ = "lessons"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("(teacher_id IS NULL) <> (tutor_id IS NULL)", name="one_teacher_or_tutor"),
        CheckConstraint("status IN ('scheduled', 'completed', 'cancelled')", name="status_known"),
        # Overlap checks and lists read each person's lessons by time.
        Index("ix_lessons_student_id_starts_at", "student_id", "starts_at"),
        Index("ix_lessons_teacher_id_starts_at", "teacher_id", "starts_at"),
        Index("ix_lessons_tutor_id_starts_at", "tutor_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    tutor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Set for teacher lessons: the enrollment the lesson belongs to.
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="RESTRICT"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    topic: Mapped[str] = mapped_column(String(200), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[LessonStatus] = mapped_column(
        value_enum(LessonStatus, "lesson_status"), default=LessonStatus.SCHEDULED
    )
    # The weekly series the lesson was created in (a uuid4 string), or None for a single lesson.
    series_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    student: Mapped[User] = relationship(foreign_keys=[student_id])
    teacher: Mapped[User | None] = relationship(foreign_keys=[teacher_id])
    tutor: Mapped[User | None] = relationship(foreign_keys=[tutor_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    enrollment: Mapped[Enrollment | None] = relationship()
    events: Mapped[list[LessonEvent]] = relationship(
        back_populates="lesson", order_by="LessonEvent.id"
    )

    @property
    def host_id(self) -> int:
        """The teacher's or tutor's id: whoever holds the lesson."""
        host = self.teacher_id if self.teacher_id is not None else self.tutor_id
        assert host is not None  # the CHECK: exactly one of them is set
        return host

    def __repr__(self) -> str:
        return f"<Lesson {self.id} {self.status.value} {self.starts_at.isoformat()}>"


class LessonEvent(Model):
    """One row of a lesson's history: scheduled, rescheduled, cancelled or completed."""

    __tablename__ = "lesson_events"
    __table_args__ = (
        CheckConstraint(
            "action IN ('scheduled', 'rescheduled', 'cancelled', 'completed')", name="action_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lessons.id", ondelete="RESTRICT"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # What changed, e.g. {"starts_at": [old, new], "topic": [old, new]} (ISO strings for times).
    details: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)

    lesson: Mapped[Lesson] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class CalendarFeed(Model):
    """A user's private iCalendar feed: only the SHA-256 of the secret in its URL is stored."""

    __tablename__ = "calendar_feeds"

    # One feed per user: regenerating replaces the hash, so the old URL stops working.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
