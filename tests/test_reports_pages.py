"""Weekly report pages over HTTP, as each role uses them: composing, editing, sending and deleting
with forms (CSRF, field errors, nothing stored on refusal), inboxes with unread marks, reading
that marks read only for the recipient, the parent's child page with its chart, and admin lists."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.support.app import count_queries
from tests.support.data import new_family
from tests.support.http import text_of

WEEK = "2025-03-03"


def report_form(**fields) -> dict:
    data = {
        "week_start": WEEK,
        "summary": "Worked through the plan.",
        "progress_notes": "",
        "achievements": "",
        "concerns": "",
        "recommendations": "",
    }
    data.update({k: "" if v is None else str(v) for k, v in fields.items()})
    return data


def new_report_id(response) -> int:
    assert response.status_code == 302, text_of(response)[:400]
    match = re.search(r"/reports/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def reports_in_db(**where):
    from thebot.extensions import db
    from thebot.models import Report

    db.session.expire_all()
    query = select(Report)
    for name, value in where.items():
        query = query.where(getattr(Report, name) == value)
    return db.session.scalars(query).all()


def draft(ctx_user, student, week=WEEK, summary="A week.", **fields):
    from thebot.services.reports import writing

    return writing.create_report(
        ctx_user,
        kind="tutor",
        student_id=student.id,
        week_start=week,
        fields={"summary": summary, **fields},
    )


def teacher_report(teacher, student, week=WEEK, summary="Class work.", send=True):
    from thebot.extensions import db
    from thebot.models import Enrollment
    from thebot.services.reports import writing

    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == student.id, Enrollment.teacher_id == teacher.id
        )
    )
    report = writing.create_report(
        teacher,
        kind="teacher",
        enrollment_id=enrollment.id,
        week_start=week,
        fields={"summary": summary},
    )
    if send:
        writing.send_report(teacher, report.id)
    return report


def unread_for(user) -> int:
    from thebot.extensions import db
    from thebot.services.reports import reading

    db.session.expire_all()
    return reading.unread_count(user)


def row_text(page_text: str, report_id: int, html: str) -> str:
    match = re.search(rf'<tr data-report-id="{report_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row for report {report_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


# --- the tutor ---------------------------------------------------------------------------------


def test_tutor_composes_edits_and_sends_and_the_parent_reads(web, web_factory, demo, ctx):
    web.login("tutor")
    compose = web.get(f"/tutor/reports/new?student_id={demo.student.id}")
    assert "Anna Petrova → Irina Petrova" in text_of(compose)
    assert "Daniil Sokolov (no parent linked: cannot be sent)" in text_of(compose)
    report_id = new_report_id(
        web.post(
            "/tutor/reports/new",
            report_form(
                student_id=demo.student.id,
                days_present=4,
                days_planned=5,
                progress_percent=60,
                concerns="Geometry <b>proofs</b>",
            ),
        )
    )
    detail = web.get(f"/tutor/reports/{report_id}")
    page = text_of(detail)
    assert "The draft is saved" in page and "Irina Petrova (when sent)" in page
    assert "4 of 5 days" in page and "60 %" in page
    assert "Geometry &lt;b&gt;proofs&lt;/b&gt;" in detail.get_data(as_text=True)

    edit = web.post(
        f"/tutor/reports/{report_id}/edit",
        report_form(
            summary="Worked hard all week.", days_present=5, days_planned=5, progress_percent=65
        ),
    )
    assert edit.status_code == 302
    (stored,) = reports_in_db(id=report_id)
    assert (stored.summary, stored.days_present, stored.progress_percent) == (
        "Worked hard all week.",
        5,
        65,
    )

    listing = web.get("/tutor/reports")
    assert "draft" in row_text(text_of(listing), report_id, listing.get_data(as_text=True))

    parent = web_factory()
    parent.login("parent")
    inbox_html = parent.get("/parent/reports").get_data(as_text=True)
    assert f'data-report-id="{report_id}"' not in inbox_html
    assert parent.get(f"/parent/reports/{report_id}").status_code == 404

    sent = web.post(f"/tutor/reports/{report_id}/send")
    assert sent.status_code == 302
    assert "The report is sent." in text_of(web.get(sent.headers["Location"]))

    inbox = parent.get("/parent/reports")
    html = inbox.get_data(as_text=True)
    assert "new" in row_text(text_of(inbox), report_id, html)
    assert re.search(rf'<tr data-report-id="{report_id}" class="unread"', html)
    assert f"{unread_for(demo.parent)} new" in text_of(inbox)
    opened = parent.get(f"/parent/reports/{report_id}")
    assert "Worked hard all week." in text_of(opened)
    assert reports_in_db(id=report_id)[0].status.value == "read"
    listing = web.get("/tutor/reports")
    assert "read" in row_text(text_of(listing), report_id, listing.get_data(as_text=True))


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"week_start": "2025-03-05"}, "Choose a Monday"),
        ({"summary": ""}, "This field is required"),
        ({"days_present": 5, "days_planned": 3}, "Days present cannot exceed days planned."),
        ({"progress_percent": 150}, "From 0 to 100."),
        ({"days_planned": "many"}, "Not a valid integer value."),
    ],
)
def test_compose_form_errors_store_nothing(web, demo, ctx, fields, message):
    web.login("tutor")
    before = len(reports_in_db())
    response = web.post("/tutor/reports/new", report_form(student_id=demo.student.id, **fields))
    assert response.status_code == 400
    assert message in text_of(response)
    assert len(reports_in_db()) == before


def test_compose_needs_the_csrf_token(web, demo, ctx):
    web.login("tutor")
    before = len(reports_in_db())
    response = web.post("/tutor/reports/new", report_form(student_id=demo.student.id), csrf=False)
    assert response.status_code == 400
    assert len(reports_in_db()) == before


def test_compose_offers_only_my_students(web, demo, ctx):
    web.login("tutor")
    before = len(reports_in_db())
    response = web.post("/tutor/reports/new", report_form(student_id=demo.student3.id))
    assert response.status_code == 400 and "Not a valid choice" in text_of(response)
    assert len(reports_in_db()) == before


def test_a_student_without_a_parent_cannot_be_sent_and_the_page_says_why(web, demo, ctx):
    report = draft(demo.tutor, demo.student4)
    web.login("tutor")
    page = web.get(f"/tutor/reports/{report.id}")
    html = page.get_data(as_text=True)
    assert "This report cannot be sent: Daniil Sokolov has no parent linked." in text_of(page)
    assert re.search(
        r'<button type="submit" class="button primary" data-test="send"\s+disabled '
        r'aria-describedby="send-blocked"',
        html,
    )
    refused = web.post(f"/tutor/reports/{report.id}/send", {})
    assert "no parent linked" in text_of(web.get(refused.headers["Location"]))
    assert reports_in_db(id=report.id)[0].status.value == "draft"


def test_duplicate_week_is_refused_on_the_form(web, demo, ctx):
    draft(demo.tutor, demo.student)
    web.login("tutor")
    response = web.post("/tutor/reports/new", report_form(student_id=demo.student.id))
    assert response.status_code == 400
    assert "There is already a draft for this week." in text_of(response)


def test_delete_a_draft_but_never_a_sent_report(web, demo, ctx):
    from thebot.services.reports import writing

    gone, kept = draft(demo.tutor, demo.student), draft(demo.tutor, demo.student2)
    writing.send_report(demo.tutor, kept.id)
    gone_id, kept_id = gone.id, kept.id
    web.login("tutor")
    assert web.post(f"/tutor/reports/{gone_id}/delete").headers["Location"] == "/tutor/reports"
    assert reports_in_db(id=gone_id) == []
    refused = web.post(f"/tutor/reports/{kept_id}/delete")
    assert "A sent report is never changed." in text_of(web.get(refused.headers["Location"]))
    assert reports_in_db(id=kept_id)[0].status.value == "sent"
    # Editing a sent report is refused too: the edit page sends the tutor back.
    edit = web.post(f"/tutor/reports/{kept_id}/edit", report_form(summary="Rewritten"))
    assert edit.status_code == 302 and reports_in_db(id=kept_id)[0].summary == "A week."


def test_another_tutors_reports_are_not_found(web, demo, ctx):
    from thebot.services.reports import writing

    mine = draft(demo.tutor, demo.student)
    sent = draft(demo.tutor, demo.student2)
    writing.send_report(demo.tutor, sent.id)
    web.login("tutor2")
    for report_id in (mine.id, sent.id):
        assert web.get(f"/tutor/reports/{report_id}").status_code == 404
        assert web.get(f"/tutor/reports/{report_id}/edit").status_code == 404
        assert web.post(f"/tutor/reports/{report_id}/send").status_code == 404
        assert web.post(f"/tutor/reports/{report_id}/delete").status_code == 404
    listing = web.get("/tutor/reports").get_data(as_text=True)
    assert f'data-report-id="{mine.id}"' not in listing
    assert f'data-report-id="{sent.id}"' not in listing
    assert len(reports_in_db(id=mine.id)) == 1


def test_tutor_inbox_from_teachers_marks_read_on_opening(web, demo, ctx):
    maths = teacher_report(demo.teacher, demo.student, summary="Great algebra test.")
    physics = teacher_report(demo.teacher2, demo.student4, summary="Strong lab work.")
    hidden = teacher_report(demo.teacher, demo.student, week="2025-03-10", send=False)
    web.login("tutor")
    unread_before = unread_for(demo.tutor)
    inbox = web.get("/tutor/reports/inbox")
    html = inbox.get_data(as_text=True)
    assert "Maths" in row_text(text_of(inbox), maths.id, html)
    assert "Mikhail Orlov" in row_text(text_of(inbox), maths.id, html)
    assert "new" in row_text(text_of(inbox), physics.id, html)
    assert f"{unread_before} new" in text_of(inbox)
    assert f'data-report-id="{hidden.id}"' not in html
    only_anna = web.get(f"/tutor/reports/inbox?student_id={demo.student.id}").get_data(as_text=True)
    assert f'data-report-id="{maths.id}"' in only_anna
    assert f'data-report-id="{physics.id}"' not in only_anna
    assert "Great algebra test." in text_of(web.get(f"/tutor/reports/{maths.id}"))
    assert reports_in_db(id=maths.id)[0].status.value == "read"
    assert reports_in_db(id=physics.id)[0].status.value == "sent"
    assert f"{unread_before - 1} new" in text_of(web.get("/tutor/reports/inbox"))


# --- the teacher -------------------------------------------------------------------------------


def test_teacher_composes_per_enrollment_and_sends_to_the_tutor(web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import Enrollment

    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == demo.student2.id, Enrollment.teacher_id == demo.teacher.id
        )
    )
    web.login("teacher")
    compose = web.get("/teacher/reports/new")
    assert "Pavel Petrov · Maths → Tatiana Smirnova" in text_of(compose)
    assert "Daniil Sokolov" not in text_of(compose)  # not this teacher's student
    report_id = new_report_id(
        web.post(
            "/teacher/reports/new",
            report_form(
                enrollment_id=enrollment.id,
                homework_done=2,
                homework_set=3,
                average_grade="4,5",
                attendance_percent=80,
            ),
        )
    )
    (stored,) = reports_in_db(id=report_id)
    assert str(stored.average_grade) == "4.50" and stored.subject_id == enrollment.subject_id
    page = text_of(web.get(f"/teacher/reports/{report_id}"))
    assert "2 of 3 done" in page and "4.50" in page and "80 %" in page
    web.post(f"/teacher/reports/{report_id}/send")
    (stored,) = reports_in_db(id=report_id)
    assert stored.status.value == "sent" and stored.recipient_id == demo.tutor.id
    listing = web.get("/teacher/reports")
    html = listing.get_data(as_text=True)
    assert "Tatiana Smirnova" in row_text(text_of(listing), report_id, html)


def test_teacher_form_refuses_a_bad_grade_and_foreign_enrollments(web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import Enrollment

    physics = db.session.scalar(select(Enrollment).where(Enrollment.teacher_id == demo.teacher2.id))
    maths = db.session.scalar(select(Enrollment).where(Enrollment.teacher_id == demo.teacher.id))
    web.login("teacher")
    before = len(reports_in_db())
    bad_grade = web.post(
        "/teacher/reports/new", report_form(enrollment_id=maths.id, average_grade="6")
    )
    assert bad_grade.status_code == 400
    assert "A grade from 1.00 to 5.00" in text_of(bad_grade)
    foreign = web.post("/teacher/reports/new", report_form(enrollment_id=physics.id))
    assert foreign.status_code == 400 and "Not a valid choice" in text_of(foreign)
    assert len(reports_in_db()) == before


# --- the parent --------------------------------------------------------------------------------


def test_parent_inbox_shows_reports_about_each_child_only(web, demo, ctx):
    from thebot.services.reports import writing

    to_me = draft(demo.tutor, demo.student2, summary="Pavel's week.")
    writing.send_report(demo.tutor, to_me.id)
    about_anna = teacher_report(demo.teacher, demo.student, summary="Anna in maths.")
    other_family = teacher_report(demo.teacher, demo.student3)
    unsent = draft(demo.tutor, demo.student)
    web.login("parent")
    inbox = web.get("/parent/reports")
    html = inbox.get_data(as_text=True)
    assert "Tutor report" in row_text(text_of(inbox), to_me.id, html)
    assert "new" in row_text(text_of(inbox), to_me.id, html)
    teacher_row = row_text(text_of(inbox), about_anna.id, html)
    assert "Maths" in teacher_row and "sent" in teacher_row and "new" not in teacher_row
    for hidden in (other_family.id, unsent.id):
        assert f'data-report-id="{hidden}"' not in html
        assert web.get(f"/parent/reports/{hidden}").status_code == 404
    # Reading the teacher's report leaves it for the tutor to mark.
    assert "Anna in maths." in text_of(web.get(f"/parent/reports/{about_anna.id}"))
    assert reports_in_db(id=about_anna.id)[0].status.value == "sent"


def test_child_page_shows_latest_reports_and_the_progress_chart(web, demo, ctx):
    from thebot.services.reports import writing

    child, parent = new_family(demo.tutor)
    weeks = [("2025-03-03", 3, 5, 40), ("2025-03-10", 5, 5, 55), ("2025-03-17", 4, 5, 70)]
    for week, present, planned, progress in weeks:
        report = draft(
            demo.tutor,
            child.user,
            week=week,
            days_present=present,
            days_planned=planned,
            progress_percent=progress,
        )
        writing.send_report(demo.tutor, report.id)
    draft(demo.tutor, child.user, week="2025-03-24", progress_percent=99)  # a draft: not shown
    web.login(parent.username, parent.password)
    page = web.get(f"/parent/children/{child.user.id}")
    html = page.get_data(as_text=True)
    latest = re.search(r'data-test="latest-reports".*?</section>', html, re.S).group(0)
    assert [d for d in ("Mar 17, 2025", "Mar 10, 2025", "Mar 3, 2025") if d in latest] == [
        "Mar 17, 2025",
        "Mar 10, 2025",
        "Mar 3, 2025",
    ]
    svg = re.search(r'<svg[^>]*role="img"[^>]*>.*?</svg>', html, re.S).group(0)
    assert "Week of Mar 3, 2025: attendance 60 %" in svg
    assert "Week of Mar 10, 2025: attendance 100 %" in svg
    assert "Week of Mar 17, 2025: progress 70 %" in svg
    assert svg.count('<path class="dot attendance"') == 3
    assert svg.count('<path class="dot progress"') == 3
    assert "99 %" not in svg and "Mar 24" not in svg
    assert "<text" not in svg  # labels are HTML at a fixed size, not scaled SVG text
    assert 'preserveAspectRatio="none"' in svg
    points = re.search(r'<polyline class="line progress" points="([^"]+)"', svg).group(1).split()
    heights = [float(p.split(",")[1]) for p in points]
    assert heights[0] > heights[1] > heights[2]  # progress rises, so the line climbs
    weeks = re.search(r'<div class="chart-weeks[^"]*"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert re.findall(r"<span><span>([^<]+)</span></span>", weeks) == ["3 Mar", "10 Mar", "17 Mar"]


def test_the_chart_plots_teacher_grades_and_homework_done_of_set(web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import Subject
    from thebot.services import learning
    from thebot.services.reports import reading, writing

    child, parent = new_family(demo.tutor)
    enrollments = {}
    for teacher, subject in ((demo.teacher, "Maths"), (demo.teacher2, "Physics")):
        subject_id = db.session.scalar(select(Subject.id).where(Subject.name == subject))
        enrollments[teacher.id] = learning.enroll(
            demo.tutor, student_id=child.user.id, subject_id=subject_id, teacher_id=teacher.id
        )
    for teacher, week, done, given, grade in (
        (demo.teacher, "2025-03-03", 3, 4, "4.50"),
        (demo.teacher2, "2025-03-03", 1, 4, "3.50"),
        (demo.teacher, "2025-03-10", 4, 4, "5.00"),
    ):
        report = writing.create_report(
            teacher,
            kind="teacher",
            enrollment_id=enrollments[teacher.id].id,
            week_start=week,
            fields={
                "summary": "Class work.",
                "homework_done": done,
                "homework_set": given,
                "average_grade": grade,
            },
        )
        writing.send_report(teacher, report.id)
    points = reading.progress_series(parent.user, child.user.id)
    assert [
        (
            str(p["week_start"]),
            p["homework_done"],
            p["homework_set"],
            p["homework"],
            str(p["grade"]),
            p["attendance"],
        )
        for p in points
    ] == [("2025-03-03", 4, 8, 50, "4.00", None), ("2025-03-10", 4, 4, 100, "5.00", None)]
    web.login(parent.username, parent.password)
    html = web.get(f"/parent/children/{child.user.id}").get_data(as_text=True)
    svg = re.search(r'<svg[^>]*role="img"[^>]*>.*?</svg>', html, re.S).group(0)
    assert "Week of Mar 3, 2025: homework 4/8 (50 %)" in svg
    assert "Week of Mar 10, 2025: average grade 5.00" in svg
    assert (
        svg.count('<path class="dot homework"') == 2 and svg.count('<path class="dot grade"') == 2
    )
    assert svg.count('<path class="dot attendance"') == 0
    grade_line = re.search(r'<polyline class="line grade" points="([^"]+)"', svg).group(1).split()
    assert [p.split(",")[1] for p in grade_line] == ["25.00", "0.00"]  # 4.00 and 5.00 of 1–5
    assert "Homework done of set" in text_of_html(html) and "Average grade" in text_of_html(html)


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_child_page_without_reports_explains_the_empty_chart(web, demo, ctx):
    child, parent = new_family(demo.tutor)
    web.login(parent.username, parent.password)
    page = text_of(web.get(f"/parent/children/{child.user.id}"))
    assert "No reports yet." in page
    assert "The chart appears once reports with attendance, progress, homework or grades" in page


# --- the admin ---------------------------------------------------------------------------------


def test_admin_lists_every_sent_report_with_filters_and_reading_changes_nothing(web, demo, ctx):
    from thebot.services.reports import writing

    tutor_sent = draft(demo.tutor, demo.student)
    writing.send_report(demo.tutor, tutor_sent.id)
    teacher_sent = teacher_report(demo.teacher, demo.student3)
    unsent = draft(demo.tutor, demo.student2)
    web.login("admin")
    html = web.get("/admin/reports").get_data(as_text=True)
    assert f'data-report-id="{tutor_sent.id}"' in html
    assert f'data-report-id="{teacher_sent.id}"' in html
    assert f'data-report-id="{unsent.id}"' not in html
    assert web.get(f"/admin/reports/{unsent.id}").status_code == 404
    teachers_only = web.get("/admin/reports?kind=teacher").get_data(as_text=True)
    assert f'data-report-id="{teacher_sent.id}"' in teachers_only
    assert f'data-report-id="{tutor_sent.id}"' not in teachers_only
    maria = web.get(f"/admin/reports?student_id={demo.student3.id}").get_data(as_text=True)
    assert f'data-report-id="{teacher_sent.id}"' in maria
    assert f'data-report-id="{tutor_sent.id}"' not in maria
    by_author = web.get(f"/admin/reports?author_id={demo.tutor.id}").get_data(as_text=True)
    assert f'data-report-id="{tutor_sent.id}"' in by_author
    assert f'data-report-id="{teacher_sent.id}"' not in by_author
    assert "A week." in text_of(web.get(f"/admin/reports/{tutor_sent.id}"))
    assert reports_in_db(id=tutor_sent.id)[0].status.value == "sent"


@pytest.mark.parametrize(
    "username, path",
    [
        ("parent", "/tutor/reports"),
        ("teacher", "/parent/reports"),
        ("student", "/admin/reports"),
        ("tutor", "/teacher/reports/new"),
    ],
)
def test_report_pages_belong_to_their_role(web, demo, username, path):
    web.login(username)
    response = web.get(path)
    assert response.status_code == 403
    assert "Access denied" in text_of(response)


def test_navigation_names_the_report_pages(web, demo):
    expected = {
        "tutor": ["Reports to parents", "Reports from teachers"],
        "teacher": ["Reports"],
        "parent": ["Reports"],
        "admin": ["Reports"],
    }
    for username, labels in expected.items():
        web.login(username)
        nav = re.search(
            r'<nav class="mainnav".*?</nav>',
            web.get("/", follow_redirects=True).get_data(as_text=True),
            re.S,
        ).group(0)
        for label in labels:
            assert f">{label}" in nav, (username, label)
        web.logout()


def test_page_count_of_queries_does_not_grow_with_reports(web, demo, ctx, app):
    from thebot.extensions import db
    from thebot.models import Report
    from thebot.services.reports import writing

    web.login("parent")

    def queries() -> int:
        with count_queries(app) as statements:
            assert web.get("/parent/reports").status_code == 200
        return len(statements)

    before = queries()
    for week in ("2025-01-06", "2025-01-13", "2025-01-20"):
        report = draft(demo.tutor, demo.student2, week=week)
        writing.send_report(demo.tutor, report.id)
    assert queries() == before
    assert (
        db.session.scalar(
            select(func.count()).select_from(Report).where(Report.student_id == demo.student2.id)
        )
        >= 3
    )
