"""Homework over the JSON API, per role: setting (the enrollment's teacher only, checked fields,
a past due time allowed), submitting once until returned, late marking, returning and grading
(scores within 0..max, graded is final), students never writing a score (JSON and multipart),
parents and the tutor reading only, 404 for everyone else, lists with filters and paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.support.http import api_token

OUTSIDERS = ("teacher2", "parent2", "tutor2", "student2", "student3")


@pytest.fixture
def tok(demo):
    """tok(username) -> a bearer token of that demo user."""
    tokens: dict[str, str] = {}

    def get(name: str) -> str:
        if name not in tokens:
            tokens[name] = api_token(demo[name])
        return tokens[name]

    return get


@pytest.fixture
def maths(demo):
    """Anna's (demo `student`) Maths enrollment with `teacher`."""
    return _enrollment(demo.student, demo.teacher)


def _enrollment(student, teacher):
    from thebot.extensions import db
    from thebot.models import Enrollment

    return db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == student.id, Enrollment.teacher_id == teacher.id
        )
    )


def call(web, tok, who, method, path, json=None, **kw):
    return web.api(method, f"/api/v1{path}", json=json, token=tok(who), **kw)


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    return response.get_json()["error"]


def when(**delta) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def new_homework(web, tok, maths, *, due=None, max_score=10, title="Fractions, set 4") -> dict:
    answer = call(
        web,
        tok,
        "teacher",
        "POST",
        "/homework",
        {
            "enrollment_id": maths.id,
            "title": title,
            "instructions": "Exercises 1-12.",
            "due_at": due or when(days=3),
            "max_score": max_score,
        },
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def stored(homework_id: int):
    """(status, submission text, score, feedback, late) as the database holds them."""
    from thebot.extensions import db
    from thebot.models import Homework

    db.session.expire_all()
    hw = db.session.get(Homework, homework_id)
    row = hw.submission
    if row is None:
        return hw.status.value, None, None, None, None
    return hw.status.value, row.text, row.score, row.feedback, row.late


def homework_count() -> int:
    from thebot.extensions import db
    from thebot.models import Homework

    db.session.expire_all()
    return db.session.scalar(select(func.count(Homework.id)))


# --- setting ----------------------------------------------------------------------------------


def test_the_enrollment_teacher_sets_homework_in_the_contract_shape(web, tok, demo, maths):
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    moscow = timezone(timedelta(hours=3))
    hw = new_homework(web, tok, maths, due=due.astimezone(moscow).isoformat())
    assert set(hw) >= {
        "id",
        "enrollment_id",
        "subject",
        "student",
        "teacher",
        "title",
        "instructions",
        "due_at",
        "max_score",
        "status",
        "submission",
    }
    assert hw["enrollment_id"] == maths.id
    assert hw["subject"]["name"] == "Maths" and hw["subject"]["id"] == maths.subject_id
    assert hw["student"] == {"id": demo.student.id, "full_name": demo.student.full_name}
    assert hw["teacher"] == {"id": demo.teacher.id, "full_name": demo.teacher.full_name}
    assert (hw["title"], hw["instructions"], hw["max_score"]) == (
        "Fractions, set 4",
        "Exercises 1-12.",
        10,
    )
    assert hw["status"] == "set" and hw["submission"] is None
    assert datetime.fromisoformat(hw["due_at"]) == due and hw["due_at"].endswith("+00:00")
    assert (hw["can_submit"], hw["can_grade"], hw["can_return"]) == (False, False, False)
    seen = call(web, tok, "student", "GET", f"/homework/{hw['id']}").get_json()
    assert seen["title"] == "Fractions, set 4" and seen["can_submit"] is True
    assert stored(hw["id"]) == ("set", None, None, None, None)


def test_only_the_enrollment_teacher_may_set_homework(web, tok, demo, maths):
    body = {
        "enrollment_id": maths.id,
        "title": "T",
        "instructions": "",
        "due_at": when(days=1),
        "max_score": 5,
    }
    before = homework_count()
    for who in ("student", "parent", "tutor", "admin"):  # they see the enrollment
        assert error_of(call(web, tok, who, "POST", "/homework", body), 403)["code"] == "forbidden"
    for who in OUTSIDERS:
        assert error_of(call(web, tok, who, "POST", "/homework", body), 404)["code"] == "not_found"
    assert homework_count() == before
    physics = _enrollment(demo.student, demo.teacher2)
    mine = call(web, tok, "teacher2", "POST", "/homework", {**body, "enrollment_id": physics.id})
    assert mine.status_code == 201 and mine.get_json()["subject"]["name"] == "Physics"


@pytest.mark.parametrize(
    "field,value",
    [
        ("title", ""),
        ("title", "   "),
        ("title", "x" * 201),
        ("title", None),
        ("title", 5),
        ("instructions", "x" * 5001),
        ("max_score", 0),
        ("max_score", 101),
        ("max_score", "10"),
        ("max_score", True),
        ("max_score", 7.5),
        ("max_score", None),
        ("due_at", "2026-13-01T10:00:00+00:00"),
        ("due_at", "tomorrow"),
        ("due_at", None),
        ("due_at", "2030-01-01T10:00:00"),  # no offset: ambiguous
    ],
)
def test_homework_fields_are_checked(web, tok, maths, field, value):
    body = {
        "enrollment_id": maths.id,
        "title": "Title",
        "instructions": "Do it.",
        "due_at": when(days=1),
        "max_score": 10,
        field: value,
    }
    before = homework_count()
    error = error_of(call(web, tok, "teacher", "POST", "/homework", body), 400)
    assert error["code"] == "validation_error" and field in error["fields"]
    assert homework_count() == before


def test_due_times_are_bounded_and_a_past_one_records_homework_already_given(web, tok, maths):
    for due in (when(days=-61), when(days=367)):
        error = error_of(
            call(
                web,
                tok,
                "teacher",
                "POST",
                "/homework",
                {"enrollment_id": maths.id, "title": "T", "due_at": due, "max_score": 5},
            ),
            400,
        )
        assert "due_at" in error["fields"]
    given = new_homework(web, tok, maths, due=when(days=-3))
    assert given["status"] == "set" and given["overdue"] is True
    assert new_homework(web, tok, maths, due=when(days=2))["overdue"] is False
    for edge in (1, 100):
        assert new_homework(web, tok, maths, max_score=edge)["max_score"] == edge


def test_an_ended_enrollment_takes_no_homework_and_its_homework_is_read_only(web, tok, demo, maths):
    from thebot.services import learning

    hw = new_homework(web, tok, maths)
    learning.end_enrollment(demo.admin, maths.id)
    body = {"enrollment_id": maths.id, "title": "T", "due_at": when(days=1), "max_score": 5}
    assert error_of(call(web, tok, "teacher", "POST", "/homework", body), 409)["code"] == "conflict"
    refused = call(
        web, tok, "student", "POST", f"/homework/{hw['id']}/submission", {"text": "late answer"}
    )
    assert error_of(refused, 409)["code"] == "conflict"
    seen = call(web, tok, "student", "GET", f"/homework/{hw['id']}").get_json()
    assert seen["can_submit"] is False and stored(hw["id"])[0] == "set"


# --- submitting, returning, grading -----------------------------------------------------------


def submit(web, tok, hw_id, who="student", **body):
    return call(web, tok, who, "POST", f"/homework/{hw_id}/submission", body or {"text": "42"})


def test_a_student_submits_once_until_the_teacher_returns_it(web, tok, maths):
    hw = new_homework(web, tok, maths)
    first = submit(web, tok, hw["id"], text="  x = 2, y = 3  ")
    assert first.status_code == 200
    data = first.get_json()
    assert data["status"] == "submitted" and data["can_submit"] is False
    assert data["submission"]["text"] == "x = 2, y = 3" and data["submission"]["late"] is False
    assert data["submission"]["score"] is None and data["submission"]["attachment"] is None
    again = submit(web, tok, hw["id"], text="second try")
    assert error_of(again, 409)["code"] == "conflict"
    assert stored(hw["id"]) == ("submitted", "x = 2, y = 3", None, "", False)
    teacher_view = call(web, tok, "teacher", "GET", f"/homework/{hw['id']}").get_json()
    assert teacher_view["can_grade"] is True and teacher_view["can_return"] is True

    returned = call(
        web,
        tok,
        "teacher",
        "POST",
        f"/homework/{hw['id']}/return",
        {"feedback": "Show the working for task 3."},
    )
    assert returned.status_code == 200
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["submission"]["returned_at"] is not None
    assert stored(hw["id"]) == (
        "returned",
        "x = 2, y = 3",
        None,
        "Show the working for task 3.",
        False,
    )
    assert call(web, tok, "student", "GET", f"/homework/{hw['id']}").get_json()["can_submit"]

    redo = submit(web, tok, hw["id"], text="x = 2, y = 3 (working attached)").get_json()
    assert redo["status"] == "submitted"
    assert redo["submission"]["feedback"] == "Show the working for task 3."  # until graded
    assert error_of(submit(web, tok, hw["id"]), 409)["code"] == "conflict"

    graded = call(
        web,
        tok,
        "teacher",
        "POST",
        f"/homework/{hw['id']}/grade",
        {"score": 9, "feedback": "Well done."},
    ).get_json()
    assert graded["status"] == "graded" and graded["submission"]["score"] == 9
    assert graded["submission"]["feedback"] == "Well done." and graded["submission"]["graded_at"]
    assert stored(hw["id"]) == ("graded", "x = 2, y = 3 (working attached)", 9, "Well done.", False)
    # Graded is final: no resubmission, no second grade, no return.
    assert error_of(submit(web, tok, hw["id"]), 409)["code"] == "conflict"
    for path, body in (("grade", {"score": 10}), ("return", {"feedback": "again"})):
        answer = call(web, tok, "teacher", "POST", f"/homework/{hw['id']}/{path}", body)
        assert error_of(answer, 409)["code"] == "conflict"
    assert stored(hw["id"])[:3] == ("graded", "x = 2, y = 3 (working attached)", 9)


def test_an_empty_submission_is_refused(web, tok, maths):
    hw = new_homework(web, tok, maths)
    for body in ({"text": ""}, {"text": "   "}, {}):
        answer = call(web, tok, "student", "POST", f"/homework/{hw['id']}/submission", body)
        assert error_of(answer, 400)["code"] == "validation_error"
    assert error_of(submit(web, tok, hw["id"], text="x" * 10_001), 400)["fields"].keys() == {"text"}
    assert error_of(submit(web, tok, hw["id"], text=5), 400)["code"] == "validation_error"
    assert stored(hw["id"])[0] == "set"


def test_late_submissions_are_accepted_and_marked_late(web, tok, maths):
    overdue = new_homework(web, tok, maths, due=when(days=-2))
    on_time = new_homework(web, tok, maths, due=when(days=2))
    late = submit(web, tok, overdue["id"]).get_json()
    assert late["status"] == "submitted" and late["submission"]["late"] is True
    assert late["overdue"] is False  # handed in: no longer overdue
    assert submit(web, tok, on_time["id"]).get_json()["submission"]["late"] is False
    assert stored(overdue["id"])[4] is True and stored(on_time["id"])[4] is False


def test_scores_are_whole_numbers_from_zero_to_the_max(web, tok, maths):
    hw = new_homework(web, tok, maths, max_score=20)
    not_yet = call(web, tok, "teacher", "POST", f"/homework/{hw['id']}/grade", {"score": 5})
    assert error_of(not_yet, 409)["code"] == "conflict"  # only a submitted homework is graded
    submit(web, tok, hw["id"])
    for score in (-1, 21, 7.5, "7", True, None):
        answer = call(web, tok, "teacher", "POST", f"/homework/{hw['id']}/grade", {"score": score})
        assert error_of(answer, 400)["fields"].keys() == {"score"}, score
    long = call(
        web,
        tok,
        "teacher",
        "POST",
        f"/homework/{hw['id']}/grade",
        {"score": 3, "feedback": "x" * 5001},
    )
    assert error_of(long, 400)["fields"].keys() == {"feedback"}
    assert stored(hw["id"])[:3] == ("submitted", "42", None)
    top = call(web, tok, "teacher", "POST", f"/homework/{hw['id']}/grade", {"score": 20})
    assert (
        top.get_json()["submission"]["score"] == 20
        and top.get_json()["submission"]["feedback"] == ""
    )
    zero = new_homework(web, tok, maths, max_score=20)
    submit(web, tok, zero["id"])
    graded = call(web, tok, "teacher", "POST", f"/homework/{zero['id']}/grade", {"score": 0})
    assert graded.get_json()["submission"]["score"] == 0 and stored(zero["id"])[2] == 0


def test_returning_needs_feedback(web, tok, maths):
    hw = new_homework(web, tok, maths)
    submit(web, tok, hw["id"])
    for body in ({}, {"feedback": ""}, {"feedback": "  "}):
        answer = call(web, tok, "teacher", "POST", f"/homework/{hw['id']}/return", body)
        assert error_of(answer, 400)["fields"].keys() == {"feedback"}
    assert stored(hw["id"])[0] == "submitted"


def test_students_never_write_a_score(web, tok, maths):
    hw = new_homework(web, tok, maths)
    # On its own submission, in JSON: refused whole, nothing stored.
    with_score = call(
        web,
        tok,
        "student",
        "POST",
        f"/homework/{hw['id']}/submission",
        {"text": "answer", "score": 10},
    )
    assert error_of(with_score, 400)["fields"].keys() == {"score"}
    sneaky = call(
        web,
        tok,
        "student",
        "POST",
        f"/homework/{hw['id']}/submission",
        {"text": "answer", "feedback": "great", "status": "graded", "late": False},
    )
    assert error_of(sneaky, 400)["fields"].keys() == {"feedback", "status", "late"}
    # In multipart too.
    form = call(
        web,
        tok,
        "student",
        "POST",
        f"/homework/{hw['id']}/submission",
        data={"text": "answer", "score": "10"},
        content_type="multipart/form-data",
    )
    assert error_of(form, 400)["fields"].keys() == {"score"}
    assert stored(hw["id"]) == ("set", None, None, None, None)
    submit(web, tok, hw["id"], text="my answer")
    # The teacher's routes: refused to the student (who may see the homework).
    grade = call(web, tok, "student", "POST", f"/homework/{hw['id']}/grade", {"score": 10})
    assert error_of(grade, 403)["code"] == "forbidden"
    back = call(web, tok, "student", "POST", f"/homework/{hw['id']}/return", {"feedback": "x"})
    assert error_of(back, 403)["code"] == "forbidden"
    new = call(
        web,
        tok,
        "student",
        "POST",
        "/homework",
        {
            "enrollment_id": maths.id,
            "title": "Mine",
            "due_at": when(days=1),
            "max_score": 1,
            "score": 1,
        },
    )
    assert error_of(new, 403)["code"] == "forbidden"
    assert stored(hw["id"]) == ("submitted", "my answer", None, "", False)
    # After grading, a student's score goes nowhere either.
    call(web, tok, "teacher", "POST", f"/homework/{hw['id']}/grade", {"score": 4})
    again = call(
        web,
        tok,
        "student",
        "POST",
        f"/homework/{hw['id']}/submission",
        {"text": "better", "score": 10},
    )
    assert again.status_code == 400
    assert stored(hw["id"]) == ("graded", "my answer", 4, "", False)


def test_parents_and_the_tutor_read_but_never_write(web, tok, demo, maths):
    hw = new_homework(web, tok, maths)
    submit(web, tok, hw["id"], text="done")
    for who in ("parent", "tutor", "admin"):
        seen = call(web, tok, who, "GET", f"/homework/{hw['id']}").get_json()
        assert seen["submission"]["text"] == "done" and seen["student"]["id"] == demo.student.id
        assert (seen["can_submit"], seen["can_grade"], seen["can_return"]) == (False,) * 3
        listed = call(web, tok, who, "GET", "/homework").get_json()["homework"]
        assert hw["id"] in [h["id"] for h in listed]
        for path, body in (
            ("submission", {"text": "x"}),
            ("grade", {"score": 1}),
            ("return", {"feedback": "x"}),
        ):
            answer = call(web, tok, who, "POST", f"/homework/{hw['id']}/{path}", body)
            assert error_of(answer, 403)["code"] == "forbidden", (who, path)
    assert stored(hw["id"]) == ("submitted", "done", None, "", False)


def test_everyone_else_gets_404_and_never_sees_it_listed(web, tok, maths):
    hw = new_homework(web, tok, maths)
    submit(web, tok, hw["id"])
    for who in OUTSIDERS:
        for method, path, body in (
            ("GET", "", None),
            ("GET", "/attachment", None),
            ("POST", "/submission", {"text": "x"}),
            ("POST", "/grade", {"score": 1}),
            ("POST", "/return", {"feedback": "x"}),
        ):
            answer = call(web, tok, who, method, f"/homework/{hw['id']}{path}", body)
            assert error_of(answer, 404)["code"] == "not_found", (who, path)
        listed = call(web, tok, who, "GET", "/homework").get_json()["homework"]
        assert hw["id"] not in [h["id"] for h in listed]
    assert stored(hw["id"]) == ("submitted", "42", None, "", False)
    missing = call(web, tok, "teacher", "GET", "/homework/2147483647")
    assert error_of(missing, 404)["code"] == "not_found"
    unauthenticated = web.http.application.test_client().get(f"/api/v1/homework/{hw['id']}")
    assert unauthenticated.status_code == 401


def test_lists_filter_and_page_newest_first(web, tok, demo, maths):
    made = [new_homework(web, tok, maths, title=f"Set {n}")["id"] for n in range(3)]
    submit(web, tok, made[1])

    def ids(who, query=""):
        answer = call(web, tok, who, "GET", f"/homework{query}")
        assert answer.status_code == 200, answer.get_json()
        data = answer.get_json()
        return [h["id"] for h in data["homework"]], data["has_more"]

    mine, _ = ids("teacher", f"?student_id={demo.student.id}")
    assert [i for i in mine if i in made] == made[::-1]
    assert ids("student", "?status=submitted")[0][0] == made[1]
    assert made[1] not in ids("student", "?status=set")[0]
    page, more = ids("student", f"?enrollment_id={maths.id}&limit=2")
    assert page == made[:0:-1] and more is True
    rest, _ = ids("student", f"?enrollment_id={maths.id}&limit=2&before_id={page[-1]}")
    assert rest[0] == made[0]
    assert not set(made) & set(ids("parent", f"?student_id={demo.student2.id}")[0])
    assert set(made) <= set(ids("parent", f"?student_id={demo.student.id}")[0])
    for query, field in (
        ("?status=done", "status"),
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?student_id=abc", "student_id"),
    ):
        error = error_of(call(web, tok, "student", "GET", f"/homework{query}"), 400)
        assert field in error.get("fields", {}), query


def test_ids_in_bodies_are_json_numbers(web, tok, maths):
    for value in (str(maths.id), True, -1, None):
        answer = call(
            web,
            tok,
            "teacher",
            "POST",
            "/homework",
            {"enrollment_id": value, "title": "T", "due_at": when(days=1), "max_score": 5},
        )
        assert error_of(answer, 400)["code"] == "validation_error"
    huge = call(
        web,
        tok,
        "teacher",
        "POST",
        "/homework",
        {"enrollment_id": 2**40, "title": "T", "due_at": when(days=1), "max_score": 5},
    )
    assert error_of(huge, 404)["code"] == "not_found"
    not_json = call(
        web, tok, "teacher", "POST", "/homework", data="title=x", content_type="text/plain"
    )
    assert error_of(not_json, 400)["code"] == "bad_request"


def test_browser_session_callers_need_the_csrf_header(web, tok, maths):
    hw = new_homework(web, tok, maths)
    web.login("student")
    refused = web.api("POST", f"/api/v1/homework/{hw['id']}/submission", json={"text": "x"})
    assert refused.status_code == 400 and stored(hw["id"])[0] == "set"
    done = web.api("POST", f"/api/v1/homework/{hw['id']}/submission", json={"text": "x"}, csrf=True)
    assert done.status_code == 200 and stored(hw["id"])[0] == "submitted"
