"""Weekly reports: a tutor's to the parent, a teacher's to the tutor; draft → sent → read."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from thebot.models.accounts import User
from thebot.models.base import Model, UTCDateTime, utcnow, value_enum
from thebot.models.learning import Enrollment, Subject


class ReportKind(str, enum.Enum):
    TUTOR = "tutor"  # the student's tutor → the student's parent
    TEACHER = "teacher"  # the teacher of an enrollment → the student's tutor


class ReportStatus(str, enum.Enum):
    DRAFT = "draft"
    SENT = "sent"
    READ = "read"


class Report(Model):
    """One weekly report about one student (and, for a teacher report, one subject)."""

    __tablename__ = "reports"
    __table_args__ = (
        # One report per (author, student[, subject], week), whatever its state.
        Index(
            "uq_reports_tutor_week",
            "author_id",
            "student_id",
            "week_start",
            unique=True,
            postgresql_where=text("kind = 'tutor'"),
            sqlite_where=text("kind = 'tutor'"),
        ),
        Index(
            "uq_reports_teacher_week",
            "author_id",
            "student_id",
            "subject_id",
            "week_start",
            unique=True,
            postgresql_where=text("kind = 'teacher'"),
            sqlite_where=text("kind = 'teacher'"),
        ),
        Index("ix_reports_student_id_week_start", "student_id", "week_start"),
        CheckConstraint("(kind = 'teacher') = (subject_id IS NOT NULL)", name="subject_per_kind"),
        CheckConstraint(
            "status = 'draft' OR (recipient_id IS NOT NULL AND sent_at IS NOT NULL)",
            name="sent_has_recipient",
        ),
        CheckConstraint("days_planned BETWEEN 0 AND 7", name="days_planned_range"),
        CheckConstraint("days_present BETWEEN 0 AND days_planned", name="days_present_range"),
        CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_range"),
        CheckConstraint("homework_set >= 0", name="homework_set_range"),
        CheckConstraint("homework_done BETWEEN 0 AND homework_set", name="homework_done_range"),
        CheckConstraint("average_grade BETWEEN 1 AND 5", name="average_grade_range"),
        CheckConstraint("attendance_percent BETWEEN 0 AND 100", name="attendance_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(value_enum(ReportKind, "report_kind"))
    status: Mapped[ReportStatus] = mapped_column(
        value_enum(ReportStatus, "report_status"), default=ReportStatus.DRAFT
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Teacher reports: the enrollment written for and its subject (kept if the enrollment ends).
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    # Taken from the student's links on the server when the report is sent.
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)

    summary: Mapped[str] = mapped_column(Text)
    progress_notes: Mapped[str] = mapped_column(Text, default="")
    achievements: Mapped[str] = mapped_column(Text, default="")
    concerns: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")

    # Tutor report.
    days_present: Mapped[int | None]
    days_planned: Mapped[int | None]
    progress_percent: Mapped[int | None]
    # Teacher report.
    homework_done: Mapped[int | None]
    homework_set: Mapped[int | None]
    average_grade: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    attendance_percent: Mapped[int | None]

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    student: Mapped[User] = relationship(foreign_keys=[student_id])
    recipient: Mapped[User | None] = relationship(foreign_keys=[recipient_id])
    enrollment: Mapped[Enrollment | None] = relationship()
    subject: Mapped[Subject | None] = relationship()

    @property
    def is_draft(self) -> bool:
        return self.status is ReportStatus.DRAFT

    @property
    def subject_title(self) -> str | None:
        """The enrollment's title (custom or the subject's name) for teacher reports."""
        if self.enrollment is not None:
            return self.enrollment.title
        return self.subject.name if self.subject is not None else None

    @property
    def attendance_share(self) -> int | None:
        """Tutor report: days present of planned as a whole percentage (None when not planned)."""
        if not self.days_planned or self.days_present is None:
            return None
        return round(100 * self.days_present / self.days_planned)

    def __repr__(self) -> str:
        return f"<Report {self.id} {self.kind.value} {self.status.value} {self.week_start}>"
