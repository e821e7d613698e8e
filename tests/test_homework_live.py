"""Homework live, against a real server process with python-socketio clients: every change sends
`homework_updated` on /notifications to exactly the student, the teacher, the student's parent
and tutor (each with what they may do); grading and returning send `progress_updated` on
/reports to exactly the student, parent and tutor. No socket event writes homework."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
import socketio
from sqlalchemy import select

from tests.support.http import api_token

PEOPLE = (
    "student",
    "teacher",
    "parent",
    "tutor",
    "teacher2",
    "parent2",
    "tutor2",
    "student2",
    "admin",
)
FOLLOWERS = {"student", "teacher", "parent", "tutor"}


class Listener:
    """One user's sockets on /notifications and /reports, recording the homework events."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token
        self.events: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on(
            "homework_updated", self._recorder("homework_updated"), namespace="/notifications"
        )
        self.sio.on("progress_updated", self._recorder("progress_updated"), namespace="/reports")
        self.sio.connect(
            url,
            namespaces=["/notifications", "/reports"],
            auth={"token": token},
            transports=["websocket"],
            wait_timeout=10,
        )

    def _recorder(self, name):
        def record(data):
            with self._lock:
                self.events.append((name, data))

        return record

    def call(self, event: str, data, namespace: str) -> dict:
        return self.sio.call(event, data, namespace=namespace, timeout=10)

    def take(self) -> list[tuple[str, dict]]:
        """The events so far (after an ack round trip on each namespace), then forgotten."""
        self.call("list", {"limit": 1}, "/notifications")
        self.call("reports", {"student_id": 10**9}, "/reports")
        time.sleep(0.2)  # the client hands events to handler threads
        with self._lock:
            seen, self.events = self.events, []
        return seen

    def api(self, method: str, path: str, json=None) -> dict:
        answer = requests.request(
            method,
            f"{self.url}/api/v1{path}",
            json=json,
            timeout=10,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert answer.status_code in (200, 201), answer.text
        return answer.json()


@pytest.fixture
def people(live_server, demo, ctx):
    listeners = {}
    try:
        for name in PEOPLE:
            listeners[name] = Listener(live_server.url, api_token(demo[name], device="hw live"))
        yield listeners
    finally:
        for listener in listeners.values():
            listener.sio.disconnect()


def heard(people) -> dict[str, list[tuple[str, int, str]]]:
    """Per user: (event, homework id, status) of what arrived since the last call."""
    out = {}
    for name, listener in people.items():
        out[name] = [
            (event, data.get("id") or data.get("homework_id"), data["status"])
            for event, data in listener.take()
        ]
    return out


def test_homework_events_reach_exactly_who_follows_the_homework(people, demo):
    from thebot.extensions import db
    from thebot.models import Enrollment

    maths = db.session.scalar(
        select(Enrollment.id).where(
            Enrollment.student_id == demo.student.id, Enrollment.teacher_id == demo.teacher.id
        )
    )
    hw = people["teacher"].api(
        "POST",
        "/homework",
        {
            "enrollment_id": maths,
            "title": "Live one",
            "instructions": "",
            "due_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "max_score": 10,
        },
    )
    hid = hw["id"]
    silent = {name: [] for name in PEOPLE if name not in FOLLOWERS}

    def only(followers: set[str], events: list) -> dict:
        return {**silent, **{name: (events if name in followers else []) for name in FOLLOWERS}}

    assert heard(people) == only(FOLLOWERS, [("homework_updated", hid, "set")])
    people["student"].api("POST", f"/homework/{hid}/submission", {"text": "4"})
    assert heard(people) == only(FOLLOWERS, [("homework_updated", hid, "submitted")])
    people["teacher"].api("POST", f"/homework/{hid}/return", {"feedback": "Check task 2."})
    family = {"student", "parent", "tutor"}
    returned = heard(people)
    assert returned["teacher"] == [("homework_updated", hid, "returned")]
    for name in family:
        assert sorted(returned[name]) == [
            ("homework_updated", hid, "returned"),
            ("progress_updated", hid, "returned"),
        ], name
    assert {n: returned[n] for n in silent} == silent
    people["student"].api("POST", f"/homework/{hid}/submission", {"text": "5"})
    heard(people)
    people["teacher"].api("POST", f"/homework/{hid}/grade", {"score": 8, "feedback": "Good."})
    graded = heard(people)
    assert graded["teacher"] == [("homework_updated", hid, "graded")]
    assert {n: graded[n] for n in silent} == silent
    for name in family:
        assert sorted(graded[name]) == [
            ("homework_updated", hid, "graded"),
            ("progress_updated", hid, "graded"),
        ], name


def test_payloads_are_the_homework_as_each_may_see_it_and_the_progress(people, demo):
    from thebot.extensions import db
    from thebot.models import Enrollment

    maths = db.session.scalar(
        select(Enrollment.id).where(
            Enrollment.student_id == demo.student.id, Enrollment.teacher_id == demo.teacher.id
        )
    )
    hid = people["teacher"].api(
        "POST",
        "/homework",
        {
            "enrollment_id": maths,
            "title": "Payloads",
            "instructions": "x",
            "due_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "max_score": 20,
        },
    )["id"]
    for listener in people.values():
        listener.take()
    people["student"].api("POST", f"/homework/{hid}/submission", {"text": "answer"})
    [(_, for_student)] = people["student"].take()
    [(_, for_teacher)] = people["teacher"].take()
    assert for_student["submission"]["text"] == "answer" and for_student["can_submit"] is False
    assert for_teacher["can_grade"] is True and for_student["can_grade"] is False
    people["teacher"].api("POST", f"/homework/{hid}/grade", {"score": 15})
    progress = [d for e, d in people["parent"].take() if e == "progress_updated"]
    assert progress == [
        {
            "student_id": demo.student.id,
            "homework_id": hid,
            "status": "graded",
            "score": 15,
            "max_score": 20,
            "graded_at": progress[0]["graded_at"],
        }
    ]
    assert progress[0]["graded_at"].endswith("+00:00")


@pytest.mark.parametrize(
    "namespace,event",
    [
        ("/notifications", "grade"),
        ("/notifications", "homework_grade"),
        ("/reports", "grade"),
        ("/reports", "submit_homework"),
    ],
)
def test_no_socket_event_writes_homework(people, demo, namespace, event):
    from thebot.extensions import db
    from thebot.models import Enrollment, Homework
    from thebot.services.homework import work

    maths = db.session.scalar(
        select(Enrollment.id).where(
            Enrollment.student_id == demo.student.id, Enrollment.teacher_id == demo.teacher.id
        )
    )
    hw = work.set_homework(
        demo.teacher,
        enrollment_id=maths,
        title="Sockets",
        instructions="",
        due_at=datetime.now(UTC) + timedelta(days=1),
        max_score=5,
    )
    work.submit_homework(demo.student, hw.id, text="mine")
    ack = people["student"].call(event, {"homework_id": hw.id, "score": 5}, namespace)
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request"
    db.session.expire_all()
    stored = db.session.get(Homework, hw.id)
    assert stored.status.value == "submitted" and stored.submission.score is None
