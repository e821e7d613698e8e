"""Who may see whom (domain.md section 2), checked in the access module and through the API and
pages: lists show exactly the visible people, and anything else answers 404."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.http import api_token, text_of

VISIBLE = {
    "student": {"student", "tutor", "parent", "teacher", "teacher2"},
    "student2": {"student2", "tutor", "parent", "guardian", "teacher"},
    "student3": {"student3", "tutor2", "parent2", "teacher"},
    "student4": {"student4", "tutor", "teacher2"},
    "parent": {"parent", "student", "student2", "tutor", "teacher", "teacher2"},
    "parent2": {"parent2", "student3", "tutor2", "teacher"},
    # Pavel's second guardian sees what a parent of Pavel sees (not the other parent)
    "guardian": {"guardian", "student2", "tutor", "teacher"},
    "tutor": {
        "tutor",
        "student",
        "student2",
        "student4",
        "parent",
        "guardian",
        "teacher",
        "teacher2",
    },
    "tutor2": {"tutor2", "student3", "parent2", "teacher"},
    "teacher": {
        "teacher",
        "student",
        "student2",
        "student3",
        "tutor",
        "tutor2",
        "parent",
        "parent2",
        "guardian",
    },
    "teacher2": {"teacher2", "student", "student4", "tutor", "parent"},
    "admin": {
        "admin",
        "tutor",
        "tutor2",
        "teacher",
        "teacher2",
        "parent",
        "parent2",
        "student",
        "student2",
        "student3",
        "student4",
        "guardian",
    },
}
STUDENTS = {"student", "student2", "student3", "student4"}


def visible_usernames(viewer) -> set[str]:
    from thebot.extensions import db
    from thebot.models import User
    from thebot.services import access

    ids = select(User.username).where(User.id.in_(access.user_ids_visible_to(viewer)))
    return set(db.session.scalars(ids))


def test_user_ids_visible_to_follows_the_domain_table(demo):
    seen = {username: visible_usernames(demo[username]) for username in VISIBLE}
    assert seen == VISIBLE


def test_single_checks_agree_with_the_lists(demo):
    from thebot.services import access
    from thebot.services.errors import NotFound

    for username, allowed_names in VISIBLE.items():
        viewer = demo[username]
        for other in demo.values():
            allowed = other.username in allowed_names
            assert access.can_see_user(viewer, other.id) is allowed, (username, other.username)
            if allowed:
                assert access.visible_user(viewer, other.id) is other
            else:
                with pytest.raises(NotFound):
                    access.visible_user(viewer, other.id)


def test_api_people_lists_exactly_the_visible_people(web, demo):
    by_id = {u.id: u.username for u in demo.values()}
    for username, expected in VISIBLE.items():
        response = web.api("GET", "/api/v1/people", token=api_token(username, via=web))
        people = response.get_json()["people"]
        assert {by_id[p["id"]] for p in people} == expected, username
        assert all(set(p) == {"id", "full_name", "role"} for p in people)


def test_api_students_lists_and_opens_only_visible_students(web, demo):
    for username in VISIBLE:
        token = api_token(username, via=web)
        listed = web.api("GET", "/api/v1/students", token=token).get_json()["students"]
        expected = VISIBLE[username] & STUDENTS
        assert {s["full_name"] for s in listed} == {demo[n].full_name for n in expected}, username
        for user in demo.values():
            response = web.api("GET", f"/api/v1/students/{user.id}", token=token)
            if user.username in expected:
                assert response.status_code == 200
                assert response.get_json()["full_name"] == user.full_name
            else:
                assert response.status_code == 404, (username, user.username)
                assert response.get_json()["error"]["code"] == "not_found"
        missing = web.api("GET", "/api/v1/students/999999", token=token)
        assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_students_can_be_managed_only_by_their_tutor_and_admin(web, demo):
    manageable = {}
    for username in ("tutor", "tutor2", "admin", "parent", "teacher", "student"):
        listed = web.api("GET", "/api/v1/students", token=api_token(username, via=web)).get_json()
        manageable[username] = {s["full_name"] for s in listed["students"] if s["manageable"]}
    assert manageable["tutor"] == {"Anna Petrova", "Pavel Petrov", "Daniil Sokolov"}
    assert manageable["tutor2"] == {"Maria Ivanova"}
    assert len(manageable["admin"]) == 4
    assert manageable["parent"] == manageable["teacher"] == manageable["student"] == set()


def test_a_student_sees_their_parent_by_name_only(web, demo):
    token = api_token("student", via=web)
    me = web.api("GET", "/api/v1/me", token=token).get_json()
    assert me["profile"]["parent"] == {
        "id": demo.parent.id,
        "full_name": "Irina Petrova",
        "role": "parent",
    }
    assert "+7 900" not in str(web.api("GET", "/api/v1/people", token=token).get_json())


def test_enrollments_are_visible_to_their_people_only(web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import Enrollment

    maths_of_student3 = db.session.scalar(
        select(Enrollment).where(Enrollment.student_id == demo.student3.id)
    )
    allowed = {"student3", "parent2", "tutor2", "teacher", "admin"}
    for username in VISIBLE:
        response = web.api(
            "GET", f"/api/v1/enrollments/{maths_of_student3.id}", token=api_token(username, via=web)
        )
        if username in allowed:
            assert response.get_json()["student"]["full_name"] == "Maria Ivanova", username
        else:
            assert response.status_code == 404, username


def test_ending_an_enrollment_ends_the_teachers_view_of_the_family(web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import Enrollment
    from thebot.services import learning

    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.student_id == demo.student4.id)
    )
    token = api_token("teacher2", via=web)
    assert web.api("GET", f"/api/v1/students/{demo.student4.id}", token=token).status_code == 200
    learning.end_enrollment(demo.tutor, enrollment.id)
    assert web.api("GET", f"/api/v1/students/{demo.student4.id}", token=token).status_code == 404
    listed = web.api("GET", "/api/v1/people", token=token).get_json()["people"]
    people = {p["full_name"] for p in listed}
    assert "Daniil Sokolov" not in people
    # the teacher keeps the ended enrollment itself (its history stays theirs)
    assert (
        web.api("GET", f"/api/v1/enrollments/{enrollment.id}", token=token).get_json()["active"]
        is False
    )
    # and the student no longer sees the teacher
    assert "teacher2" not in visible_usernames(demo.student4)


def test_changing_a_parent_moves_visibility_with_the_link(web, demo):
    from thebot.services import links

    old_token, new_token = api_token("parent", via=web), api_token("parent2", via=web)
    links.set_links(demo.tutor, demo.student2.id, parent_id=demo.parent2.id)
    path = f"/api/v1/students/{demo.student2.id}"
    assert web.api("GET", path, token=old_token).status_code == 404
    moved = web.api("GET", f"/api/v1/students/{demo.student2.id}", token=new_token).get_json()
    assert moved["parent"]["full_name"] == "Sergey Ivanov"
    assert visible_usernames(demo.parent2) == VISIBLE["parent2"] | {"student2", "tutor"}


def test_service_refusals_are_404_when_unseen_and_403_when_only_seen(demo):
    from thebot.services import learning, links
    from thebot.services.errors import Forbidden, NotFound

    with pytest.raises(NotFound):  # another tutor's student
        links.set_links(demo.tutor2, demo.student.id, parent_id=demo.parent2.id)
    with pytest.raises(Forbidden):  # the parent sees the child but does not manage it
        links.set_links(demo.parent, demo.student.id, parent_id=demo.parent2.id)
    with pytest.raises(Forbidden):  # a tutor cannot move a student to another tutor
        links.set_links(demo.tutor, demo.student.id, tutor_id=demo.tutor2.id)
    with pytest.raises(Forbidden):  # the teacher sees the student but does not manage them
        learning.enroll(
            demo.teacher, student_id=demo.student.id, subject_id=1, teacher_id=demo.teacher.id
        )
    assert demo.student.student_profile.parent_id == demo.parent.id
    assert demo.student.student_profile.tutor_id == demo.tutor.id


# --- pages ------------------------------------------------------------------------------------


def test_parent_opens_own_child_and_gets_404_for_another_familys_child(web, demo):
    web.login("parent")
    own = web.get(f"/parent/children/{demo.student2.id}")
    assert own.status_code == 200 and "Pavel Petrov" in text_of(own)
    assert "Maths — Mikhail Orlov" in text_of(own)
    other = web.get(f"/parent/children/{demo.student3.id}")
    assert other.status_code == 404
    assert "Maria Ivanova" not in text_of(other)
    assert "There is nothing here, or it is not yours to see." in text_of(other)
    assert web.get(f"/parent/children/{demo.tutor.id}").status_code == 404


def test_tutor_gets_404_for_another_tutors_student_pages_and_actions(web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import Enrollment

    web.login("tutor2")
    assert web.get(f"/tutor/students/{demo.student.id}").status_code == 404
    assert "Anna Petrova" not in text_of(web.get(f"/tutor/students/{demo.student.id}"))
    response = web.post(f"/tutor/students/{demo.student.id}/parent", {"parent_id": demo.parent2.id})
    assert response.status_code == 404
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.student_id == demo.student.id)
    )
    assert web.post(f"/tutor/enrollments/{enrollment.id}/end").status_code == 404
    db.session.expire_all()
    assert enrollment.is_active is True
    assert demo.student.student_profile.parent_id == demo.parent.id
