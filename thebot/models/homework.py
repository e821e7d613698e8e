"""Homework a teacher sets for an enrollment, and the student's one current submission."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from thebot.models.accounts import User
from thebot.models.base import Model, UTCDateTime, utcnow, value_enum
from thebot.models.learning import Enrollment

MAX_SCORE_LIMIT = 100


class HomeworkStatus(str, enum.Enum):
    SET = "set"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    GRADED = "graded"


class Homework(Model):
    """One piece of homework for one enrollment (its student, its teacher)."""

    __tablename__ = "homework"
    __table_args__ = (
        CheckConstraint("max_score BETWEEN 1 AND 100", name="max_score_range"),
        CheckConstraint(
            "status IN ('set', 'submitted', 'returned', 'graded')", name="status_known"
        ),
        # Lists read a viewer's homework newest first: by student (student, parent, tutor) and
        # by teacher.
        Index("ix_homework_student_id_id", "student_id", "id"),
        Index("ix_homework_teacher_id_id", "teacher_id", "id"),
        Index("ix_homework_enrollment_id_due_at", "enrollment_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="RESTRICT"))
    # Copied from the enrollment when set (it never changes there): lists filter without a join.
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    max_score: Mapped[int]
    status: Mapped[HomeworkStatus] = mapped_column(
        value_enum(HomeworkStatus, "homework_status"), default=HomeworkStatus.SET
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
    teacher: Mapped[User] = relationship(foreign_keys=[teacher_id])
    student: Mapped[User] = relationship(foreign_keys=[student_id])
    submission: Mapped[HomeworkSubmission | None] = relationship(
        back_populates="homework", uselist=False
    )

    def __repr__(self) -> str:
        return f"<Homework {self.id} {self.status.value}>"


class HomeworkSubmission(Model):
    """The student's current submission of a homework (a resubmission after a return replaces
    it), with the teacher's score and feedback."""

    __tablename__ = "homework_submissions"
    __table_args__ = (
        # The bound by the homework's max_score is the service's (a CHECK cannot see it).
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    homework_id: Mapped[int] = mapped_column(
        ForeignKey("homework.id", ondelete="RESTRICT"), unique=True
    )
    text: Mapped[str] = mapped_column(Text, default="")
    # At most one file, stored as chat attachments are (services/attachments.py): by random key.
    attachment_key: Mapped[str | None] = mapped_column(String(80))
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_size: Mapped[int | None]
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)
    score: Mapped[int | None]
    feedback: Mapped[str] = mapped_column(Text, default="")
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    homework: Mapped[Homework] = relationship(back_populates="submission")
