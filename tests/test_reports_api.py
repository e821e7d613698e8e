"""Weekly reports over the JSON API (domain.md section 4): every transition, every refusal, and
who sees what (drafts only their author; sent reports the recipient, admin, the author, and for a
teacher report the student's parent), on the demo families."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.app import count_queries
from tests.support.http import api_token

WEEK = "2025-03-03"  # a Monday long before the demo history
NEXT_WEEK = "2025-03-10"


class ApiUser:
    """One demo user talking to the API with their own bearer token."""

    def __init__(self, web, username: str):
        self.web = web
        self.token = api_token(username, via=web)

    def __call__(self, method: str, path: str, json=None):
        return self.web.api(method, f"/api/v1{path}", json=json, token=self.token)

    def ids(self, query: str = "") -> set[int]:
        response = self("GET", f"/reports{query}")
        assert response.status_code == 200, response.get_json()
        return {r["id"] for r in response.get_json()["reports"]}


@pytest.fixture
def as_user(web, demo):
    cache: dict[str, ApiUser] = {}

    def get(username: str) -> ApiUser:
        if username not in cache:
            cache[username] = ApiUser(web, username)
        return cache[username]

    return get


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    return error


def tutor_draft(as_user, demo, student="student", week=WEEK, **fields):
    body = {
        "kind": "tutor",
        "student_id": demo[student].id,
        "week_start": week,
        "summary": "A good week.",
        **fields,
    }
    response = as_user("tutor")("POST", "/reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["report"]


def enrollment_of(demo, student: str, teacher: str):
    from thebot.extensions import db
    from thebot.models import Enrollment

    return db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == demo[student].id, Enrollment.teacher_id == demo[teacher].id
        )
    )


def teacher_draft(as_user, demo, student="student", teacher="teacher", week=WEEK, **fields):
    enrollment = enrollment_of(demo, student, teacher)
    body = {
        "kind": "teacher",
        "student_id": demo[student].id,
        "enrollment_id": enrollment.id,
        "week_start": week,
        "summary": "Solid work in class.",
        **fields,
    }
    response = as_user(teacher)("POST", "/reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["report"]


def stored_count() -> int:
    from thebot.extensions import db
    from thebot.models import Report

    db.session.expire_all()
    return db.session.scalar(select(func.count(Report.id)))


# --- the tutor report's life ------------------------------------------------------------------


def test_tutor_report_draft_edit_send_and_read_by_the_parent(as_user, demo):
    tutor, parent = as_user("tutor"), as_user("parent")
    draft = tutor_draft(
        as_user,
        demo,
        days_present=3,
        days_planned=5,
        progress_percent=40,
        concerns="Tired on Thursday.",
    )
    assert draft["status"] == "draft" and draft["recipient"] is None
    assert draft["student"] == {"id": demo.student.id, "full_name": "Anna Petrova"}
    assert draft["author"] == {"id": demo.tutor.id, "full_name": "Tatiana Smirnova"}
    assert (draft["days_present"], draft["days_planned"], draft["progress_percent"]) == (3, 5, 40)
    assert draft["week_start"] == WEEK and draft["subject"] is None and draft["sent_at"] is None

    edited = tutor(
        "PATCH",
        f"/reports/{draft['id']}",
        json={"summary": "A very good week.", "days_present": 5, "week_start": NEXT_WEEK},
    )
    assert edited.status_code == 200
    body = edited.get_json()["report"]
    assert (body["summary"], body["days_present"], body["week_start"]) == (
        "A very good week.",
        5,
        NEXT_WEEK,
    )
    assert body["concerns"] == "Tired on Thursday."  # untouched fields stay

    assert draft["id"] not in parent.ids()
    sent = tutor("POST", f"/reports/{draft['id']}/send").get_json()["report"]
    assert sent["status"] == "sent" and sent["sent_at"] is not None
    assert sent["recipient"] == {"id": demo.parent.id, "full_name": "Irina Petrova"}

    listed = {r["id"]: r for r in parent("GET", "/reports").get_json()["reports"]}
    assert listed[draft["id"]]["status"] == "sent"  # listing does not mark read
    opened = parent("GET", f"/reports/{draft['id']}").get_json()["report"]
    assert opened["status"] == "read" and opened["read_at"] is not None
    again = tutor("GET", f"/reports/{draft['id']}").get_json()["report"]
    assert again["status"] == "read" and again["read_at"] == opened["read_at"]


def test_a_sent_report_is_never_changed_deleted_or_sent_again(as_user, demo):
    tutor = as_user("tutor")
    report = tutor_draft(as_user, demo)
    tutor("POST", f"/reports/{report['id']}/send")
    error_of(
        tutor("PATCH", f"/reports/{report['id']}", json={"summary": "Changed"}), 409, "conflict"
    )
    error_of(tutor("DELETE", f"/reports/{report['id']}"), 409, "conflict")
    error_of(tutor("POST", f"/reports/{report['id']}/send"), 409, "conflict")
    body = tutor("GET", f"/reports/{report['id']}").get_json()["report"]
    assert body["summary"] == "A good week." and body["status"] == "sent"


def test_deleting_a_draft_removes_it(as_user, demo):
    tutor = as_user("tutor")
    report = tutor_draft(as_user, demo)
    before = stored_count()
    response = tutor("DELETE", f"/reports/{report['id']}")
    assert response.status_code == 204
    assert stored_count() == before - 1
    error_of(tutor("GET", f"/reports/{report['id']}"), 404, "not_found")


def test_one_report_per_student_and_week_whatever_its_state(as_user, demo):
    tutor = as_user("tutor")
    first = tutor_draft(as_user, demo)
    body = {"kind": "tutor", "student_id": demo.student.id, "week_start": WEEK, "summary": "Again"}
    error = error_of(tutor("POST", "/reports", json=body), 409, "conflict")
    assert "week_start" in error["fields"]
    tutor("POST", f"/reports/{first['id']}/send")
    error_of(tutor("POST", "/reports", json=body), 409, "conflict")
    # Moving another draft onto that week is refused too.
    other = tutor_draft(as_user, demo, week=NEXT_WEEK)
    error_of(tutor("PATCH", f"/reports/{other['id']}", json={"week_start": WEEK}), 409, "conflict")
    # Another student, or the same student with a teacher, is a different report.
    assert tutor_draft(as_user, demo, student="student2")["week_start"] == WEEK
    assert teacher_draft(as_user, demo)["week_start"] == WEEK


def test_the_database_refuses_a_second_report_for_the_same_week(ctx, demo):
    from sqlalchemy.exc import IntegrityError

    from thebot.extensions import db
    from thebot.models import Report, ReportKind
    from thebot.models.base import utcnow
    from thebot.services.reports import rules, writing

    writing.create_report(
        demo.tutor,
        kind="tutor",
        student_id=demo.student.id,
        week_start=WEEK,
        fields={"summary": "First"},
    )
    now = utcnow()
    db.session.add(
        Report(
            kind=ReportKind.TUTOR,
            author_id=demo.tutor.id,
            student_id=demo.student.id,
            week_start=rules.parse_week(WEEK),
            summary="Racing twin",
            created_at=now,
            updated_at=now,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "week, field",
    [
        ("2025-03-04", "week_start"),  # a Tuesday
        ("2025-02-30", "week_start"),  # no such day
        ("03/03/2025", "week_start"),  # not ISO
        ("2025-W10-1", "week_start"),  # ISO week syntax is not accepted either
        (None, "week_start"),
    ],
)
def test_week_must_be_a_real_monday(as_user, demo, week, field):
    before = stored_count()
    body = {"kind": "tutor", "student_id": demo.student.id, "week_start": week, "summary": "x"}
    error = error_of(as_user("tutor")("POST", "/reports", json=body), 400, "validation_error")
    assert field in error["fields"]
    assert stored_count() == before


def test_a_week_that_has_not_started_is_refused(as_user, demo):
    from thebot.services.reports.rules import current_week_start

    future = (current_week_start() + timedelta(weeks=1)).isoformat()
    body = {"kind": "tutor", "student_id": demo.student.id, "week_start": future, "summary": "x"}
    error = error_of(as_user("tutor")("POST", "/reports", json=body), 400, "validation_error")
    assert "week_start" in error["fields"]


@pytest.mark.parametrize(
    "fields, bad",
    [
        ({"summary": "   "}, "summary"),
        ({"summary": None}, "summary"),
        ({"days_present": 4, "days_planned": 3}, "days_present"),
        ({"days_present": 4}, "days_planned"),
        ({"days_present": 1, "days_planned": 8}, "days_planned"),
        ({"progress_percent": 101}, "progress_percent"),
        ({"progress_percent": -1}, "progress_percent"),
        ({"progress_percent": True}, "progress_percent"),
        ({"progress_percent": 5.5}, "progress_percent"),
        ({"concerns": "x" * 5001}, "concerns"),
        ({"concerns": ["a list"]}, "concerns"),
        ({"achievements": "nul\x00byte"}, "achievements"),
        ({"homework_done": 1, "homework_set": 2}, "homework_done"),  # a teacher report's field
        ({"colour": "blue"}, "colour"),
    ],
)
def test_tutor_report_fields_are_checked(as_user, demo, fields, bad):
    before = stored_count()
    body = {
        "kind": "tutor",
        "student_id": demo.student.id,
        "week_start": WEEK,
        "summary": "A week.",
        **fields,
    }
    error = error_of(as_user("tutor")("POST", "/reports", json=body), 400, "validation_error")
    assert bad in error["fields"], error
    assert stored_count() == before


@pytest.mark.parametrize(
    "fields, bad",
    [
        ({"homework_done": 3, "homework_set": 2}, "homework_done"),
        ({"homework_set": 2}, "homework_done"),
        ({"average_grade": "5.01"}, "average_grade"),
        ({"average_grade": "0.99"}, "average_grade"),
        ({"average_grade": "4.555"}, "average_grade"),
        ({"average_grade": "good"}, "average_grade"),
        ({"average_grade": "NaN"}, "average_grade"),
        ({"attendance_percent": 120}, "attendance_percent"),
        ({"days_planned": 5, "days_present": 5}, "days_planned"),  # a tutor report's fields
    ],
)
def test_teacher_report_fields_are_checked(as_user, demo, fields, bad):
    enrollment = enrollment_of(demo, "student", "teacher")
    before = stored_count()
    body = {
        "kind": "teacher",
        "enrollment_id": enrollment.id,
        "week_start": WEEK,
        "summary": "A week.",
        **fields,
    }
    error = error_of(as_user("teacher")("POST", "/reports", json=body), 400, "validation_error")
    assert bad in error["fields"], error
    assert stored_count() == before


def test_teacher_report_numbers_are_kept_exactly(as_user, demo):
    report = teacher_draft(
        as_user, demo, homework_done=2, homework_set=3, average_grade=4.5, attendance_percent=90
    )
    assert report["kind"] == "teacher"
    assert report["subject"]["name"] == "Maths"
    assert (
        report["homework_done"],
        report["homework_set"],
        report["average_grade"],
        report["attendance_percent"],
    ) == (2, 3, "4.50", 90)
    patched = as_user("teacher")(
        "PATCH", f"/reports/{report['id']}", json={"average_grade": None}
    ).get_json()["report"]
    assert patched["average_grade"] is None and patched["homework_done"] == 2


def test_bad_bodies_are_refused_cleanly(as_user, demo):
    tutor = as_user("tutor")
    error_of(
        tutor.web.api(
            "POST",
            "/api/v1/reports",
            data="not json",
            token=tutor.token,
            headers={"Content-Type": "application/json"},
        ),
        400,
        "bad_request",
    )
    error_of(tutor("POST", "/reports", json=[1, 2]), 400, "bad_request")
    error_of(
        tutor(
            "POST",
            "/reports",
            json={
                "kind": "weekly",
                "student_id": demo.student.id,
                "week_start": WEEK,
                "summary": "x",
            },
        ),
        400,
        "validation_error",
    )
    error_of(
        tutor(
            "POST",
            "/reports",
            json={
                "kind": "tutor",
                "student_id": str(demo.student.id),
                "week_start": WEEK,
                "summary": "x",
            },
        ),
        400,
        "validation_error",
    )
    report = tutor_draft(as_user, demo)
    for body in (
        {"kind": "teacher"},
        {"student_id": demo.student2.id},
        {"actor": 1},
        {"report_id": 5},
    ):
        error_of(tutor("PATCH", f"/reports/{report['id']}", json=body), 400, "validation_error")
    body = tutor("GET", f"/reports/{report['id']}").get_json()["report"]
    assert body["summary"] == "A good week."


# --- who may write ----------------------------------------------------------------------------


def test_tutor_writes_only_about_own_students(as_user, demo):
    before = stored_count()
    body = {"kind": "tutor", "student_id": demo.student.id, "week_start": WEEK, "summary": "x"}
    error_of(as_user("tutor2")("POST", "/reports", json=body), 404, "not_found")
    error_of(
        as_user("tutor")("POST", "/reports", json={**body, "student_id": demo.student3.id}),
        404,
        "not_found",
    )
    assert stored_count() == before


@pytest.mark.parametrize("username", ["parent", "admin", "student"])
def test_other_roles_write_no_reports(as_user, demo, username):
    before = stored_count()
    for body in (
        {"kind": "tutor", "student_id": demo.student.id, "week_start": WEEK, "summary": "x"},
        {
            "kind": "teacher",
            "enrollment_id": enrollment_of(demo, "student", "teacher").id,
            "week_start": WEEK,
            "summary": "x",
        },
    ):
        error_of(as_user(username)("POST", "/reports", json=body), 403, "forbidden")
    assert stored_count() == before


def test_teacher_writes_only_for_own_active_enrollments(as_user, demo, ctx):
    from thebot.services import learning

    teacher = as_user("teacher")
    physics = enrollment_of(demo, "student", "teacher2")
    body = {"kind": "teacher", "enrollment_id": physics.id, "week_start": WEEK, "summary": "x"}
    error_of(teacher("POST", "/reports", json=body), 404, "not_found")
    maths = enrollment_of(demo, "student", "teacher")
    mismatched = {**body, "enrollment_id": maths.id, "student_id": demo.student2.id}
    error_of(teacher("POST", "/reports", json=mismatched), 400, "validation_error")
    draft = teacher_draft(as_user, demo)
    learning.end_enrollment(demo.admin, maths.id)
    error_of(
        teacher(
            "POST", "/reports", json={**body, "enrollment_id": maths.id, "week_start": NEXT_WEEK}
        ),
        409,
        "conflict",
    )
    # The draft written before the enrollment ended cannot be sent any more.
    error_of(teacher("POST", f"/reports/{draft['id']}/send"), 409, "conflict")
    assert teacher("GET", f"/reports/{draft['id']}").get_json()["report"]["status"] == "draft"


def test_no_parent_means_no_sending(as_user, demo):
    tutor = as_user("tutor")
    report = tutor_draft(as_user, demo, student="student4")
    error = error_of(tutor("POST", f"/reports/{report['id']}/send"), 409, "no_recipient")
    assert "no parent" in error["message"]
    assert tutor("GET", f"/reports/{report['id']}").get_json()["report"]["status"] == "draft"


def test_the_recipient_is_taken_when_sending(as_user, demo, ctx):
    from thebot.services import links

    report = tutor_draft(as_user, demo)
    links.set_links(demo.admin, demo.student.id, parent_id=demo.parent2.id)
    sent = as_user("tutor")("POST", f"/reports/{report['id']}/send").get_json()["report"]
    assert sent["recipient"]["id"] == demo.parent2.id
    assert report["id"] in as_user("parent2").ids()
    assert report["id"] not in as_user("parent").ids()


def test_a_former_tutor_keeps_reports_but_cannot_send_drafts(as_user, demo, ctx):
    from thebot.services import links

    tutor = as_user("tutor")
    sent = tutor_draft(as_user, demo)
    tutor("POST", f"/reports/{sent['id']}/send")
    draft = tutor_draft(as_user, demo, week=NEXT_WEEK)
    links.set_links(demo.admin, demo.student.id, tutor_id=demo.tutor2.id)
    error_of(tutor("POST", f"/reports/{draft['id']}/send"), 403, "forbidden")
    assert {sent["id"], draft["id"]} <= tutor.ids()
    assert sent["id"] in as_user("parent").ids()


# --- who may see and read ---------------------------------------------------------------------


def test_drafts_are_invisible_to_everyone_but_the_author(as_user, demo):
    tutor_report = tutor_draft(as_user, demo)
    teacher_report = teacher_draft(as_user, demo)
    for username in ("parent", "admin", "tutor2", "teacher", "teacher2", "parent2", "student"):
        user = as_user(username)
        if username != "teacher":
            assert tutor_report["id"] not in user.ids()
            error_of(user("GET", f"/reports/{tutor_report['id']}"), 404, "not_found")
            error_of(user("POST", f"/reports/{tutor_report['id']}/send"), 404, "not_found")
            error_of(user("POST", f"/reports/{tutor_report['id']}/read"), 404, "not_found")
            error_of(
                user("PATCH", f"/reports/{tutor_report['id']}", json={"summary": "x"}),
                404,
                "not_found",
            )
            error_of(user("DELETE", f"/reports/{tutor_report['id']}"), 404, "not_found")
        assert username == "teacher" or teacher_report["id"] not in user.ids()
    assert teacher_report["id"] not in as_user("tutor").ids()
    error_of(as_user("tutor")("GET", f"/reports/{teacher_report['id']}"), 404, "not_found")
    assert tutor_report["id"] in as_user("tutor").ids("?box=sent")


def test_who_sees_a_sent_tutor_report(as_user, demo):
    report = tutor_draft(as_user, demo)
    as_user("tutor")("POST", f"/reports/{report['id']}/send")
    for username in ("tutor", "parent", "admin"):
        assert report["id"] in as_user(username).ids()
    for username in ("tutor2", "parent2", "teacher", "teacher2", "student"):
        assert report["id"] not in as_user(username).ids()
        error_of(as_user(username)("GET", f"/reports/{report['id']}"), 404, "not_found")


def test_who_sees_a_sent_teacher_report_and_who_marks_it_read(as_user, demo):
    report = teacher_draft(as_user, demo)
    as_user("teacher")("POST", f"/reports/{report['id']}/send")
    for username in ("teacher", "tutor", "parent", "admin"):
        assert report["id"] in as_user(username).ids()
    for username in ("tutor2", "parent2", "teacher2", "student"):
        assert report["id"] not in as_user(username).ids()
        error_of(as_user(username)("GET", f"/reports/{report['id']}"), 404, "not_found")
    # The parent and admin read it without changing its state; they may not mark it read.
    for username in ("parent", "admin"):
        assert (
            as_user(username)("GET", f"/reports/{report['id']}").get_json()["report"]["status"]
            == "sent"
        )
        error_of(as_user(username)("POST", f"/reports/{report['id']}/read"), 403, "forbidden")
    error_of(as_user("teacher")("POST", f"/reports/{report['id']}/read"), 403, "forbidden")
    # The tutor is the recipient: marking read works once, a repeat changes nothing.
    first = as_user("tutor")("POST", f"/reports/{report['id']}/read").get_json()["report"]
    assert first["status"] == "read"
    second = as_user("tutor")("POST", f"/reports/{report['id']}/read").get_json()["report"]
    assert second["read_at"] == first["read_at"]


def test_admin_reading_a_tutor_report_never_marks_it_read(as_user, demo):
    report = tutor_draft(as_user, demo)
    as_user("tutor")("POST", f"/reports/{report['id']}/send")
    assert (
        as_user("admin")("GET", f"/reports/{report['id']}").get_json()["report"]["status"] == "sent"
    )
    assert (
        as_user("tutor")("GET", f"/reports/{report['id']}").get_json()["report"]["status"] == "sent"
    )


def test_list_filters(as_user, demo):
    tutor = as_user("tutor")
    mine = tutor_draft(as_user, demo)
    about_pavel = tutor_draft(as_user, demo, student="student2")
    from_teacher = teacher_draft(as_user, demo)
    as_user("teacher")("POST", f"/reports/{from_teacher['id']}/send")
    sent_box, received = tutor.ids("?box=sent"), tutor.ids("?box=received")
    assert {mine["id"], about_pavel["id"]} <= sent_box and from_teacher["id"] not in sent_box
    assert from_teacher["id"] in received and mine["id"] not in received
    assert tutor.ids("?kind=teacher") == received  # tutors receive only teacher reports
    pavel = tutor.ids(f"?student_id={demo.student2.id}")
    assert about_pavel["id"] in pavel and mine["id"] not in pavel
    assert from_teacher["id"] in tutor.ids("?status=unread")
    error_of(tutor("GET", "/reports?box=outbox"), 400, "validation_error")
    error_of(tutor("GET", "/reports?kind=weekly"), 400, "validation_error")
    error_of(tutor("GET", "/reports?student_id=abc"), 400, "validation_error")
    error_of(tutor("GET", "/reports?status=lost"), 400, "validation_error")


def test_listing_takes_a_fixed_number_of_queries(as_user, demo, app):
    """The list loads authors, students, recipients and subjects with the reports."""
    admin = as_user("admin")

    def rows_and_queries() -> tuple[int, int]:
        with count_queries(app) as statements:
            rows = admin("GET", "/reports").get_json()["reports"]
        return len(rows), len(statements)

    few_rows, few_queries = rows_and_queries()
    for week in ("2025-01-06", "2025-01-13", "2025-01-20"):
        for student in ("student", "student2"):
            report = tutor_draft(as_user, demo, student=student, week=week)
            as_user("tutor")("POST", f"/reports/{report['id']}/send")
    many_rows, many_queries = rows_and_queries()
    assert many_rows == few_rows + 6
    assert many_queries == few_queries


def test_sending_and_reading_notify_the_recipient_and_the_author(as_user, demo, ctx):
    from thebot.extensions import db
    from thebot.models import Notification

    def notes(user, kind):
        db.session.expire_all()
        return db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.kind == kind)
            .order_by(Notification.id)
        ).all()

    before_sent = len(notes(demo.parent, "report_sent"))
    before_read = len(notes(demo.tutor, "report_read"))
    report = tutor_draft(as_user, demo, student="student2")
    assert len(notes(demo.parent, "report_sent")) == before_sent  # drafts notify nobody
    as_user("tutor")("POST", f"/reports/{report['id']}/send")
    sent = notes(demo.parent, "report_sent")
    assert len(sent) == before_sent + 1
    assert sent[-1].url == f"/parent/reports/{report['id']}"
    assert "Pavel Petrov" in sent[-1].title and sent[-1].body == "A good week."
    as_user("parent")("GET", f"/reports/{report['id']}")
    as_user("parent")("GET", f"/reports/{report['id']}")  # opening again notifies nobody
    read = notes(demo.tutor, "report_read")
    assert len(read) == before_read + 1
    assert read[-1].url == f"/tutor/reports/{report['id']}"
    assert "Irina Petrova" in read[-1].body


def test_out_of_range_ids_are_simply_not_found(as_user, demo):
    huge = 10**20
    tutor = as_user("tutor")
    error_of(tutor("GET", f"/reports/{huge}"), 404, "not_found")
    error_of(tutor("POST", f"/reports/{huge}/send"), 404, "not_found")
    error_of(tutor("GET", f"/reports?student_id={huge}"), 404, "not_found")
    body = {"kind": "tutor", "student_id": huge, "week_start": WEEK, "summary": "x"}
    error_of(tutor("POST", "/reports", json=body), 404, "not_found")


# --- issue 7: reports follow the child's current links; each constraint has its own answer ---


def test_a_sent_tutor_report_follows_the_childs_current_parent(as_user, demo, web_factory):
    from tests.support.http import text_of
    from thebot.extensions import db
    from thebot.models import Report
    from thebot.services import links

    tutor, old_parent, new_parent = as_user("tutor"), as_user("parent"), as_user("parent2")
    report = tutor_draft(as_user, demo, summary="Worked through fractions.")
    sent = tutor("POST", f"/reports/{report['id']}/send").get_json()["report"]
    assert sent["recipient"]["id"] == demo.parent.id and report["id"] in old_parent.ids()
    assert report["id"] not in new_parent.ids()

    links.set_links(demo.tutor, demo.student.id, parent_id=demo.parent2.id)

    error_of(old_parent("GET", f"/reports/{report['id']}"), 404, "not_found")
    error_of(old_parent("POST", f"/reports/{report['id']}/read"), 404, "not_found")
    assert report["id"] not in old_parent.ids()
    old_page = web_factory()
    old_page.login("parent")
    assert old_page.get(f"/parent/reports/{report['id']}").status_code == 404
    assert "Worked through fractions." not in text_of(old_page.get("/parent/reports"))

    assert report["id"] in new_parent.ids()
    new_page = web_factory()
    new_page.login("parent2")
    assert "Worked through fractions." in text_of(new_page.get(f"/parent/reports/{report['id']}"))
    db.session.expire_all()
    stored = db.session.get(Report, report["id"])
    # The new parent is who it is for now: opening it marks it read; the recipient stays history.
    assert stored.status.value == "read" and stored.recipient_id == demo.parent.id
    body = new_parent("GET", f"/reports/{report['id']}").get_json()["report"]
    assert body["recipient"]["id"] == demo.parent.id


def test_a_teacher_report_follows_the_childs_current_tutor(as_user, demo):
    from thebot.services import links

    report = teacher_draft(as_user, demo)
    as_user("teacher")("POST", f"/reports/{report['id']}/send")
    assert report["id"] in as_user("tutor").ids()
    links.set_links(demo.admin, demo.student.id, tutor_id=demo.tutor2.id)
    error_of(as_user("tutor")("GET", f"/reports/{report['id']}"), 404, "not_found")
    assert report["id"] in as_user("tutor2").ids()
    read = as_user("tutor2")("POST", f"/reports/{report['id']}/read").get_json()["report"]
    assert read["status"] == "read" and read["recipient"]["id"] == demo.tutor.id


def _refused(**values):
    """The IntegrityError the database raises for a report row with these values."""
    from sqlalchemy.exc import IntegrityError

    from thebot.extensions import db
    from thebot.models import Report, ReportKind
    from thebot.models.base import utcnow

    fields = {
        "kind": ReportKind.TUTOR,
        "summary": "x",
        "created_at": utcnow(),
        "updated_at": utcnow(),
        **values,
    }
    db.session.add(Report(**fields))
    with pytest.raises(IntegrityError) as caught:
        db.session.flush()
    db.session.rollback()
    return caught.value


@pytest.mark.parametrize(
    "values, error, field, words",
    [
        ({"days_present": 5, "days_planned": 3}, "Invalid", "days_present", "cannot exceed"),
        ({"days_present": 0, "days_planned": 9}, "Invalid", "days_planned", "from 0 to 7"),
        ({"progress_percent": 140}, "Invalid", "progress_percent", "from 0 to 100"),
        ({"status": "sent"}, "Conflict", None, "recipient"),
    ],
)
def test_each_refused_constraint_gets_its_own_answer(ctx, demo, values, error, field, words):
    from thebot.models import ReportStatus
    from thebot.services.errors import DomainError
    from thebot.services.reports import constraints, rules

    if values.get("status") == "sent":
        values = {**values, "status": ReportStatus.SENT}
    exc = _refused(
        author_id=demo.tutor.id,
        student_id=demo.student.id,
        week_start=rules.parse_week(WEEK),
        **values,
    )
    answer = constraints.integrity_error(exc)
    assert isinstance(answer, DomainError) and type(answer).__name__ == error
    assert words in answer.message and "already" not in answer.message
    assert (field in answer.fields) if field else not answer.fields


def test_a_taken_week_is_still_answered_as_a_duplicate(ctx, demo):
    from thebot.services.errors import Conflict
    from thebot.services.reports import constraints, rules, writing

    writing.create_report(
        demo.tutor,
        kind="tutor",
        student_id=demo.student.id,
        week_start=WEEK,
        fields={"summary": "First"},
    )
    exc = _refused(
        author_id=demo.tutor.id, student_id=demo.student.id, week_start=rules.parse_week(WEEK)
    )
    answer = constraints.integrity_error(exc)
    assert isinstance(answer, Conflict) and "already a report" in answer.message
    assert "week_start" in answer.fields


def test_can_edit_is_true_only_on_the_callers_own_draft(as_user, demo):
    tutor, parent, admin = as_user("tutor"), as_user("parent"), as_user("admin")
    draft = tutor_draft(as_user, demo)
    assert draft["can_edit"] is True
    listed = {r["id"]: r for r in tutor("GET", "/reports").get_json()["reports"]}
    assert listed[draft["id"]]["can_edit"] is True
    assert {r["can_edit"] for r in listed.values() if r["status"] != "draft"} == {False}

    sent = tutor("POST", f"/reports/{draft['id']}/send").get_json()["report"]
    assert sent["can_edit"] is False
    for caller in (tutor, parent, admin):
        report = caller("GET", f"/reports/{draft['id']}").get_json()["report"]
        assert report["can_edit"] is False
    refused = tutor("PATCH", f"/reports/{draft['id']}", json={"summary": "Changed"})
    error_of(refused, 409, "conflict")


# --- is_new: per viewer, by the student's links as they are now -------------------------------


def _listed(who, report_id: int) -> dict:
    return {r["id"]: r for r in who("GET", "/reports").get_json()["reports"]}[report_id]


def test_is_new_is_per_viewer_until_a_guardian_reads_it(as_user, demo):
    from thebot.services import links

    links.set_links(demo.tutor, demo.student.id, guardian_id=demo.parent2.id)
    tutor, parent, guardian = as_user("tutor"), as_user("parent"), as_user("parent2")
    draft = tutor_draft(as_user, demo)
    assert draft["is_new"] is False
    sent = tutor("POST", f"/reports/{draft['id']}/send").get_json()["report"]
    assert sent["is_new"] is False, "not new for its author"
    assert _listed(parent, draft["id"])["is_new"] is True
    assert _listed(guardian, draft["id"])["is_new"] is True
    assert _listed(tutor, draft["id"])["is_new"] is False
    assert _listed(as_user("admin"), draft["id"])["is_new"] is False
    opened = parent("GET", f"/reports/{draft['id']}").get_json()["report"]
    assert (opened["status"], opened["is_new"]) == ("read", False)
    assert _listed(parent, draft["id"])["is_new"] is False
    assert _listed(guardian, draft["id"])["is_new"] is False, "read: new for nobody"


def test_is_new_follows_the_childs_current_parent_not_the_stored_recipient(as_user, demo):
    from thebot.services import links

    tutor, new_parent = as_user("tutor"), as_user("parent2")
    draft = tutor_draft(as_user, demo)
    tutor("POST", f"/reports/{draft['id']}/send")
    links.set_links(demo.tutor, demo.student.id, parent_id=demo.parent2.id)
    listed = _listed(new_parent, draft["id"])
    assert listed["recipient"]["id"] == demo.parent.id and listed["is_new"] is True
    read = new_parent("POST", f"/reports/{draft['id']}/read").get_json()["report"]
    assert (read["status"], read["is_new"]) == ("read", False)
