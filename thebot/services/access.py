"""Who may see whom and who may do what: every such question is answered here, and only here.

Lists and single-record checks are built from the same queries, so a user can open exactly
what they are shown.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select, union

from thebot.extensions import db
from thebot.models import Enrollment, Role, StudentProfile, User
from thebot.services.errors import Forbidden, NotFound


def is_admin(user: User) -> bool:
    """The one admin check: admin is a role, not a flag."""
    return user.role is Role.ADMIN


def require_role(user: User, *roles: Role) -> None:
    """Refuse (403) unless the user has one of the roles."""
    if user.role not in roles:
        raise Forbidden(_l("This action is not available for your role."))


def children_of(viewer: User) -> Select:
    """A SELECT of the ids of the students whose primary parent or second guardian is the viewer
    (domain.md section 1: "the student's parent" for seeing means both)."""
    sp = StudentProfile
    return select(sp.user_id).where(or_(sp.parent_id == viewer.id, sp.guardian_id == viewer.id))


def student_ids_visible_to(viewer: User) -> Select:
    """A SELECT of the ids of the students this viewer may see."""
    sp = StudentProfile
    if viewer.role is Role.ADMIN:
        return select(sp.user_id)
    if viewer.role is Role.STUDENT:
        return select(sp.user_id).where(sp.user_id == viewer.id)
    if viewer.role is Role.PARENT:
        return children_of(viewer)
    if viewer.role is Role.TUTOR:
        return select(sp.user_id).where(sp.tutor_id == viewer.id)
    if viewer.role is Role.TEACHER:
        return select(Enrollment.student_id).where(
            Enrollment.teacher_id == viewer.id, Enrollment.is_active.is_(True)
        )
    return select(sp.user_id).where(False)


def user_ids_visible_to(viewer: User) -> Select:
    """A SELECT of every user id the viewer may see (domain.md section 2), themselves included."""
    sp, en = StudentProfile, Enrollment
    if viewer.role is Role.ADMIN:
        return select(User.id)
    students = student_ids_visible_to(viewer).scalar_subquery()
    me = select(db.literal(viewer.id).label("id"))
    parts = [me, student_ids_visible_to(viewer)]
    if viewer.role in (Role.STUDENT, Role.PARENT, Role.TUTOR):
        # the students' teachers (active enrollments)
        parts.append(
            select(en.teacher_id).where(en.student_id.in_(students), en.is_active.is_(True))
        )
    if viewer.role in (Role.STUDENT, Role.PARENT, Role.TEACHER):
        parts.append(select(sp.tutor_id).where(sp.user_id.in_(students), sp.tutor_id.is_not(None)))
    if viewer.role in (Role.STUDENT, Role.TUTOR, Role.TEACHER):
        for column in (sp.parent_id, sp.guardian_id):  # the parent and the second guardian
            parts.append(select(column).where(sp.user_id.in_(students), column.is_not(None)))
    return select(union(*parts).subquery().c[0])


def can_see_user(viewer: User, user_id: int) -> bool:
    """Whether the viewer may see the user with this id."""
    if viewer.id == user_id or is_admin(viewer):
        return True
    query = select(User.id).where(User.id == user_id, User.id.in_(user_ids_visible_to(viewer)))
    return db.session.scalar(query) is not None


def visible_user(viewer: User, user_id: int) -> User:
    """The user with this id if the viewer may see them; NotFound otherwise."""
    user = db.session.get(User, user_id)
    if user is None or not can_see_user(viewer, user_id):
        raise NotFound(_l("No such person."))
    return user


def visible_student(viewer: User, student_id: int) -> User:
    """The student with this id if the viewer may see them; NotFound otherwise (a removed
    student is nobody's to see or manage: no links, enrollments or records are added to it)."""
    query = select(User).where(
        User.id == student_id,
        User.role == Role.STUDENT,
        User.deleted_at.is_(None),
        User.id.in_(student_ids_visible_to(viewer)),
    )
    student = db.session.scalar(query)
    if student is None:
        raise NotFound(_l("No such student."))
    return student


def can_manage_student(actor: User, student: User) -> bool:
    """Admin, or the student's own tutor: links, enrollments and the student's records."""
    if is_admin(actor):
        return True
    profile = student.student_profile
    return actor.role is Role.TUTOR and profile is not None and profile.tutor_id == actor.id


def managed_student(actor: User, student_id: int) -> User:
    """The student if the actor manages them: NotFound if unseen, Forbidden if only seen."""
    student = visible_student(actor, student_id)
    if not can_manage_student(actor, student):
        raise Forbidden(_l("Only the student's tutor or an admin may do this."))
    return student


def visible_enrollment(viewer: User, enrollment_id: int) -> Enrollment:
    """The enrollment if the viewer may see it: its student, teacher, their tutor and parent."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound(_l("No such enrollment."))
    if is_admin(viewer) or enrollment.teacher_id == viewer.id:
        return enrollment
    visible = db.session.scalar(
        select(User.id).where(
            User.id == enrollment.student_id, User.id.in_(student_ids_visible_to(viewer))
        )
    )
    if visible is None or viewer.role is Role.TEACHER:
        raise NotFound(_l("No such enrollment."))
    return enrollment


def managed_enrollment(actor: User, enrollment_id: int) -> Enrollment:
    """The enrollment if the actor may end or change it (admin, or the student's tutor)."""
    enrollment = visible_enrollment(actor, enrollment_id)
    if not can_manage_student(actor, enrollment.student):
        raise Forbidden(_l("Only the student's tutor or an admin may change this enrollment."))
    return enrollment


def require_admin(actor: User) -> None:
    """Refuse (403) unless the actor is an admin."""
    if not is_admin(actor):
        raise Forbidden(_l("Only an administrator may do this."))


def filter_visible_users(viewer: User, query: Select) -> Select:
    """Narrow a SELECT over User to the users this viewer may see."""
    if is_admin(viewer):
        return query
    return query.where(or_(User.id == viewer.id, User.id.in_(user_ids_visible_to(viewer))))


# --- weekly reports (domain.md section 4) -----------------------------------------------------
# One rule for lists, single lookups and live-event audiences. Added by the reports area.
from sqlalchemy import and_, false  # noqa: E402

from thebot.models.reports import Report, ReportKind, ReportStatus  # noqa: E402


def _current_readers_clause(viewer: User):
    """SQL: the viewer is who a sent report is for *now*, by the student's current links.

    A tutor report is for the student's current parent and second guardian, a teacher report
    for the student's current tutor (domain.md section 4: reports follow the links as they are
    now; the stored recipient is history). None when the viewer's role receives no reports.
    """
    if viewer.role is Role.PARENT:
        return and_(Report.kind == ReportKind.TUTOR, Report.student_id.in_(children_of(viewer)))
    if viewer.role is Role.TUTOR:
        students = select(StudentProfile.user_id).where(StudentProfile.tutor_id == viewer.id)
        return and_(Report.kind == ReportKind.TEACHER, Report.student_id.in_(students))
    return None


def reports_visible_clause(viewer: User):
    """The SQL condition "this viewer may see this report", for every report list and lookup.

    Drafts: their author only. Sent or read: the author, admins, and whoever the student's links
    name now: the current parent (both kinds) and the current tutor (teacher reports). The
    recipient stored at send time grants nothing once the links change. The second guardian
    sees what the parent sees. Nobody else (students see no reports).
    """
    sent = Report.status != ReportStatus.DRAFT
    if is_admin(viewer):
        return or_(sent, Report.author_id == viewer.id)
    may_see_sent = []
    if viewer.role is Role.PARENT:
        may_see_sent.append(Report.student_id.in_(children_of(viewer)))
    elif viewer.role is Role.TUTOR:
        may_see_sent.append(_current_readers_clause(viewer))
    if not may_see_sent:
        return Report.author_id == viewer.id
    return or_(Report.author_id == viewer.id, and_(sent, or_(*may_see_sent)))


def report_reader_clause(viewer: User):
    """SQL: the viewer is the report's current reader (who marks it read); false for others."""
    clause = _current_readers_clause(viewer)
    return clause if clause is not None else false()


def is_report_reader(viewer: User, report: Report) -> bool:
    """Whether the viewer is who the report is for now (its current parent or second guardian,
    or its current tutor)."""
    profile = db.session.get(StudentProfile, report.student_id)
    if profile is None:
        return False
    if report.kind is ReportKind.TUTOR:
        return viewer.id in profile.guardian_ids
    return profile.tutor_id is not None and profile.tutor_id == viewer.id


def visible_report(viewer: User, report_id: int) -> Report:
    """The report if the viewer may see it (reports_visible_clause); NotFound otherwise."""
    report = db.session.scalar(
        select(Report).where(Report.id == report_id, reports_visible_clause(viewer))
    )
    if report is None:
        raise NotFound(_l("No such report."))
    return report


def report_audience(report: Report) -> list[User]:
    """The active users who may see this report, decided by reports_visible_clause itself.

    The candidates are everyone the clause can ever admit (author, recipient, the student's
    parent and guardian, admins); each is kept only if the clause admits them, so live events
    reach exactly the people the lists show the report to.
    """
    candidate_ids = {report.author_id, report.recipient_id}
    profile = db.session.get(StudentProfile, report.student_id)
    if profile is not None:
        candidate_ids.update({profile.parent_id, profile.guardian_id, profile.tutor_id})
    candidate_ids.discard(None)
    candidates = db.session.scalars(
        select(User).where(
            User.active.is_(True), or_(User.id.in_(candidate_ids), User.role == Role.ADMIN)
        )
    ).all()
    return [
        user
        for user in candidates
        if db.session.scalar(
            select(Report.id).where(Report.id == report.id, reports_visible_clause(user))
        )
        is not None
    ]


# --- invoices (domain.md section 5) -----------------------------------------------------------
# One rule for invoice lists, totals, CSV, single lookups and live-event audiences.
from sqlalchemy import true  # noqa: E402

from thebot.models.billing import Invoice  # noqa: E402


def invoices_visible_clause(viewer: User):
    """SQL: this viewer may see this invoice.

    Admin: all. Tutor: the invoices they issued. Parent: those billed to them, and as a second
    guardian those of the child billed to the child's current primary parent (what that parent
    sees of the child), once ever sent (a draft, or a draft cancelled unsent, is never theirs
    to see). Students and teachers: none.
    """
    if is_admin(viewer):
        return true()
    if viewer.role is Role.TUTOR:
        return Invoice.tutor_id == viewer.id
    if viewer.role is Role.PARENT:
        sp = StudentProfile
        as_guardian = Invoice.student_id.in_(
            select(sp.user_id).where(sp.guardian_id == viewer.id, sp.parent_id == Invoice.parent_id)
        )
        return and_(or_(Invoice.parent_id == viewer.id, as_guardian), Invoice.sent_at.is_not(None))
    return false()


def invoice_family_ids(invoice: Invoice) -> set[int]:
    """Who stands for the family billed (the same rule as `invoices_visible_clause`, for one
    invoice): the parent billed, and the student's second guardian while the invoice is billed
    to the student's current primary parent. They see it once sent, open it, hear of it, pay."""
    ids = {invoice.parent_id}
    profile = db.session.get(StudentProfile, invoice.student_id)
    if profile is not None and profile.guardian_id and profile.parent_id == invoice.parent_id:
        ids.add(profile.guardian_id)
    return ids


def visible_invoices(viewer: User) -> Select:
    """A SELECT of the invoices this viewer may see (filter and order it further)."""
    return select(Invoice).where(invoices_visible_clause(viewer))


def visible_invoice(viewer: User, invoice_id: int) -> Invoice:
    """The invoice if the viewer may see it; NotFound otherwise."""
    invoice = db.session.scalar(visible_invoices(viewer).where(Invoice.id == invoice_id))
    if invoice is None:
        raise NotFound(_l("No such invoice."))
    return invoice


# --- lessons (domain.md section 6) ------------------------------------------------------------
# One rule for lesson lists, the week view, the calendar feed, lookups and live-event audiences.
from thebot.models.lessons import Lesson  # noqa: E402


def lessons_visible_clause(viewer: User):
    """SQL: this viewer may see this lesson.

    Admin: all. Student: their own. Parent: their children's. Tutor: the sessions they hold and
    every lesson of their students. Teacher: the lessons they teach (an ended enrollment's too).
    """
    if is_admin(viewer):
        return true()
    if viewer.role is Role.STUDENT:
        return Lesson.student_id == viewer.id
    if viewer.role is Role.PARENT:
        return Lesson.student_id.in_(children_of(viewer))
    if viewer.role is Role.TUTOR:
        students = select(StudentProfile.user_id).where(StudentProfile.tutor_id == viewer.id)
        return or_(Lesson.tutor_id == viewer.id, Lesson.student_id.in_(students))
    if viewer.role is Role.TEACHER:
        return Lesson.teacher_id == viewer.id
    return false()


def visible_lessons(viewer: User) -> Select:
    """A SELECT of the lessons this viewer may see (filter and order it further)."""
    return select(Lesson).where(lessons_visible_clause(viewer))


def visible_lesson(viewer: User, lesson_id: int) -> Lesson:
    """The lesson if the viewer may see it; NotFound otherwise."""
    lesson = db.session.scalar(visible_lessons(viewer).where(Lesson.id == lesson_id))
    if lesson is None:
        raise NotFound(_l("No such lesson."))
    return lesson


# --- homework (domain.md section 7) -----------------------------------------------------------
# One rule for homework lists, single lookups, attachment downloads and live-event audiences.
from thebot.models.homework import Homework  # noqa: E402


def homework_visible_clause(viewer: User):
    """SQL: this viewer may see this homework.

    Admin: all. Teacher: the homework they set. Student, parent, tutor: the homework of the
    students they may see now (their own, their children's, their students'). Nobody else.
    """
    if is_admin(viewer):
        return true()
    if viewer.role is Role.TEACHER:
        return Homework.teacher_id == viewer.id
    if viewer.role in (Role.STUDENT, Role.PARENT, Role.TUTOR):
        return Homework.student_id.in_(student_ids_visible_to(viewer))
    return false()


def visible_homework(viewer: User) -> Select:
    """A SELECT of the homework this viewer may see (filter and order it further)."""
    return select(Homework).where(homework_visible_clause(viewer))


def visible_homework_item(viewer: User, homework_id: int) -> Homework:
    """The homework if the viewer may see it; NotFound otherwise."""
    homework = db.session.scalar(visible_homework(viewer).where(Homework.id == homework_id))
    if homework is None:
        raise NotFound(_l("No such homework."))
    return homework


def homework_audience(homework: Homework) -> list[User]:
    """Who hears about a homework live: its student, its teacher, and the student's current
    parent, second guardian and tutor (active accounts only)."""
    ids = {homework.student_id, homework.teacher_id}
    profile = db.session.get(StudentProfile, homework.student_id)
    if profile is not None:
        ids.update(i for i in (*profile.guardian_ids, profile.tutor_id) if i is not None)
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.id)
        )
    )
