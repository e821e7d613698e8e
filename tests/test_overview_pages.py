"""A student's whole picture and the dashboards as work queues (issue 10): the tutor's student
page and the parent's child page show upcoming lessons, homework due and recent grades, the latest
reports, the progress chart (with lesson attendance and homework grades), open invoices and a link
to each of the student's chat rooms, in a number of queries that does not grow with the data, and
carry the live script; dashboards list today's lessons, homework to grade (teacher), reports due
this week (tutor, teacher) and unpaid invoices (parent)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from tests.support.app import count_queries
from tests.support.school import build_school, future_monday


def section(response, test_id: str) -> str:
    """The visible text of the element marked data-test=test_id (up to its closing tag)."""
    html = response.get_data(as_text=True)
    match = re.search(rf'<(section|ul|p)[^>]*data-test="{test_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no {test_id} on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()


def add_week_of_work(school, n: int = 0) -> dict:
    """Lessons (upcoming and held), homework (to do, graded), a sent report and a sent invoice
    about Sam, through the services; `n` shifts the times so it can be added again."""
    from thebot.services.billing import invoices
    from thebot.services.homework import work
    from thebot.services.lessons import schedule
    from thebot.services.reports import writing

    upcoming = future_monday(1 + n) + timedelta(hours=10)
    (tutoring,) = schedule.schedule_lessons(
        school.tutor,
        student_id=school.student.id,
        starts_at=upcoming,
        ends_at=upcoming + timedelta(hours=1),
        topic=f"Geometry {n}",
    )
    (maths,) = schedule.schedule_lessons(
        school.teacher,
        enrollment_id=school.maths1.id,
        starts_at=upcoming + timedelta(hours=3),
        ends_at=upcoming + timedelta(hours=4),
        topic=f"Algebra {n}",
    )
    past = datetime.now(UTC) - timedelta(days=2 + 7 * n, hours=3)
    schedule.record_past_lesson(
        school.tutor,
        student_id=school.student.id,
        starts_at=past,
        ends_at=past + timedelta(hours=1),
    )
    due = work.set_homework(
        school.teacher,
        enrollment_id=school.maths1.id,
        title=f"Worksheet {n}",
        instructions="",
        due_at=datetime.now(UTC) + timedelta(days=3),
        max_score=10,
    )
    graded = work.set_homework(
        school.teacher,
        enrollment_id=school.maths1.id,
        title=f"Quiz {n}",
        instructions="",
        due_at=datetime.now(UTC) - timedelta(days=1 + 7 * n),
        max_score=10,
    )
    work.submit_homework(school.student, graded.id, text="Answers")
    work.grade_homework(school.teacher, graded.id, score=8)
    week = date.today() - timedelta(days=date.today().weekday() + 7 * (n + 1))
    report = writing.create_report(
        school.tutor,
        kind="tutor",
        week_start=week,
        student_id=school.student.id,
        fields={"summary": f"Week {n}", "days_present": 2, "days_planned": 3},
    )
    writing.send_report(school.tutor, report.id)
    invoice = invoices.create_invoice(
        school.tutor,
        student_id=school.student.id,
        amount="1500.00",
        description=f"Lessons {n}",
        due_date=date.today() + timedelta(days=5),
    )
    invoices.send_invoice(school.tutor, invoice.id)
    return {
        "tutoring": tutoring,
        "maths": maths,
        "due": due,
        "graded": graded,
        "report": report,
        "invoice": invoice,
    }


@pytest.fixture
def school(make_user):
    school = build_school(make_user)
    school.work = add_week_of_work(school)
    return school


@pytest.mark.parametrize(
    "who, path",
    [
        ("sch-tutor", "/tutor/students/{id}"),
        ("sch-parent", "/parent/children/{id}"),
    ],
)
def test_the_whole_picture(web, school, who, path):
    web.login(who)
    page = web.get(path.format(id=school.student.id))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    upcoming = section(page, "upcoming-lessons")
    assert "Geometry 0" in upcoming and "Algebra 0" in upcoming and "Maths" in upcoming
    homework = section(page, "homework-due")
    assert "Worksheet 0" in homework
    assert re.search(r"Quiz 0 · Maths · 8 / 10", homework)
    assert "Week" in section(page, "latest-reports")
    assert f'data-report-id="{school.work["report"].id}"' in html
    # The chart carries the lesson attendance and homework grade series.
    assert 'data-test="progress-chart"' in html
    assert 'data-series="lessons"' in html and 'data-series="homework_grade"' in html
    assert 'data-series="attendance"' in html  # from the sent tutor report
    invoices = section(page, "open-invoices")
    assert f"No. {school.work['invoice'].id}" in invoices
    # Each of the student's rooms the viewer reads: the tutor is in the tutoring room; the
    # parent in that one and the Maths room.
    rooms = re.findall(r'href="/chat/\?room=(\d+)"', html)
    chat = section(page, "chat-rooms")
    assert "Tutoring" in chat
    if who == "sch-parent":
        assert len(rooms) == 2 and "Maths" in chat
    else:
        assert len(rooms) == 1 and "Maths" not in chat
    assert "js/student_picture.js" in html and "<script>" not in html
    assert f'data-student-picture data-student-id="{school.student.id}"' in html


def test_tutor_page_offers_billing_and_the_parent_page_does_not(web, school):
    web.login("sch-tutor")
    tutor = web.get(f"/tutor/students/{school.student.id}").get_data(as_text=True)
    assert f"/tutor/students/{school.student.id}/bill-lessons" in tutor
    web.logout()
    web.login("sch-parent")
    parent = web.get(f"/parent/children/{school.student.id}").get_data(as_text=True)
    assert "bill-lessons" not in parent


def test_other_families_see_nothing(web, school):
    web.login("sch-parent2")
    assert web.get(f"/parent/children/{school.student.id}").status_code == 404
    web.logout()
    web.login("sch-tutor2")
    assert web.get(f"/tutor/students/{school.student.id}").status_code == 404


def test_parent_sees_no_draft_invoice(web, school):
    from thebot.services.billing import invoices

    draft = invoices.create_invoice(
        school.tutor,
        student_id=school.student.id,
        amount="99.00",
        description="Draft only",
        due_date=date.today() + timedelta(days=5),
    )
    web.login("sch-parent")
    page = web.get(f"/parent/children/{school.student.id}")
    assert f"No. {draft.id}" not in section(page, "open-invoices")
    web.logout()
    web.login("sch-tutor")
    assert f"No. {draft.id}" in section(
        web.get(f"/tutor/students/{school.student.id}"), "open-invoices"
    )


@pytest.mark.parametrize(
    "who, path",
    [
        ("sch-tutor", "/tutor/students/{id}"),
        ("sch-parent", "/parent/children/{id}"),
    ],
)
def test_queries_do_not_grow_with_the_data(web, school, app, who, path):
    from thebot.services import learning

    web.login(who)
    url = path.format(id=school.student.id)
    web.get(url)
    with count_queries(app) as before:
        assert web.get(url).status_code == 200
    for n in (1, 2, 3):
        add_week_of_work(school, n)
    learning.enroll(
        school.admin,
        student_id=school.student.id,
        subject_id=school.physics.id,
        teacher_id=school.teacher2.id,
    )
    with count_queries(app) as after:
        page = web.get(url)
    html = page.get_data(as_text=True)
    assert "Geometry 0" in section(page, "upcoming-lessons")
    assert "Quiz 3" in section(page, "homework-due") and "Lessons 3" not in html
    assert len(re.findall(r"<li data-lesson-id=", html)) == 5  # the next five
    assert len(re.findall(r"<li data-invoice-id=", html)) == 4
    rooms = len(re.findall(r'href="/chat/\?room=', html))
    assert rooms == (3 if who == "sch-parent" else 1)  # the parent reads the Physics room too
    assert len(after) == len(before), (len(before), len(after))


def move_to_now(lesson_id: int) -> None:
    """Today's lesson: a scheduled one moved to start right now (the service rightly refuses)."""
    from thebot.extensions import db
    from thebot.models import Lesson

    now = datetime.now(UTC).replace(microsecond=0)
    db.session.execute(
        update(Lesson)
        .where(Lesson.id == lesson_id)
        .values(starts_at=now, ends_at=now + timedelta(hours=1))
    )
    db.session.commit()


def test_dashboards_are_work_queues(web, school):
    from thebot.services.homework import work

    move_to_now(school.work["tutoring"].id)
    handed_in = work.set_homework(
        school.teacher,
        enrollment_id=school.maths2.id,
        title="Essay",
        instructions="",
        due_at=datetime.now(UTC) + timedelta(days=1),
        max_score=5,
    )
    work.submit_homework(school.student2, handed_in.id, text="My essay")

    web.login("sch-tutor")
    tutor = web.get("/tutor/")
    assert "Geometry 0" in section(tutor, "todays-lessons")
    due = section(tutor, "reports-due")
    assert "Sam Student" in due and "Sue Student" in due
    web.logout()

    web.login("sch-teacher")
    teacher = web.get("/teacher/")
    assert "Essay · Sue Student · Maths" in section(teacher, "to-grade")
    assert "Geometry 0" not in section(teacher, "todays-lessons")  # the tutor's session
    assert "Sam Student · Maths" in section(teacher, "reports-due")
    web.logout()

    web.login("sch-parent")
    parent = web.get("/parent/")
    assert f"No. {school.work['invoice'].id}" in section(parent, "unpaid-invoices")
    assert "Geometry 0" in section(parent, "todays-lessons")
    web.logout()

    web.login("sch-student")
    student = web.get("/student/")
    assert "Geometry 0" in section(student, "todays-lessons")
    assert 'data-test="to-grade"' not in student.get_data(as_text=True)


def test_queues_empty_as_the_work_is_done(web, school):
    from thebot.services.billing import payments
    from thebot.services.homework import work
    from thebot.services.reports import rules, writing

    for student in (school.student, school.student2):
        report = writing.create_report(
            school.tutor,
            kind="tutor",
            week_start=rules.current_week_start(),
            student_id=student.id,
            fields={"summary": "Done"},
        )
        writing.send_report(school.tutor, report.id)
    draft = writing.create_report(
        school.teacher,
        kind="teacher",
        week_start=rules.current_week_start(),
        enrollment_id=school.maths1.id,
        fields={"summary": "Draft"},
    )
    submitted = work.set_homework(
        school.teacher,
        enrollment_id=school.maths1.id,
        title="Test",
        instructions="",
        due_at=datetime.now(UTC) + timedelta(days=1),
        max_score=5,
    )
    work.submit_homework(school.student, submitted.id, text="x")
    work.grade_homework(school.teacher, submitted.id, score=5)
    invoice = school.work["invoice"]
    payment = payments.start_payment(school.parent, invoice.id)
    payments.payment_succeeded(payment.id, amount=invoice.amount)

    web.login("sch-tutor")
    assert "Every report of this week is sent." in section(web.get("/tutor/"), "reports-due")
    web.logout()
    web.login("sch-teacher")
    teacher = web.get("/teacher/")
    assert "Nothing to grade." in section(teacher, "to-grade")
    due = section(teacher, "reports-due")  # a draft is still due; Sue's Maths too
    assert "Sam Student · Maths" in due and "Sue Student · Maths" in due
    writing.send_report(school.teacher, draft.id)
    assert "Sam Student" not in section(web.get("/teacher/"), "reports-due")
    web.logout()
    web.login("sch-parent")
    assert "Nothing to pay." in section(web.get("/parent/"), "unpaid-invoices")


def test_service_picture_is_per_viewer(school):
    from thebot.services import overview

    tutor = overview.student_picture(school.tutor, school.student)
    parent = overview.student_picture(school.parent, school.student)
    for picture in (tutor, parent):
        assert [hw.title for hw in picture["homework_due"]] == ["Worksheet 0"]
        assert [hw.title for hw in picture["recent_grades"]] == ["Quiz 0"]
    assert [room["kind"] for room in parent["chat_rooms"]] == ["tutor", "subject"]
    assert [room["kind"] for room in tutor["chat_rooms"]] == ["tutor"]
    teacher = overview.student_picture(school.teacher, school.student)
    assert teacher["open_invoices"] == []
    assert [lesson.topic for lesson in teacher["upcoming_lessons"]] == ["Algebra 0"]
    points = tutor["progress_points"]
    assert any(p["lessons"] == 100 and p["lessons_held"] == 1 for p in points)
    assert any(str(p["homework_grade"]) == "4.00" for p in points)


def test_every_role_opens_its_pages_on_the_demo_data(web, demo):
    """The demo school (lessons, homework, reports and invoices in every state): every
    dashboard shows its queues, and the pictures of the demo student open for tutor and parent."""
    expected = {
        "tutor": ("todays-lessons", "reports-due"),
        "teacher": ("todays-lessons", "to-grade", "reports-due"),
        "parent": ("todays-lessons", "unpaid-invoices"),
        "student": ("todays-lessons",),
    }
    for role, queues in expected.items():
        web.login(role)
        html = web.get(f"/{role}/").get_data(as_text=True)
        assert all(f'data-test="{queue}"' in html for queue in queues), role
        web.logout()
    for who, path in (("tutor", "/tutor/students/{id}"), ("parent", "/parent/children/{id}")):
        web.login(who)
        page = web.get(path.format(id=demo.student.id))
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        for part in (
            "upcoming-lessons",
            "homework-due",
            "latest-reports",
            "open-invoices",
            "chat-rooms",
            "progress",
        ):
            assert f'data-test="{part}"' in html, (who, part)
        assert re.search(r'href="/chat/\?room=\d+"', html)
        web.logout()
