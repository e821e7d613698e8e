"""The administrator's pages over HTTP: accounts of every role (with their profiles), editing,
deactivation, links, enrollments and subjects; every form shows its field errors and a refused
form changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.data import find_user, subject_id, user_count
from tests.support.http import field_errors, text_of

NEW_PASSWORD = "fresh-pass-42"


@pytest.fixture
def admin_web(web, demo):
    assert web.login("admin").status_code == 302
    return web


@pytest.mark.parametrize(
    "role,profile,expected",
    [
        ("student", {"grade": "7", "goal": "Pass the exam"}, {"grade": 7, "goal": "Pass the exam"}),
        ("parent", {"phone": "+7 999 000-00-00"}, {"phone": "+7 999 000-00-00"}),
        (
            "tutor",
            {"bio": "Ten years", "subjects": "Maths"},
            {"bio": "Ten years", "subjects": "Maths"},
        ),
        (
            "teacher",
            {"bio": "Physicist", "subjects": "Physics"},
            {"bio": "Physicist", "subjects": "Physics"},
        ),
        ("admin", {}, None),
    ],
)
def test_admin_creates_an_account_of_every_role_with_its_profile(
    web_factory, make_user, role, profile, expected
):
    make_user("admin", "boss")
    admin_web = web_factory()
    admin_web.login("boss")
    form = {
        "role": role,
        "username": f"New.{role}",
        "full_name": f"New {role.title()}",
        "email": f"New.{role}@Example.org",
        "password": NEW_PASSWORD,
        # fields of other roles are ignored
        "phone": "",
        "bio": "",
        "subjects": "",
        "goal": "",
        **profile,
    }
    response = admin_web.post("/admin/users/new", form)
    assert response.status_code == 302
    page = admin_web.get(response.headers["Location"])
    assert f"The account new.{role} is created." in text_of(page)
    user = find_user(f"new.{role}")
    assert user.role.value == role and user.email == f"new.{role}@example.org"
    if expected is None:
        assert user.profile is None
    else:
        assert {k: getattr(user.profile, k) for k in expected} == expected
    assert NEW_PASSWORD not in user.password_hash
    newcomer = web_factory()
    assert newcomer.login(f"NEW.{role}", NEW_PASSWORD).headers["Location"] == "/"
    assert newcomer.get("/").headers["Location"] == f"/{role}/"


def test_new_account_form_shows_field_errors_and_creates_nothing(admin_web, demo):
    before = user_count()
    response = admin_web.post(
        "/admin/users/new",
        {
            "role": "student",
            "username": "Tutor",
            "full_name": "Someone",
            "email": "tutor@thebot.local",
            "password": NEW_PASSWORD,
            "grade": "5",
        },
    )
    assert response.status_code == 400
    assert field_errors(response) == {
        "username": ["This username is taken."],
        "email": ["This e-mail is used by another account."],
    }
    response = admin_web.post(
        "/admin/users/new",
        {"role": "student", "username": "x", "full_name": "", "password": "short", "grade": "13"},
    )
    errors = field_errors(response)
    assert response.status_code == 400
    assert set(errors) == {"full_name", "password", "grade"}
    assert "Number must be between 1 and 12." in errors["grade"]
    response = admin_web.post(
        "/admin/users/new",
        {
            "role": "parent",
            "username": "someone",
            "full_name": "Someone",
            "email": "not-an-email",
            "password": NEW_PASSWORD,
        },
    )
    assert field_errors(response) == {"email": ["Enter a valid e-mail address."]}
    response = admin_web.post(
        "/admin/users/new",
        {"role": "wizard", "username": "merlin", "full_name": "Merlin", "password": NEW_PASSWORD},
    )
    assert "role" in field_errors(response)
    response = admin_web.post(
        "/admin/users/new",
        {"role": "teacher", "username": "bad name!", "full_name": "Bad", "password": NEW_PASSWORD},
    )
    assert field_errors(response)["username"][0].startswith("3–64 characters")
    assert user_count() == before


def test_admin_edits_name_email_profile_and_password(admin_web, web_factory, demo):
    student_web = web_factory()
    student_web.login("student")
    response = admin_web.post(
        f"/admin/users/{demo.student.id}",
        {
            "full_name": "Anna P. Petrova",
            "email": "Anna@Example.org",
            "password": NEW_PASSWORD,
            "grade": "10",
            "goal": "EGE maths",
        },
    )
    assert response.status_code == 302
    assert "Saved." in text_of(admin_web.get(response.headers["Location"]))
    user = find_user("student")
    assert (user.full_name, user.email) == ("Anna P. Petrova", "anna@example.org")
    assert (user.student_profile.grade, user.student_profile.goal) == (10, "EGE maths")
    assert user.student_profile.tutor_id == demo.tutor.id  # links are not part of this form
    # a new password ends the old browser session; the new one works, the old one does not
    assert student_web.get("/student/").status_code == 302
    assert web_factory().login("student").status_code == 200
    assert web_factory().login("anna@example.org", NEW_PASSWORD).status_code == 302


def test_saving_an_account_as_shown_keeps_it(admin_web, demo):
    # the demo e-mails use the reserved .local domain; the form must accept what it shows
    response = admin_web.post(
        f"/admin/users/{demo.tutor.id}",
        {
            "full_name": "Tatiana Smirnova",
            "email": "tutor@thebot.local",
            "bio": "New bio",
            "subjects": "Russian",
        },
    )
    assert response.status_code == 302
    user = find_user("tutor")
    assert (user.email, user.tutor_profile.bio) == ("tutor@thebot.local", "New bio")


def test_edit_form_shows_field_errors_and_changes_nothing(admin_web, demo):
    response = admin_web.post(
        f"/admin/users/{demo.parent.id}",
        {"full_name": "Irina", "email": "parent2@thebot.local", "phone": "123"},
    )
    assert response.status_code == 400
    assert field_errors(response) == {"email": ["This e-mail is used by another account."]}
    response = admin_web.post(
        f"/admin/users/{demo.parent.id}", {"full_name": "", "email": "", "password": "short"}
    )
    assert set(field_errors(response)) == {"full_name", "password"}
    user = find_user("parent")
    assert (user.full_name, user.email, user.parent_profile.phone) == (
        "Irina Petrova",
        "parent@thebot.local",
        "+7 900 111-22-33",
    )


def test_deactivation_ends_sessions_and_sign_in_until_reactivated(admin_web, web_factory, demo):
    tutor_web = web_factory()
    tutor_web.login("tutor")
    response = admin_web.post(f"/admin/users/{demo.tutor.id}/active", {"active": "0"})
    page = text_of(admin_web.get(response.headers["Location"]))
    assert "The account is deactivated." in page and "deactivated" in page
    assert tutor_web.get("/tutor/").status_code == 302
    # The right password now says why (issue 7); a wrong one keeps the generic answer.
    assert "This account is deactivated." in text_of(web_factory().login("tutor"))
    assert "Wrong login or password." in text_of(web_factory().login("tutor", "wrong-pass-1"))
    listed = text_of(admin_web.get("/admin/users?role=tutor"))
    assert "Tatiana Smirnova" in listed and "deactivated" in listed
    response = admin_web.post(f"/admin/users/{demo.tutor.id}/active", {"active": "1"})
    assert "The account is active." in text_of(admin_web.get(response.headers["Location"]))
    assert web_factory().login("tutor").status_code == 302


def test_admin_cannot_deactivate_themselves(admin_web, demo):
    response = admin_web.post(
        f"/admin/users/{demo.admin.id}/active", {"active": "0"}, follow_redirects=True
    )
    assert "You cannot deactivate your own account." in text_of(response)
    assert find_user("admin").active is True
    assert admin_web.get("/admin/").status_code == 200


def test_admin_links_a_student_to_tutor_and_parent(admin_web, web_factory, demo, make_user):
    newcomer = make_user("student", "newcomer", full_name="Nina Newcomer")
    page = text_of(admin_web.get(f"/admin/users/{newcomer.id}"))
    assert "Links" in page and "No subjects yet." in page
    response = admin_web.post(
        f"/admin/users/{newcomer.id}/links",
        {"tutor_id": demo.tutor2.id, "parent_id": demo.parent2.id},
    )
    assert response.status_code == 302
    assert "Links saved." in text_of(admin_web.get(response.headers["Location"]))
    profile = find_user("newcomer").student_profile
    assert (profile.tutor_id, profile.parent_id) == (demo.tutor2.id, demo.parent2.id)
    assert "Nina Newcomer" in text_of(_page(web_factory, "tutor2", "/tutor/"))
    # clearing both links
    admin_web.post(f"/admin/users/{newcomer.id}/links", {"tutor_id": 0, "parent_id": 0})
    profile = find_user("newcomer").student_profile
    assert (profile.tutor_id, profile.parent_id) == (None, None)


def _page(web_factory, username, path):
    web = web_factory()
    web.login(username)
    return web.get(path)


def test_links_form_refuses_unknown_people_and_non_students(admin_web, demo):
    response = admin_web.post(
        f"/admin/users/{demo.student.id}/links",
        {"tutor_id": demo.teacher.id, "parent_id": demo.parent.id},
    )
    assert response.status_code == 400
    assert field_errors(response) == {"tutor_id": ["Not a valid choice."]}
    assert find_user("student").student_profile.tutor_id == demo.tutor.id
    response = admin_web.post(
        f"/admin/users/{demo.teacher.id}/links", {"tutor_id": demo.tutor.id, "parent_id": 0}
    )
    assert response.status_code == 404
    assert admin_web.get("/admin/users/999999").status_code == 404


def test_admin_enrolls_and_ends_enrollments(admin_web, web_factory, demo, ctx):
    from thebot.extensions import db
    from thebot.models import Enrollment, Subject
    from thebot.services import accounts

    english = db.session.scalar(select(Subject).where(Subject.name == "English"))
    # Only a teacher of the subject (their profile lists it) is enrolled, also by an admin.
    response = admin_web.post(
        f"/admin/users/{demo.student4.id}/enrollments",
        {"subject_id": english.id, "teacher_id": demo.teacher.id, "custom_title": "IELTS prep"},
    )
    assert response.status_code == 400
    assert field_errors(response) == {"teacher_id": ["Mikhail Orlov does not teach English."]}
    accounts.update_user(
        demo.admin,
        demo.teacher.id,
        full_name=demo.teacher.full_name,
        email=demo.teacher.email,
        subjects="Maths; English",
    )
    response = admin_web.post(
        f"/admin/users/{demo.student4.id}/enrollments",
        {"subject_id": english.id, "teacher_id": demo.teacher.id, "custom_title": "IELTS prep"},
    )
    assert response.status_code == 302
    page = text_of(admin_web.get(response.headers["Location"]))
    assert "The student is enrolled." in page and "IELTS prep — Mikhail Orlov" in page
    assert "Daniil Sokolov" in text_of(_page(web_factory, "teacher", "/teacher/"))
    # the same subject again while active: a field error, nothing stored
    response = admin_web.post(
        f"/admin/users/{demo.student4.id}/enrollments",
        {"subject_id": english.id, "teacher_id": demo.teacher2.id},
    )
    assert response.status_code == 400
    assert field_errors(response) == {"subject_id": ["The student already studies this subject."]}
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == demo.student4.id, Enrollment.subject_id == english.id
        )
    )
    response = admin_web.post(f"/admin/enrollments/{enrollment.id}/end")
    assert response.headers["Location"] == f"/admin/users/{demo.student4.id}"
    assert "The enrollment has ended." in text_of(admin_web.get(response.headers["Location"]))
    assert "Daniil Sokolov" not in text_of(_page(web_factory, "teacher", "/teacher/"))
    # once ended, the subject may be taken again
    response = admin_web.post(
        f"/admin/users/{demo.student4.id}/enrollments",
        {"subject_id": english.id, "teacher_id": demo.teacher.id},
    )
    assert response.status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(
        select(Enrollment).where(
            Enrollment.student_id == demo.student4.id, Enrollment.subject_id == english.id
        )
    ).all()
    assert sorted(r.is_active for r in rows) == [False, True]


def test_enroll_form_requires_a_subject_and_a_teacher(admin_web, demo):
    response = admin_web.post(
        f"/admin/users/{demo.student4.id}/enrollments", {"subject_id": 0, "teacher_id": 0}
    )
    assert response.status_code == 400
    assert set(field_errors(response)) == {"subject_id", "teacher_id"}
    response = admin_web.post(
        f"/admin/users/{demo.student4.id}/enrollments",
        {"subject_id": subject_id("Maths"), "teacher_id": demo.tutor.id},
    )
    assert field_errors(response) == {"teacher_id": ["Not a valid choice."]}


def test_admin_adds_subjects_and_duplicates_are_refused(admin_web, demo):
    response = admin_web.post("/admin/subjects", {"name": "Biology", "description": "Cells"})
    assert response.status_code == 302
    page = text_of(admin_web.get("/admin/subjects"))
    assert "Biology — Cells" in page
    response = admin_web.post("/admin/subjects", {"name": "  biology "})
    assert response.status_code == 400
    assert field_errors(response) == {"name": ["This subject exists already."]}
    response = admin_web.post("/admin/subjects", {"name": ""})
    assert response.status_code == 400 and "name" in field_errors(response)
    assert text_of(admin_web.get("/admin/subjects")).count("Biology") == 1


def test_people_list_filters_by_role_and_search(admin_web, demo):
    tutors = text_of(admin_web.get("/admin/users?role=tutor"))
    assert "Tatiana Smirnova" in tutors and "Timur Karimov" in tutors
    assert "Anna Petrova" not in tutors
    found = text_of(admin_web.get("/admin/users?q=PETROV"))
    assert "Anna Petrova" in found and "Pavel Petrov" in found and "Irina Petrova" in found
    assert "Maria Ivanova" not in found
    assert "Nobody matches." in text_of(admin_web.get("/admin/users?q=zzzz"))
    assert "Sergey Ivanov" in text_of(admin_web.get("/admin/users?q=parent2@thebot"))


def test_user_pages_show_each_roles_relations(admin_web, demo):
    assert "Anna Petrova" in text_of(admin_web.get(f"/admin/users/{demo.tutor.id}"))
    teacher = text_of(admin_web.get(f"/admin/users/{demo.teacher2.id}"))
    assert "Daniil Sokolov — Physics" in teacher
    parent = text_of(admin_web.get(f"/admin/users/{demo.parent2.id}"))
    assert "Maria Ivanova" in parent and "Anna Petrova" not in parent
