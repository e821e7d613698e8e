"""The demo's homework: every state (set, overdue, submitted on time and late, returned, graded
on time and late), built through the services, and seen per role through the API."""

from __future__ import annotations

from tests.support.http import api_token


def _listed(web, user, query=""):
    answer = web.api("GET", f"/api/v1/homework{query}", token=api_token(user))
    assert answer.status_code == 200
    return answer.get_json()["homework"]


def test_the_demo_has_homework_in_every_state(web, demo):
    anna = _listed(web, demo.student, "?limit=100")
    states = {
        (h["status"], bool(h["submission"] and h["submission"]["late"]), h["overdue"]) for h in anna
    }
    assert {
        ("set", False, False),
        ("set", False, True),
        ("submitted", True, False),
        ("returned", False, False),
        ("graded", False, False),
        ("graded", True, False),
    } <= states
    returned = next(h for h in anna if h["status"] == "returned")
    assert returned["can_submit"] is True and returned["submission"]["feedback"]
    graded = [h for h in anna if h["status"] == "graded"]
    assert all(0 <= h["submission"]["score"] <= h["max_score"] for h in graded)
    assert {h["subject"]["name"] for h in anna} == {"Maths", "Physics"}
    # The parent sees both children's homework; the tutor of student3 only hers.
    parent = {h["student"]["id"] for h in _listed(web, demo.parent, "?limit=100")}
    assert parent == {demo.student.id, demo.student2.id}
    assert {h["student"]["id"] for h in _listed(web, demo.tutor2)} == {demo.student3.id}
    teacher2 = {h["subject"]["name"] for h in _listed(web, demo.teacher2, "?limit=100")}
    assert teacher2 == {"Physics"}


def test_the_demo_teacher_has_homework_to_grade(demo):
    from thebot.services.homework import listing

    queue = listing.to_grade(demo.teacher)
    assert {h.student_id for h in queue} == {demo.student.id, demo.student2.id}
    assert all(h.status.value == "submitted" for h in queue)
