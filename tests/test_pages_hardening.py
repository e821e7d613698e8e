"""Issue 7, the pages: a deactivated account is told so at sign-in (page and API) while a wrong
password keeps the one generic answer; notifications render in the viewer's current language."""
from __future__ import annotations

from tests.conftest import PASSWORD, text_of


def test_the_right_password_of_a_deactivated_account_says_so_on_the_page(web, demo):
    from thebot.services import accounts
    accounts.set_active(demo.admin, demo.parent2.id, False)
    response = web.post("/auth/login", {"login": "parent2", "password": PASSWORD})
    page = text_of(response)
    assert "This account is deactivated. Ask an administrator to reactivate it." in page
    assert "Wrong login or password." not in page
    assert "Sign out" not in page  # not signed in
    wrong = text_of(web.post("/auth/login", {"login": "parent2", "password": "not-the-one"}))
    assert "Wrong login or password." in wrong and "deactivated" not in wrong
    unknown = text_of(web.post("/auth/login", {"login": "nobody-at-all", "password": PASSWORD}))
    assert "Wrong login or password." in unknown and "deactivated" not in unknown
    assert web.get("/parent/").status_code == 302  # still signed out


def test_the_right_password_of_a_deactivated_account_says_so_on_the_api(web, demo):
    from thebot.services import accounts
    accounts.set_active(demo.admin, demo.parent2.id, False)
    answer = web.api("POST", "/api/v1/auth/login", json={"login": "parent2", "password": PASSWORD})
    assert answer.status_code == 403
    assert answer.get_json()["error"] == {
        "code": "forbidden",
        "message": "This account is deactivated. Ask an administrator to reactivate it."}
    assert "token" not in answer.get_json()
    wrong = web.api("POST", "/api/v1/auth/login", json={"login": "parent2", "password": "nope-nope"})
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["message"] == "Wrong login or password."
    russian = web.api("POST", "/api/v1/auth/login", headers={"Accept-Language": "ru"},
                      json={"login": "parent2", "password": PASSWORD})
    assert russian.get_json()["error"]["message"].startswith("Эта учётная запись отключена")
    # Reactivated, the same password signs in again.
    accounts.set_active(demo.admin, demo.parent2.id, True)
    again = web.api("POST", "/api/v1/auth/login", json={"login": "parent2", "password": PASSWORD})
    assert again.status_code == 200 and again.get_json()["token"]


def test_the_admin_new_account_form_marks_each_profile_field_with_its_role(web, demo):
    import json
    import re
    web.login("admin")
    html = web.get("/admin/users/new").get_data(as_text=True)
    assert re.search(r'<script src="/static/js/role_fields\.js[^"]*" defer></script>', html)
    fields = json.loads(re.search(r'data-role-fields="([^"]+)"', html).group(1)
                        .replace("&#34;", '"').replace("&quot;", '"'))
    assert fields == {"student": ["grade", "goal"], "parent": ["phone"],
                      "tutor": ["bio", "subjects"], "teacher": ["bio", "subjects"], "admin": []}
    for name in ("grade", "goal", "phone", "bio", "subjects"):  # without JS all fields show
        assert f'data-profile-field="{name}"' in html
