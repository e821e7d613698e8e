"""The foundation as a person sees it in real Chromium: every role signs in through the form and
sees their dashboard; a tutor creates a family and the new parent signs in with the credentials
the page showed; the language switch; a phone-sized screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import browser_login

pytestmark = pytest.mark.browser

DASHBOARDS = {
    "student": (
        "/student/",
        [
            "Hello, Anna Petrova",
            "Mikhail Orlov",
            "Elena Volkova",
            "Tatiana Smirnova",
            "Irina Petrova",
        ],
    ),
    "parent": ("/parent/", ["My children", "Anna Petrova", "Pavel Petrov", "Tatiana Smirnova"]),
    "tutor": (
        "/tutor/",
        ["My students", "Anna Petrova", "Pavel Petrov", "Daniil Sokolov", "Irina Petrova"],
    ),
    "teacher": (
        "/teacher/",
        ["My students", "Anna Petrova", "Pavel Petrov", "Maria Ivanova", "Timur Karimov"],
    ),
    "admin": ("/admin/", ["Overview", "Newest accounts", "Active enrollments"]),
}
NOT_SHOWN = {
    "student": "Maria Ivanova",
    "parent": "Maria Ivanova",
    "tutor": "Maria Ivanova",
    "teacher": "Daniil Sokolov",
    "admin": "Wrong login or password.",
}


@pytest.mark.parametrize("username", list(DASHBOARDS))
def test_each_role_signs_in_and_sees_its_dashboard(new_page, live_server, demo, username):
    path, expected = DASHBOARDS[username]
    page = new_page()
    browser_login(page, username)
    assert page.url == live_server.url + path
    main = page.locator("main")
    for text in expected:
        expect(main).to_contain_text(text)
    expect(main).not_to_contain_text(NOT_SHOWN[username])
    expect(page.locator(".whoami")).to_contain_text(demo[username].full_name)


def test_wrong_password_keeps_the_person_on_the_sign_in_page(new_page, live_server, demo):
    page = new_page()
    browser_login(page, "tutor", "not-the-password")
    assert page.url.startswith(live_server.url + "/auth/login")
    expect(page.locator("[data-field-error=password]")).to_have_text("Wrong login or password.")


def test_tutor_creates_a_family_and_the_parent_signs_in_with_the_shown_credentials(
    new_page, live_server, demo
):
    page = new_page()
    browser_login(page, "tutor")
    page.click("a.button.primary:has-text('New student')")
    page.fill("input[name=student_name]", "Lev Orlov")
    page.fill("input[name=grade]", "7")
    page.fill("textarea[name=goal]", "Enjoy geometry")
    page.fill("input[name=parent_name]", "Vera Orlova")
    page.fill("input[name=parent_phone]", "+7 902 000-11-22")
    page.click("form[data-test=new-family] button[type=submit]")
    expect(page.locator("h1")).to_have_text("Accounts created")
    parent_card = page.locator("[data-test=credentials-parent]")
    username = parent_card.locator("[data-test=username]").inner_text().strip()
    password = parent_card.locator("[data-test=password]").inner_text().strip()
    assert username == "vera.orlova" and len(password) >= 8

    page.click("[data-test=logout]")
    expect(page.locator("h1")).to_have_text("Sign in")
    browser_login(page, username, password)
    assert page.url == live_server.url + "/parent/"
    child = page.locator("[data-test=child]")
    expect(child).to_have_count(1)
    expect(child).to_contain_text("Lev Orlov")
    expect(child).to_contain_text("Tatiana Smirnova")
    expect(page.locator(".whoami")).to_contain_text("Vera Orlova")


def test_the_language_switch_turns_the_page_russian(new_page, demo):
    page = new_page()
    browser_login(page, "teacher")
    assert page.locator("html").get_attribute("lang") == "en"
    page.click(".lang-switch button[value=ru]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/teacher/")
    assert page.locator("html").get_attribute("lang") == "ru"
    expect(page.locator("main h1")).to_have_text("Мои ученики")
    expect(page.locator("[data-test=logout]")).to_have_text("Выйти")
    expect(page.locator("main")).to_contain_text("Anna Petrova")
    page.reload()
    assert page.locator("html").get_attribute("lang") == "ru"  # the choice is remembered
    page.click(".lang-switch button[value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("username", ["tutor", "teacher", "admin"])
def test_phone_screen_has_no_horizontal_scroll_and_a_menu_toggle(new_page, demo, username):
    page = new_page(viewport={"width": 390, "height": 844})
    browser_login(page, username)
    path, expected = DASHBOARDS[username]
    expect(page.locator("main")).to_contain_text(expected[1])
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    nav = page.locator("nav.mainnav")
    expect(nav).to_be_hidden()
    page.click("label.nav-toggle-label")
    expect(nav).to_be_visible()
    first_link = nav.locator("a").first
    expect(first_link).to_be_visible()
    first_link.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(path)
