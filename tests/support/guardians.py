"""A family with a second guardian, built through the services, for the guardian tests (service,
HTTP, live and browser): a tutor, a Maths teacher, the primary parent, the second guardian, their
student (Maths with the teacher, so a subject room and a tutor room), and outsiders: another
family (parent, child, tutor) and an admin. Usernames are fixed (tables are emptied between
tests), so `web.login("g-guardian")` signs one in."""

from __future__ import annotations

import uuid
from types import SimpleNamespace


def guardian_family(make_user) -> SimpleNamespace:
    """Everyone above, linked through `links.set_links` (the guardian included)."""
    from thebot.services import learning, links

    admin = make_user("admin", "g-admin", full_name="Ada Admin")
    people = SimpleNamespace(
        admin=admin,
        tutor=make_user("tutor", "g-tutor", full_name="Tess Tutor"),
        teacher=make_user("teacher", "g-teacher", full_name="Mark Maths", subjects="Maths"),
        parent=make_user("parent", "g-parent", full_name="Paula Parent", email="p@example.test"),
        guardian=make_user(
            "parent", "g-guardian", full_name="Gary Guardian", email="g@example.test"
        ),
        student=make_user("student", "g-student", full_name="Sam Student"),
        other_parent=make_user("parent", "g-other-parent", full_name="Olga Other"),
        other_student=make_user("student", "g-other-student", full_name="Oleg Other"),
        other_tutor=make_user("tutor", "g-other-tutor", full_name="Otto Tutor"),
    )
    links.set_links(
        admin,
        people.student.id,
        tutor_id=people.tutor.id,
        parent_id=people.parent.id,
        guardian_id=people.guardian.id,
    )
    links.set_links(
        admin,
        people.other_student.id,
        tutor_id=people.other_tutor.id,
        parent_id=people.other_parent.id,
    )
    subject = learning.create_subject(None, f"Maths {uuid.uuid4().hex[:6]}")
    people.subject_name = subject.name
    people.teacher.teacher_profile.subjects = subject.name
    people.maths = learning.enroll(
        admin, student_id=people.student.id, subject_id=subject.id, teacher_id=people.teacher.id
    )
    return people


def guardian_family_with_tokens(make_user) -> SimpleNamespace:
    """guardian_family, with `tokens`: a bearer token for each of its people, by name."""
    from tests.support.http import api_token

    people = guardian_family(make_user)
    people.tokens = {
        name: api_token(user) for name, user in vars(people).items() if hasattr(user, "role")
    }
    return people


def sent_invoice(tutor, student, amount: str = "1500.00", description: str | None = None):
    """A sent invoice of the tutor to the student's primary parent (billing services)."""
    from datetime import timedelta

    from thebot.services.billing import invoices, rules

    invoice = invoices.create_invoice(
        tutor,
        student_id=student.id,
        amount=amount,
        description=description or f"Tutoring {uuid.uuid4().hex[:4]}",
        due_date=rules.today() + timedelta(7),
    )
    return invoices.send_invoice(tutor, invoice.id)


def member_ids(room_id: int) -> set[int]:
    """The user ids of a room's members, as stored now."""
    from sqlalchemy import select

    from thebot.extensions import db
    from thebot.models import ChatMember

    return set(db.session.scalars(select(ChatMember.user_id).where(ChatMember.room_id == room_id)))
