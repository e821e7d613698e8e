"""The tutor's pages over HTTP: a student and the parent created in one form with credentials
shown once, linking an existing parent, enrolling own students with a teacher, ending an
enrollment; field errors on every form, and a refused form changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.support.data import find_user, subject_id, user_count
from tests.support.http import field_errors, text_of

CREDENTIALS_RE = re.compile(
    r'data-test="credentials-(student|parent)".*?data-test="username">([^<]+)<.*?'
    r'data-test="password">([^<]+)<',
    re.S,
)


def credentials(response) -> dict[str, tuple[str, str]]:
    """{role: (username, password)} read from the credentials page."""
    return {
        role: (username, password)
        for role, username, password in CREDENTIALS_RE.findall(response.get_data(as_text=True))
    }


FORM_KEY_RE = re.compile(r'name="form_key" type="hidden" value="([^"]+)"')


def form_key(web) -> str:
    """The one-time key of a fresh new-family form."""
    match = FORM_KEY_RE.search(web.get("/tutor/students/new").get_data(as_text=True))
    assert match, "the new-family form carries its one-time key"
    return match.group(1)


def submit_family(web, data: dict):
    """Fill in a fresh new-family form and follow its redirect to the result page."""
    response = web.post("/tutor/students/new", {"form_key": form_key(web), **data})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return web.get(response.headers["Location"])


@pytest.fixture
def tutor_web(web, demo):
    assert web.login("tutor").status_code == 302
    return web


FAMILY = {
    "student_name": "Oleg Sidorov",
    "grade": "8",
    "goal": "Geometry",
    "parent_name": "Olga Sidorova",
    # No e-mail: the credentials are shown once (with an e-mail, an invitation is sent instead:
    # tests/test_invitations.py).
    "parent_email": "",
    "parent_phone": "+7 901 222-33-44",
}


def test_tutor_creates_a_family_and_sees_both_credentials_once(tutor_web, web_factory, demo):
    response = submit_family(tutor_web, FAMILY)
    assert response.status_code == 200
    assert "the passwords are shown only once" in text_of(response)
    shown = credentials(response)
    assert shown["student"][0] == "oleg.sidorov" and shown["parent"][0] == "olga.sidorova"
    student, parent = find_user("oleg.sidorov"), find_user("olga.sidorova")
    assert (student.student_profile.tutor_id, student.student_profile.parent_id) == (
        demo.tutor.id,
        parent.id,
    )
    assert (student.student_profile.grade, student.student_profile.goal) == (8, "Geometry")
    assert (parent.email, parent.parent_profile.phone) == (None, "+7 901 222-33-44")
    for role, (username, password) in shown.items():
        assert len(password) >= 8
        assert password not in find_user(username).password_hash
        person = web_factory()
        assert person.login(username, password).status_code == 302
        assert person.get("/").headers["Location"] == f"/{role}/"
    # the passwords appear nowhere else
    for path in ("/tutor/", f"/tutor/students/{student.id}", "/tutor/students/new"):
        page = tutor_web.get(path).get_data(as_text=True)
        assert shown["student"][1] not in page and shown["parent"][1] not in page
    dashboard = text_of(tutor_web.get("/tutor/"))
    assert "Oleg Sidorov" in dashboard and "Olga Sidorova" in dashboard


def test_cyrillic_and_repeated_names_get_free_latin_usernames(tutor_web, demo):
    family = {"student_name": "Анна Петрова", "parent_name": "Ирина Петрова"}
    first = credentials(submit_family(tutor_web, family))
    second = credentials(submit_family(tutor_web, family))
    assert first["student"][0] == "anna.petrova" and first["parent"][0] == "irina.petrova"
    assert second["student"][0].startswith("anna.petrova")
    assert second["student"][0] != "anna.petrova"
    assert second["parent"][0] != first["parent"][0]
    assert find_user(second["student"][0]).full_name == "Анна Петрова"


def test_family_form_shows_field_errors_and_creates_nothing(tutor_web, demo):
    before = user_count()
    response = tutor_web.post(
        "/tutor/students/new", {"student_name": "", "parent_name": "", "grade": "0"}
    )
    assert response.status_code == 200
    assert set(field_errors(response)) == {"student_name", "parent_name", "grade"}
    response = tutor_web.post(
        "/tutor/students/new", {**FAMILY, "parent_email": "parent@thebot.local"}
    )
    assert field_errors(response) == {"parent_email": ["This e-mail is used by another account."]}
    response = tutor_web.post("/tutor/students/new", {**FAMILY, "parent_email": "nope"})
    assert field_errors(response) == {"parent_email": ["Enter a valid e-mail address."]}
    assert user_count() == before
    assert "Oleg Sidorov" not in text_of(tutor_web.get("/tutor/"))


def test_tutor_links_an_existing_parent_by_choice_or_login(tutor_web, demo):
    student4 = demo.student4.id
    page = tutor_web.get(f"/tutor/students/{student4}")
    assert "no parent linked" in text_of(page)
    # the choice offers the parents of the tutor's own students only
    html = page.get_data(as_text=True)
    assert f'value="{demo.parent.id}"' in html and f'value="{demo.parent2.id}"' not in html
    response = tutor_web.post(f"/tutor/students/{student4}/parent", {"parent_id": demo.parent.id})
    assert response.status_code == 302
    page = text_of(tutor_web.get(response.headers["Location"]))
    assert "The parent is linked." in page and "Irina Petrova" in page
    # any parent account by username or e-mail
    response = tutor_web.post(
        f"/tutor/students/{student4}/parent",
        {"parent_id": 0, "parent_login": "Parent2@TheBot.Local"},
    )
    assert response.status_code == 302
    assert find_user("student4").student_profile.parent_id == demo.parent2.id


def test_link_parent_form_errors_change_nothing(tutor_web, demo):
    student4 = demo.student4.id
    for login in ("nobody-here", "teacher", "tutor2@thebot.local"):
        response = tutor_web.post(
            f"/tutor/students/{student4}/parent", {"parent_id": 0, "parent_login": login}
        )
        assert response.status_code == 400
        assert field_errors(response) == {
            "parent_login": ["No parent account with this username or e-mail."]
        }
    response = tutor_web.post(f"/tutor/students/{student4}/parent", {"parent_id": 0})
    assert field_errors(response) == {"parent_id": ["Choose a parent."]}
    response = tutor_web.post(f"/tutor/students/{student4}/parent", {"parent_id": demo.parent2.id})
    assert field_errors(response) == {"parent_id": ["Not a valid choice."]}
    assert find_user("student4").student_profile.parent_id is None


def test_tutor_enrolls_own_student_with_a_teacher_and_ends_it(tutor_web, web_factory, demo, ctx):
    from thebot.extensions import db
    from thebot.models import Enrollment, Subject
    from thebot.services import accounts

    chemistry = db.session.scalar(select(Subject).where(Subject.name == "Chemistry"))
    # A teacher teaches the subjects their profile lists (issue 7): Physics only, so far.
    response = tutor_web.post(
        f"/tutor/students/{demo.student2.id}/enrollments",
        {"subject_id": chemistry.id, "teacher_id": demo.teacher2.id},
    )
    assert response.status_code == 400
    assert field_errors(response) == {"teacher_id": ["Elena Volkova does not teach Chemistry."]}
    assert (
        db.session.scalar(
            select(Enrollment.id).where(
                Enrollment.student_id == demo.student2.id, Enrollment.subject_id == chemistry.id
            )
        )
        is None
    )
    accounts.update_user(
        demo.admin,
        demo.teacher2.id,
        full_name=demo.teacher2.full_name,
        email=demo.teacher2.email,
        subjects="Physics, chemistry",
    )
    response = tutor_web.post(
        f"/tutor/students/{demo.student2.id}/enrollments",
        {"subject_id": chemistry.id, "teacher_id": demo.teacher2.id},
    )
    assert response.status_code == 302
    page = text_of(tutor_web.get(response.headers["Location"]))
    assert "The student is enrolled." in page and "Chemistry — Elena Volkova" in page
    teacher = web_factory()
    teacher.login("teacher2")
    assert "Pavel Petrov" in text_of(teacher.get("/teacher/"))
    response = tutor_web.post(
        f"/tutor/students/{demo.student2.id}/enrollments",
        {"subject_id": chemistry.id, "teacher_id": demo.teacher2.id},
    )
    assert response.status_code == 400
    assert field_errors(response) == {"subject_id": ["The student already studies this subject."]}
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == demo.student2.id, Enrollment.subject_id == chemistry.id
        )
    )
    assert enrollment.teacher_id == demo.teacher2.id
    response = tutor_web.post(f"/tutor/enrollments/{enrollment.id}/end")
    assert response.headers["Location"] == f"/tutor/students/{demo.student2.id}"
    page = text_of(tutor_web.get(response.headers["Location"]))
    assert "The enrollment has ended." in page and "ended" in page
    assert "Pavel Petrov" not in text_of(teacher.get("/teacher/"))
    db.session.expire_all()
    assert enrollment.is_active is False and enrollment.ended_at is not None


def test_enroll_form_errors_change_nothing(tutor_web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import Enrollment

    def count():
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(Enrollment))

    before = count()
    response = tutor_web.post(
        f"/tutor/students/{demo.student2.id}/enrollments", {"subject_id": 0, "teacher_id": 0}
    )
    assert response.status_code == 400
    assert set(field_errors(response)) == {"subject_id", "teacher_id"}
    response = tutor_web.post(
        f"/tutor/students/{demo.student2.id}/enrollments",
        {"subject_id": subject_id("English"), "teacher_id": demo.parent.id},
    )
    assert field_errors(response) == {"teacher_id": ["Not a valid choice."]}
    response = tutor_web.post(
        f"/tutor/students/{demo.student2.id}/enrollments",
        {
            "subject_id": subject_id("English"),
            "teacher_id": demo.teacher.id,
            "custom_title": "x" * 121,
        },
    )
    assert "custom_title" in field_errors(response)
    assert count() == before


def test_a_deactivated_teacher_cannot_be_picked(tutor_web, demo):
    from thebot.services import accounts

    accounts.set_active(demo.admin, demo.teacher2.id, False)
    html = tutor_web.get(f"/tutor/students/{demo.student2.id}").get_data(as_text=True)
    teachers = re.search(r'<select[^>]*name="teacher_id".*?</select>', html, re.S).group(0)
    assert "Mikhail Orlov" in teachers and "Elena Volkova" not in teachers
    response = tutor_web.post(
        f"/tutor/students/{demo.student2.id}/enrollments",
        {"subject_id": subject_id("English"), "teacher_id": demo.teacher2.id},
    )
    assert field_errors(response) == {"teacher_id": ["Not a valid choice."]}


def test_names_are_escaped_on_every_page_they_appear(tutor_web, web_factory, demo):
    shown = credentials(
        submit_family(
            tutor_web,
            {"student_name": "<script>alert(1)</script> Kid", "parent_name": "<b>Mum</b>"},
        )
    )
    student = find_user(shown["student"][0])
    pages = [tutor_web.get("/tutor/"), tutor_web.get(f"/tutor/students/{student.id}")]
    parent = web_factory()
    parent.login(*shown["parent"])
    pages.append(parent.get("/parent/"))
    for page in pages:
        html = page.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "<b>Mum</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Kid" in html


# --- issue 7: the new-family form is idempotent (Post/Redirect/Get, credentials once) ---------


def family_count() -> int:
    from thebot.extensions import db
    from thebot.models import FamilyCreation, Role, User

    db.session.expire_all()
    return (
        db.session.scalar(select(func.count(User.id)).where(User.role == Role.STUDENT)),
        db.session.scalar(select(func.count(FamilyCreation.id))),
    )


def test_a_double_submit_of_one_form_creates_one_family(tutor_web, demo):
    students_before, families_before = family_count()
    key = form_key(tutor_web)
    first = tutor_web.post("/tutor/students/new", {"form_key": key, **FAMILY})
    second = tutor_web.post("/tutor/students/new", {"form_key": key, **FAMILY})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert family_count() == (students_before + 1, families_before + 1)
    assert find_user("oleg.sidorov") is not None and find_user("oleg.sidorov1000") is None
    # The page the second answer leads to still shows the passwords (the first was not opened).
    shown = credentials(tutor_web.get(second.headers["Location"]))
    assert set(shown) == {"student", "parent"} and shown["student"][0] == "oleg.sidorov"
    # A new form (a new key) is a new family.
    submit_family(tutor_web, {**FAMILY, "parent_email": ""})
    assert family_count() == (students_before + 2, families_before + 2)


def test_refreshing_the_result_page_shows_no_credentials_and_creates_nothing(
    tutor_web, web_factory, demo
):
    from thebot.extensions import db
    from thebot.models import FamilyCreation

    first = submit_family(tutor_web, FAMILY)
    shown = credentials(first)
    assert first.headers["Cache-Control"] == "no-store"
    location = first.request.path
    counts = family_count()
    again = tutor_web.get(location)
    assert again.status_code == 200 and credentials(again) == {}
    page = again.get_data(as_text=True)
    assert shown["student"][1] not in page and shown["parent"][1] not in page
    assert "were shown once already" in text_of(again) and "oleg.sidorov" in text_of(again)
    assert family_count() == counts
    # The passwords shown the first time are the ones that work; no password is stored.
    record = db.session.scalar(select(FamilyCreation).order_by(FamilyCreation.id.desc()))
    assert record.credentials_shown_at is not None
    assert {c.name for c in FamilyCreation.__table__.columns} == {
        "id",
        "creator_id",
        "key_hash",
        "student_id",
        "parent_id",
        "created_at",
        "credentials_shown_at",
    }
    person = web_factory()
    assert person.login(*shown["parent"]).headers["Location"] == "/"
    # Another tutor's request for the page is a 404 and reveals nothing.
    other = web_factory()
    other.login("tutor2")
    assert other.get(location).status_code == 404


def test_the_result_page_shows_no_passwords_after_it_expires(tutor_web, demo):
    from datetime import timedelta

    from thebot.extensions import db
    from thebot.models import FamilyCreation
    from thebot.services import families

    key = form_key(tutor_web)
    answer = tutor_web.post("/tutor/students/new", {"form_key": key, **FAMILY})
    record = db.session.scalar(select(FamilyCreation).order_by(FamilyCreation.id.desc()))
    record.created_at -= families.FAMILY_CREDENTIALS_TTL + timedelta(minutes=1)
    db.session.commit()
    assert credentials(tutor_web.get(answer.headers["Location"])) == {}


def test_the_new_family_form_refuses_a_post_without_csrf(tutor_web, demo):
    before = family_count()
    response = tutor_web.post(
        "/tutor/students/new", {"form_key": form_key(tutor_web), **FAMILY}, csrf=False
    )
    assert response.status_code in (200, 400)
    assert "The form has expired" in text_of(response)
    assert family_count() == before
