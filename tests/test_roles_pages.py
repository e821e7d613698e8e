"""Role areas over HTTP: each dashboard shows that role's real data, `/` routes to it, other areas
answer the 403 page, the shared layout (navigation, flash messages, language switch), accounts
whose profile row is missing, and a bounded number of SQL queries per dashboard."""

from __future__ import annotations

import pytest

from tests.support.app import count_queries
from tests.support.http import text_of

AREAS = {
    "student": "/student/",
    "parent": "/parent/",
    "tutor": "/tutor/",
    "teacher": "/teacher/",
    "admin": "/admin/",
}


def signed_in(web_factory, username: str):
    web = web_factory()
    assert web.login(username).status_code == 302
    return web


# --- dashboards with real data ----------------------------------------------------------------


def test_student_dashboard_shows_subjects_teachers_tutor_and_parent(web, demo):
    web.login("student")
    page = text_of(web.get("/student/"))
    assert "Hello, Anna Petrova" in page
    assert "Maths — Mikhail Orlov" in page and "Physics — Elena Volkova" in page
    assert "Tutor Tatiana Smirnova" in page and "Parent Irina Petrova" in page
    assert "OGE maths at 5" in page
    assert "Pavel Petrov" not in page  # the sibling is not the student's business


def test_parent_dashboard_shows_each_child_with_tutor_and_teachers(web, demo):
    web.login("parent")
    response = web.get("/parent/")
    page = text_of(response)
    assert "Anna Petrova" in page and "Pavel Petrov" in page
    assert "Maria Ivanova" not in page and "Daniil Sokolov" not in page
    assert page.count("Tatiana Smirnova") == 2
    assert "Physics — Elena Volkova" in page and "Maths — Mikhail Orlov" in page
    html = response.get_data(as_text=True)
    assert f'data-student-id="{demo.student.id}"' in html
    assert f'data-student-id="{demo.student3.id}"' not in html


def test_tutor_dashboard_lists_own_students_with_parents_and_subjects(web, demo):
    web.login("tutor")
    page = text_of(web.get("/tutor/"))
    for name in ("Anna Petrova", "Pavel Petrov", "Daniil Sokolov", "Irina Petrova"):
        assert name in page
    assert "Maria Ivanova" not in page and "Sergey Ivanov" not in page
    assert "no parent linked" in page  # student4
    assert "Physics · Elena Volkova" in page


def test_teacher_dashboard_lists_active_enrollments_with_tutor_and_parent(web, web_factory, demo):
    web.login("teacher")
    page = text_of(web.get("/teacher/"))
    for name in ("Anna Petrova", "Pavel Petrov", "Maria Ivanova", "Timur Karimov", "Sergey Ivanov"):
        assert name in page
    assert "Daniil Sokolov" not in page and "Physics" not in page
    physics = text_of(signed_in(web_factory, "teacher2").get("/teacher/"))
    assert "Anna Petrova" in physics and "Daniil Sokolov" in physics
    assert "Pavel Petrov" not in physics


def test_admin_dashboard_counts_roles_and_lists_newest_accounts(web, demo):
    web.login("admin")
    response = web.get("/admin/")
    page = text_of(response)
    assert "4 Student" in page and "3 Parent" in page and "2 Tutor" in page
    assert "2 Teacher" in page and "1 Administrator" in page
    assert "5 Active enrollments" in page
    assert "Daniil Sokolov" in page  # among the newest accounts


# --- routing and areas ------------------------------------------------------------------------


def test_home_sends_each_role_to_its_dashboard(web_factory, demo):
    for username, path in AREAS.items():
        response = signed_in(web_factory, username).get("/")
        assert response.status_code == 302 and response.headers["Location"] == path


def test_home_and_areas_send_anonymous_visitors_to_sign_in(web, demo):
    assert web.get("/").headers["Location"].startswith("/auth/login")
    response = web.get("/tutor/students/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/tutor/students/new"
    page = text_of(web.get("/tutor/", follow_redirects=True))
    assert "Please sign in to open this page." in page


def test_a_role_cannot_open_another_roles_area(web_factory, demo):
    for username in AREAS:
        web = signed_in(web_factory, username)
        for role, path in AREAS.items():
            response = web.get(path)
            if role == username:
                assert response.status_code == 200
                continue
            page = text_of(response)
            assert response.status_code == 403, (username, path)
            assert "Access denied" in page
            assert "This page belongs to another part of THE BOT." in page
            assert "data-student-id" not in response.get_data(as_text=True)  # no area content


def test_forbidden_area_forms_change_nothing(web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import User

    web.login("teacher")
    before = db.session.query(User).count()
    response = web.post("/tutor/students/new", {"student_name": "Ghost", "parent_name": "Ghost P"})
    assert response.status_code == 403
    response = web.post(
        "/admin/users/new",
        {"role": "admin", "username": "evil", "full_name": "Evil", "password": "long-enough-1"},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.query(User).count() == before


# --- shared layout ----------------------------------------------------------------------------


def test_layout_shows_the_roles_navigation_and_who_is_signed_in(web_factory, demo):
    tutor = signed_in(web_factory, "tutor").get("/tutor/")
    html = tutor.get_data(as_text=True)
    assert 'href="/tutor/students/new"' in html and 'href="/admin/users"' not in html
    assert "Tatiana Smirnova · Tutor" in text_of(tutor)
    assert 'data-test="logout"' in html
    admin = signed_in(web_factory, "admin").get("/admin/").get_data(as_text=True)
    assert 'href="/admin/users"' in admin and 'href="/admin/subjects"' in admin
    assert 'href="/tutor/students/new"' not in admin
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in admin


def test_flash_messages_are_shown_once(web, demo):
    web.login("admin")
    response = web.post(
        "/admin/subjects", {"name": "Biology", "description": "Cells"}, follow_redirects=True
    )
    assert "The subject is added." in text_of(response)
    assert "The subject is added." not in text_of(web.get("/admin/subjects"))


def test_language_switch_turns_pages_russian_and_back(web, demo):
    web.login("tutor")
    assert '<html lang="en">' in web.get("/tutor/").get_data(as_text=True)
    response = web.post("/lang", {"lang": "ru", "next": "/tutor/"})
    assert response.status_code == 302 and response.headers["Location"] == "/tutor/"
    assert "lang=ru" in response.headers["Set-Cookie"]
    russian = web.get("/tutor/")
    assert '<html lang="ru">' in russian.get_data(as_text=True)
    assert "Мои ученики" in text_of(russian) and "My students" not in text_of(russian)
    web.post("/lang", {"lang": "en", "next": "/tutor/"})
    assert '<html lang="en">' in web.get("/tutor/").get_data(as_text=True)


def test_language_switch_ignores_unknown_languages_and_foreign_next(web, demo):
    response = web.post("/lang", {"lang": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]
    assert web.post("/lang", {"lang": "ru"}, csrf=False).status_code == 400


def test_browser_language_is_the_default(web, demo):
    page = web.get("/auth/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert '<html lang="ru">' in page.get_data(as_text=True)
    page = web.get("/auth/login", headers={"Accept-Language": "de-DE"})
    assert '<html lang="en">' in page.get_data(as_text=True)


# --- accounts whose profile row is missing ----------------------------------------------------


def _drop_profile(user):
    from thebot.extensions import db

    db.session.delete(user.profile)
    db.session.commit()


def test_dashboards_work_without_the_profile_row(web_factory, demo):
    expected = {
        "student": "Your profile is not set up yet.",
        "parent": "Pavel Petrov",
        "tutor": "Pavel Petrov",
        "teacher": "Anna Petrova",
    }
    for username in expected:
        _drop_profile(demo[username])
    for username, text in expected.items():
        response = signed_in(web_factory, username).get(AREAS[username])
        assert response.status_code == 200, username
        assert text in text_of(response), username


def test_teacher_sees_a_student_whose_profile_row_is_missing(web, demo):
    _drop_profile(demo.student3)
    web.login("teacher")
    response = web.get("/teacher/")
    assert response.status_code == 200 and "Maria Ivanova" in text_of(response)
    api = web.api("GET", "/api/v1/students").get_json()["students"]
    maria = next(s for s in api if s["full_name"] == "Maria Ivanova")
    assert maria["tutor"] is None and maria["parent"] is None and maria["grade"] is None


def test_admin_opens_an_account_without_profile_row(web, demo):
    _drop_profile(demo.student4)
    web.login("admin")
    response = web.get(f"/admin/users/{demo.student4.id}")
    assert response.status_code == 200
    assert "This account has no profile row." in text_of(response)


# --- bounded queries --------------------------------------------------------------------------


def build_practice(size: int, subjects, admin):
    """A tutor, a parent and a teacher sharing `size` students, each in two subjects."""
    from thebot.services import accounts, learning, links

    tag = f"p{size}"

    def make(role, name, **fields):
        return accounts.create_user(
            None,
            role=role,
            username=f"{name}-{tag}",
            full_name=f"{name.title()} {tag}",
            password="long-pass-1",
            **fields,
        )

    tutor, parent = make("tutor", "tutor"), make("parent", "parent")
    teacher = make("teacher", "teacher", subjects=subjects[0].name)
    other_teacher = make("teacher", "teacher-b", subjects=subjects[1].name)
    for i in range(size):
        student = make("student", f"kid{i}", grade=5 + i % 5)
        links.set_links(admin, student.id, tutor_id=tutor.id, parent_id=parent.id)
        learning.enroll(
            admin, student_id=student.id, subject_id=subjects[0].id, teacher_id=teacher.id
        )
        learning.enroll(
            admin,
            student_id=student.id,
            subject_id=subjects[1].id,
            teacher_id=other_teacher.id,
            custom_title=f"Physics {i}",
        )
    return {"tutor": tutor.username, "parent": parent.username, "teacher": teacher.username}


@pytest.fixture
def practices(ctx, make_user):
    from thebot.services import learning

    admin = make_user("admin")
    subjects = [learning.create_subject(None, "Maths"), learning.create_subject(None, "Physics")]
    return {size: build_practice(size, subjects, admin) for size in (2, 6)}


@pytest.mark.parametrize(
    "role,path",
    [
        ("tutor", "/tutor/"),
        ("parent", "/parent/"),
        ("teacher", "/teacher/"),
        ("tutor", "/api/v1/students"),
        ("teacher", "/api/v1/students"),
    ],
)
def test_dashboards_run_the_same_number_of_queries_for_2_and_6_students(
    app, web_factory, practices, role, path
):
    counts = {}
    for size, usernames in practices.items():
        web = web_factory()
        web.login(usernames[role], "long-pass-1")
        with count_queries(app) as statements:
            response = web.get(path)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert all(f"Kid{i} p{size}" in body for i in range(size))  # the content is all there
        counts[size] = len(statements)
    assert counts[2] == counts[6], counts
    assert counts[6] <= 8, counts
