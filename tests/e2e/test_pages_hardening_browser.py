"""Issue 7 in real Chromium: the new-family form under double-click and reload, a page whose
account is deactivated says the session ended and lands on the sign-in page, the admin's
new-account form shows the chosen role's fields, and the progress chart's labels keep one size."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.support import PASSWORD
from tests.support.browser import browser_login

CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def _students() -> int:
    from thebot.extensions import db
    from thebot.models import Role, User

    db.session.expire_all()
    return db.session.scalar(select(func.count(User.id)).where(User.role == Role.STUDENT))


@pytest.mark.browser
def test_double_click_and_reload_of_the_new_family_form_make_one_family(new_page, demo, ctx):
    page = new_page()
    browser_login(page, "tutor")
    page.goto("/tutor/students/new")
    page.fill("input[name=student_name]", "Vera Double")
    page.fill("input[name=parent_name]", "Pyotr Double")
    before = _students()
    page.dblclick("form[data-test=new-family] button[type=submit]")
    page.wait_for_url(re.compile(r"/tutor/families/\d+$"))
    expect(page.locator("[data-test=credentials-student] [data-test=username]")).to_have_text(
        "vera.double"
    )
    password = page.locator("[data-test=credentials-parent] [data-test=password]").inner_text()
    assert _students() == before + 1
    page.reload()
    expect(page.locator("[data-test=credentials-gone]")).to_be_visible()
    assert password not in page.content()
    page.go_back()  # the form again: nothing new happens by coming back
    page.go_forward()
    expect(page.locator("[data-test=password]")).to_have_count(0)
    assert _students() == before + 1


def _deactivate(base_url: str, user_id: int) -> None:
    """An admin deactivates the account on the admin page (the service runs in the server)."""
    admin = requests.Session()
    token = CSRF_META.search(admin.get(f"{base_url}/auth/login", timeout=10).text).group(1)
    admin.post(
        f"{base_url}/auth/login",
        timeout=10,
        data={"login": "admin", "password": PASSWORD, "csrf_token": token},
    )
    token = CSRF_META.search(admin.get(f"{base_url}/admin/", timeout=10).text).group(1)
    answer = admin.post(
        f"{base_url}/admin/users/{user_id}/active",
        timeout=10,
        data={"active": "0", "csrf_token": token},
    )
    assert "The account is deactivated." in answer.text


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/parent/", "/chat/", "/parent/reports"])
def test_a_deactivated_users_open_page_says_the_session_ended(
    new_page, live_server, demo, ctx, path
):
    from thebot.services import accounts

    page = new_page()
    browser_login(page, "parent2")
    page.goto(path)
    page.wait_for_function(
        "() => window.TheBot && TheBot.notificationSocket && TheBot.notificationSocket().connected"
    )
    try:
        _deactivate(live_server.url, demo.parent2.id)
        expect(page.locator("[data-test=session-ended]")).to_have_text(
            "Your session has ended. Please sign in again."
        )
        page.wait_for_url(re.compile(r"/auth/login\?next="), timeout=15_000)
        expect(page.locator("input[name=login]")).to_be_visible()
    finally:
        accounts.set_active(demo.admin, demo.parent2.id, True)


@pytest.mark.browser
def test_the_new_account_form_shows_the_chosen_roles_fields(new_page, demo):
    page = new_page()
    browser_login(page, "admin")
    page.goto("/admin/users/new")

    def shown() -> list[str]:
        return [
            name
            for name in ("grade", "goal", "phone", "bio", "subjects")
            if page.locator(f"[data-profile-field={name}]").is_visible()
        ]

    page.select_option("select[name=role]", "student")
    assert shown() == ["grade", "goal"]
    page.select_option("select[name=role]", "teacher")
    assert shown() == ["bio", "subjects"]
    page.select_option("select[name=role]", "parent")
    assert shown() == ["phone"]
    page.select_option("select[name=role]", "admin")
    assert shown() == [] and not page.locator("[data-profile-fieldset]").is_visible()


@pytest.mark.browser
def test_chart_labels_keep_one_readable_size_at_every_width(new_page, demo):
    sizes = {}
    for width in (360, 1280):
        page = new_page(viewport={"width": width, "height": 900})
        browser_login(page, "parent")
        page.goto(f"/parent/children/{demo.student.id}")
        label = page.locator(".chart-weeks > span > span").first
        expect(label).to_be_visible()
        sizes[width] = (
            page.locator(".chart-axis-left span").first.evaluate(
                "e => getComputedStyle(e).fontSize"
            ),
            label.evaluate("e => e.getBoundingClientRect().height"),
        )
        plot = page.locator(".chart-plot").bounding_box()
        assert plot["width"] <= width and plot["height"] == pytest.approx(200, abs=1)
    assert sizes[360] == sizes[1280] and sizes[360][0] == "13px"
