"""Who may open every route of the app, taken from its URL map: a rule per endpoint (below), and
each role — anonymous, student, parent, tutor, teacher, admin — calls every route (pages with
the browser session and CSRF token, the API with a bearer token; path ids filled with a real id
the role may see, or a high id where the role has none, whose answer is then 404) and gets the
answer its rule says:

- allowed: not 401/403, not sent to the sign-in page, never a 5xx (a GET with a real id is
  not 404 either);
- refused: 403 or 404 for a signed-in role; the sign-in page (pages) or 401 (API) for an
  anonymous visitor.

A route in the URL map with no rule fails the build, naming it."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from tests.support.http import api_token

ROLES = ("anonymous", "student", "parent", "tutor", "teacher", "admin")
PUBLIC = "public"  # everyone, signed in or not
SIGNED_IN = "any signed in"  # every role, once signed in
FAMILY = ("student", "parent")
STAFF = ("tutor", "teacher")
BILLING = ("tutor", "parent", "admin")
ARG = re.compile(r"<(?:(\w+):)?(\w+)>")
HIGH_ID = 2**31 - 1  # a well-formed id no record has: 404 for everyone

RULES: dict[str, object] = {
    # --- public doors -------------------------------------------------------------------------
    **dict.fromkeys(
        (
            "static",
            "main.favicon",
            "main.healthz",
            "main.set_language",
            "auth.login",
            "auth.logout",
            "auth.forgot_password",
            "auth.reset_password",
            "auth.invite",
            "auth.confirm_email",
            "calendar.feed",  # the secret is the key: a wrong one is 404 for anyone
            "payments.webhook",  # the provider's; each body is verified
            "api.login",
            "api.openapi",
            "api.password_reset",
            "api.password_reset_confirm",
        ),
        PUBLIC,
    ),
    # --- every signed-in role: their own things, or what they may see (else 404) --------------
    **dict.fromkeys(
        (
            "main.home",
            "main.profile",
            "main.end_device",
            "main.end_other_devices",
            "chat.index",
            "notifications.index",
            "notifications.open_notification",
            "notifications.mark_read",
            "notifications.mark_all_read",
            "notifications.settings",
            "api.logout",
            "api.me",
            "api.change_me",
            "api.calendar_url",
            "api.regenerate_calendar",
            "api.my_sessions",
            "api.end_my_session",
            "api.end_my_other_sessions",
            "api.notifications",
            "api.notification_read",
            "api.notifications_read_all",
            "api.notification_settings",
            "api.notification_settings_update",
            "api.chat_rooms",
            "api.chat_room",
            "api.chat_messages",
            "api.chat_read",
            "api.chat_contacts",
            "api.chat_direct",
            "api.chat_unread",
            "api.chat_attachment",
            "api.visible_people",
            "api.students",
            "api.student",
            "api.enrollment",
            "api.list_lessons",
            "api.get_lesson",
            "api.list_homework",
            "api.get_homework",
            "api.homework_attachment",
            "api.list_reports",
            "api.get_report",
        ),
        SIGNED_IN,
    ),
    # --- role areas ---------------------------------------------------------------------------
    # chat: members post; admins read every room but never post; moderators lock
    **dict.fromkeys(
        ("api.chat_send", "api.chat_attach", "api.chat_edit", "api.chat_delete"),
        (*FAMILY, *STAFF),
    ),
    "api.chat_lock": STAFF,
    # billing (contract.md 3a)
    # lists answer every role with what it may see (a student's or teacher's: none)
    **dict.fromkeys(("api.list_invoices", "api.invoice_totals"), SIGNED_IN),
    **dict.fromkeys(("api.get_invoice", "api.list_payments"), BILLING),
    **dict.fromkeys(
        (
            "api.create_invoice",
            "api.send_invoice",
            "api.cancel_invoice",
            "api.bill_lessons",
            "api.billable_lessons",
        ),
        ("tutor",),
    ),
    "api.start_payment": ("parent",),
    "api.get_payment": ("parent", "tutor"),
    "payments.fake_checkout": ("parent",),  # only the family billed sees the checkout
    # lessons, homework, reports
    **dict.fromkeys(
        (
            "api.create_lessons",
            "api.record_lesson",
            "api.change_lesson",
            "api.cancel_lesson",
            "api.complete_lesson",
        ),
        STAFF,
    ),
    **dict.fromkeys(
        ("api.set_homework", "api.grade_homework", "api.return_homework"), ("teacher",)
    ),
    "api.submit_homework": ("student",),
    **dict.fromkeys(
        (
            "api.create_report",
            "api.update_report",
            "api.delete_report",
            "api.send_report",
            "api.report_prefill",
        ),
        STAFF,
    ),
    "api.read_report": ("parent", "tutor"),  # the recipients: parents (tutor's), tutors (teacher's)
    "api.remove_user": ("admin",),
}
# Page areas: every endpoint of these blueprints is for that role only (restrict_blueprint).
AREA_ENDPOINTS = {
    "admin": (
        "dashboard end_enrollment homework homework_item invitations_list resend_invitation "
        "invoices invoice reports report schedule subjects users user edit_user set_active "
        "confirm_removal remove_user enroll set_links new_user"
    ),
    "parent": (
        "dashboard child homework homework_item invoices invoice invoice_pay invoice_receipt "
        "payment reports report schedule"
    ),
    "student": "dashboard homework homework_item homework_submit schedule",
    "teacher": (
        "dashboard homework homework_item homework_grade homework_return homework_new "
        "lesson_cancel lesson_complete lesson_edit reports_list report delete_report edit_report "
        "send_report new_report schedule lesson_new"
    ),
    "tutor": (
        "dashboard end_enrollment family homework homework_item invoices invoices_csv invoice "
        "invoice_cancel invoice_send invoice_new lesson_cancel lesson_complete lesson_edit "
        "reports_to_parents report delete_report edit_report send_report reports_from_teachers "
        "new_report schedule lesson_new student bill_lessons edit_student enroll link_guardian "
        "remove_guardian swap_guardians resend_invitation reset_password link_parent edit_parent "
        "password_reset new_student"
    ),
}
for _area, _names in AREA_ENDPOINTS.items():
    RULES.update({f"{_area}.{name}": (_area,) for name in _names.split()})

# Routes whose id the role never has a record for here (the answer is 404 for everyone).
HIGH_ID_ENDPOINTS = {
    "api.chat_attachment",  # the demo's messages are text
    "api.homework_attachment",
    "tutor.family",  # a family created in this session only
    "tutor.password_reset",
    "admin.resend_invitation",
}
# Requests that end the credential they are made with: run last, each with fresh credentials.
ENDERS = {
    "auth.logout",
    "api.logout",
    "main.end_device",
    "main.end_other_devices",
    "api.end_my_session",
    "api.end_my_other_sessions",
}
# Query strings that get past the argument checks, so the answer shows who may.
QUERIES = {
    "api.report_prefill": lambda ids: {
        "kind": "teacher" if ids["role"] == "teacher" else "tutor",
        "week_start": "2020-01-06",
        **(
            {"enrollment_id": ids.get("enrollment_id", HIGH_ID)}
            if ids["role"] == "teacher"
            else {"student_id": ids.get("student_id", HIGH_ID)}
        ),
    },
}
# Multipart uploads (a small text file), so the answer is about who may, not a missing file.
UPLOADS = {"api.chat_attach"}
# A path id taken from another of the role's ids than its name says.
ID_KEYS = {("api.read_report", "report_id"): "received_report_id"}
# JSON bodies that get past the field checks, so the answer shows who may (ids: the role's).
BODIES = {
    "api.chat_send": lambda ids: {"content": "Route access test"},
    "api.chat_edit": lambda ids: {"content": "Route access test, edited"},
    "api.chat_lock": lambda ids: {"locked": False},
    "api.create_invoice": lambda ids: {
        "student_id": ids.get("student_id", HIGH_ID),
        "amount": "10.00",
        "description": "Route access test",
        "due_date": "2999-01-01",
    },
    "api.set_homework": lambda ids: {
        "enrollment_id": ids.get("enrollment_id", HIGH_ID),
        "title": "Route access test",
        "due_at": "2999-01-01T10:00:00+00:00",
        "max_score": 10,
    },
    "api.submit_homework": lambda ids: {"text": "Route access test"},
    "api.grade_homework": lambda ids: {"score": 1},
    "api.return_homework": lambda ids: {"feedback": "Route access test"},
    "api.create_lessons": lambda ids: {
        "student_id": ids.get("student_id", HIGH_ID),
        "enrollment_id": ids.get("enrollment_id", HIGH_ID),
        "starts_at": "2999-01-01T10:00:00+00:00",
        "ends_at": "2999-01-01T11:00:00+00:00",
    },
    "api.create_report": lambda ids: {
        "kind": "teacher" if ids["role"] == "teacher" else "tutor",
        "student_id": ids.get("student_id", HIGH_ID),
        **({"enrollment_id": ids.get("enrollment_id")} if ids["role"] == "teacher" else {}),
        "week_start": "2020-01-06",
    },
    "api.bill_lessons": lambda ids: {
        "student_id": ids.get("student_id", HIGH_ID),
        "date_from": "2020-01-01",
        "date_to": "2020-01-31",
        "rate": "10.00",
        "due_date": "2999-01-01",
    },
    "api.change_lesson": lambda ids: {"topic": "Route access test"},
    "api.chat_read": lambda ids: {"message_id": ids.get("message_id", HIGH_ID)},
    "api.chat_direct": lambda ids: {"user_id": ids.get("contact_id", HIGH_ID)},
}


def _rule(endpoint: str):
    return RULES.get(endpoint)


def _allowed(rule, role: str) -> bool:
    if rule == PUBLIC:
        return True
    if role == "anonymous":
        return False
    return rule == SIGNED_IN or role in rule


def test_every_route_has_a_rule(app):
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(RULES))
    assert missing == [], f"routes without an access rule in tests/test_route_access.py: {missing}"
    gone = sorted(set(RULES) - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert gone == [], f"rules for routes that no longer exist: {gone}"


# --- the ids each role may use ----------------------------------------------------------------


def _first(items, **match):
    for item in items or []:
        if all(item.get(key) == value for key, value in match.items()):
            return item["id"]
    return None


def _ids_for(web, demo, role: str) -> dict[str, object]:
    """A real id of each kind the role may see and act on, read through the API as the role."""
    from thebot.extensions import db
    from thebot.models import Invoice, Payment
    from thebot.services import signins
    from thebot.services.chat import messages

    strings: dict[str, object] = {
        "token": "not-a-valid-token",
        "secret": "not-a-feed",
        "provider": "fake",
        "filename": "no-such-file.css",
        "role": role,
    }
    if role == "anonymous":
        return strings
    user = demo[role]
    token = api_token(user)

    def listed(path, key):
        return web.api("GET", path, token=token).get_json().get(key) or []

    ids: dict[str, object] = {**strings, "role": role}
    rooms = listed("/api/v1/chat/rooms", "rooms")
    room = next((r for r in rooms if r.get("can_post")), rooms[0] if rooms else None)
    if room is not None:
        ids["room_id"] = room["id"]
        if room.get("can_post"):  # the role's own message, to edit and delete
            ids["message_id"] = messages.send_message(user, room["id"], "Route access: mine")["id"]
        elif room.get("last_message"):
            ids["message_id"] = room["last_message"]["id"]
    reports = listed("/api/v1/reports", "reports")
    own = [r for r in reports if r["author"]["id"] == user.id]
    ids["report_id"] = _first(own, status="draft") or _first(reports)
    received = [r for r in reports if (r.get("recipient") or {}).get("id") == user.id]
    ids["received_report_id"] = _first(received)
    invoices = listed("/api/v1/invoices", "invoices") if role in BILLING else []
    ids["invoice_id"] = (
        _first(invoices, status="draft") or _first(invoices, status="sent") or _first(invoices)
    )
    lessons = listed("/api/v1/lessons", "lessons")
    ids["lesson_id"] = _first(lessons, status="scheduled") or _first(lessons)
    homework = listed("/api/v1/homework", "homework")
    ids["homework_id"] = _first(homework, status="submitted") or _first(homework)
    students = listed("/api/v1/students", "students")
    if students:
        ids["student_id"] = students[0]["id"]
        enrollments = students[0]["enrollments"]
        ids["enrollment_id"] = enrollments[0]["id"] if enrollments else None
    notes = listed("/api/v1/notifications", "notifications")
    ids["notification_id"] = _first(notes)
    contacts = listed("/api/v1/chat/contacts", "contacts")
    ids["contact_id"] = _first(contacts)
    if role in ("parent", "tutor"):
        column = Invoice.parent_id if role == "parent" else Invoice.tutor_id
        ids["payment_id"] = db.session.scalar(
            select(Payment.id)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .where(column == user.id)
        )
    if role == "tutor":
        ids["user_id"] = ids.get("student_id")  # a member of the tutor's family
    if role == "admin":
        from thebot.services import accounts

        spare = accounts.create_user(
            None,
            role="student",
            username="route-access-spare",
            full_name="Spare Student",
            password="demo-pass-1",
        )
        ids["user_id"] = spare.id
    # a second device of the role's own, to end by its id
    _raw, device = signins.issue_token(user, "Route access test phone")
    db.session.commit()
    ids["device_id"] = ids["session_ref"] = f"t{device.id}"
    return {name: value for name, value in ids.items() if value is not None}


# --- calling every route ----------------------------------------------------------------------


class Caller:
    """One role's credentials: a page session (with its CSRF token) and an API token."""

    def __init__(self, web_factory, demo, role: str):
        self.web_factory, self.demo, self.role = web_factory, demo, role
        self.renew()

    def renew(self) -> None:
        self.web = self.web_factory()
        self.token = None
        if self.role != "anonymous":
            assert self.web.login(self.role).status_code == 302
            self.token = api_token(self.demo[self.role])

    def call(self, endpoint: str, method: str, path: str, ids: dict):
        if path.startswith("/api/"):
            query = QUERIES[endpoint](ids) if endpoint in QUERIES else None
            if endpoint in UPLOADS:
                upload = {"file": (io.BytesIO(b"route access test"), "note.txt")}
                return self.web.api(
                    method, path, token=self.token, data=upload, content_type="multipart/form-data"
                )
            body = None
            if method in ("POST", "PUT", "PATCH"):
                body = BODIES.get(endpoint, lambda _ids: {})(ids)
            return self.web.api(method, path, json=body, token=self.token, query_string=query)
        if method == "GET":
            return self.web.get(path)
        return self.web.post(path)


def _routes(app):
    """(endpoint, method, rule) of every route, GETs first, unsafe methods next, enders last."""
    calls = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            order = 2 if rule.endpoint in ENDERS else (0 if method == "GET" else 1)
            calls.append((order, rule.endpoint, method, rule))
    return [(endpoint, method, rule) for _, endpoint, method, rule in sorted(calls, key=str)]


def _path(rule, endpoint: str, ids: dict) -> tuple[str, bool]:
    """The rule's path with the role's ids; whether every id in it is a real one."""
    real = True

    def fill(match):
        nonlocal real
        converter, name = match.groups()
        name = ID_KEYS.get((endpoint, name), name)
        if converter in ("int", "id") and (endpoint in HIGH_ID_ENDPOINTS or name not in ids):
            real = False
            return str(HIGH_ID)
        return str(ids.get(name, "x"))

    return ARG.sub(fill, rule.rule), real


def _verdict(response, *, rule, role: str, method: str, path: str, real_ids: bool) -> str | None:
    """What is wrong with this answer under the rule, or None."""
    status = response.status_code
    location = response.headers.get("Location", "")
    to_sign_in = status in (301, 302, 303) and "/auth/login" in location
    if status >= 500:
        return f"{status} (a server error)"
    if _allowed(rule, role):
        if rule == PUBLIC:
            return None if status not in (401, 403) else f"{status} for a public route"
        if status in (401, 403) or to_sign_in:
            return f"{status} {location} but the rule allows {role}"
        if method == "GET" and real_ids and status == 404:
            return f"404 with the role's own ids (allowed: {rule})"
        return None
    if role == "anonymous":
        if path.startswith("/api/"):
            return None if status == 401 else f"{status}, expected 401"
        return None if to_sign_in else f"{status} {location}, expected the sign-in page"
    return None if status in (403, 404) else f"{status}, expected 403 or 404 (rule: {rule})"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_its_rule_says(app, web, web_factory, demo, role):
    ids = _ids_for(web, demo, role)
    caller = Caller(web_factory, demo, role)
    wrong, called = [], 0
    for endpoint, method, rule in _routes(app):
        access = _rule(endpoint)
        assert access is not None, f"no access rule for {endpoint}: add one to RULES"
        path, real_ids = _path(rule, endpoint, ids)
        if endpoint in ENDERS:
            caller.renew()  # ending this sign-in must not end the next route's
        response = caller.call(endpoint, method, path, ids)
        called += 1
        problem = _verdict(
            response, rule=access, role=role, method=method, path=path, real_ids=real_ids
        )
        if problem:
            wrong.append(f"{method} {path} [{endpoint}]: {problem}")
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)
    assert called >= 150


def test_invoice_lists_answer_students_and_teachers_with_nothing(web, demo):
    """Why the invoice lists' rule is "any signed in": a role outside billing gets empty lists."""
    for role in ("student", "teacher"):
        token = api_token(demo[role])
        listed = web.api("GET", "/api/v1/invoices", token=token).get_json()
        assert listed == {"invoices": [], "has_more": False}, role
        totals = web.api("GET", "/api/v1/invoices/totals", token=token).get_json()["totals"]
        assert all(row["count"] == 0 for row in totals.values()), (role, totals)
    parent = web.api("GET", "/api/v1/invoices", token=api_token(demo.parent)).get_json()
    assert parent["invoices"] and all(
        i["parent"]["id"] == demo.parent.id for i in parent["invoices"]
    )
