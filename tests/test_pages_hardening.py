"""Issue 7, the pages: a deactivated account is told so at sign-in (page and API) while a wrong
password keeps the one generic answer; notifications render in the viewer's current language."""

from __future__ import annotations

from tests.support import PASSWORD
from tests.support.http import text_of


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
        "message": "This account is deactivated. Ask an administrator to reactivate it.",
    }
    assert "token" not in answer.get_json()
    wrong = web.api(
        "POST", "/api/v1/auth/login", json={"login": "parent2", "password": "nope-nope"}
    )
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["message"] == "Wrong login or password."
    russian = web.api(
        "POST",
        "/api/v1/auth/login",
        headers={"Accept-Language": "ru"},
        json={"login": "parent2", "password": PASSWORD},
    )
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
    fields = json.loads(
        re.search(r'data-role-fields="([^"]+)"', html)
        .group(1)
        .replace("&#34;", '"')
        .replace("&quot;", '"')
    )
    assert fields == {
        "student": ["grade", "goal"],
        "parent": ["phone"],
        "tutor": ["bio", "subjects"],
        "teacher": ["bio", "subjects"],
        "admin": [],
    }
    for name in ("grade", "goal", "phone", "bio", "subjects"):  # without JS all fields show
        assert f'data-profile-field="{name}"' in html


# --- notifications in the viewer's current language (issue 7, point 14) -----------------------


def _sent_report_notification(family, week="2026-11-09"):
    from thebot.services.reports import writing

    report = writing.create_report(
        family.tutor,
        kind="tutor",
        student_id=family.student.id,
        week_start=week,
        fields={"summary": "Fractions are solid."},
    )
    writing.send_report(family.tutor, report.id)
    return report


def test_old_notifications_follow_the_viewers_language_with_localized_dates(web, family):
    from thebot.extensions import db
    from thebot.models import Notification

    _sent_report_notification(family)  # created while the parent reads English
    stored = db.session.scalar(
        db.select(Notification).where(Notification.user_id == family.parent.id)
    )
    assert stored.params["week"] == "2026-11-09" and "Nov 9, 2026" in stored.title

    web.login(family.parent.username)
    english = text_of(web.get("/notifications/"))
    assert "New report: Sam Student, week of Nov 9, 2026" in english
    web.post("/lang", {"lang": "ru", "next": "/notifications/"})
    russian = text_of(web.get("/notifications/"))
    assert "Новый отчёт: Sam Student, неделя с 9 нояб. 2026 г." in russian
    assert "2026-11-09" not in russian and "week of" not in russian
    api = web.api("GET", "/api/v1/notifications").get_json()["notifications"][0]
    assert " ".join(api["title"].split()) == "Новый отчёт: Sam Student, неделя с 9 нояб. 2026 г."
    assert api["body"] == "Fractions are solid."
    web.post("/lang", {"lang": "en", "next": "/notifications/"})
    assert "week of Nov 9, 2026" in text_of(web.get("/notifications/"))


def test_a_read_receipt_and_a_chat_notification_render_in_the_current_language(web, family):
    from thebot.services import notify_texts
    from thebot.services.reports import reading

    report = _sent_report_notification(family)
    reading.open_report(family.parent, report.id)  # the tutor is told it was read
    web.login(family.tutor.username)
    web.post("/lang", {"lang": "ru", "next": "/notifications/"})
    page = text_of(web.get("/notifications/"))
    assert "Отчёт прочитан: Sam Student, неделя с 9 нояб. 2026 г." in page
    assert "Paula Parent" in page and "has read your report" not in page
    title, body = notify_texts.render("message", {"sender": "Anna", "snippet": "Hi <b>there</b>"})
    assert (title, body) == ("New message from Anna", "Hi <b>there</b>")


def test_the_settings_page_shows_only_what_the_product_has(web, family):
    from thebot.models.notifications import CATEGORIES, LIVE_CATEGORIES
    from thebot.services import notify

    web.login(family.parent.username)
    page = web.get("/notifications/settings").get_data(as_text=True)
    shown = set(__import__("re").findall(r'<tr data-category="(\w+)"', page))
    assert shown == set(LIVE_CATEGORIES) and {"chat", "reports", "billing", "homework"} <= shown
    assert "Invoices and payments" in page and "Homework" in page
    saved = web.post("/notifications/settings", {"chat_in_app": "y"}, follow_redirects=True)
    assert "Your notification settings are saved." in text_of(saved)
    settings = notify.settings_for(family.parent)
    assert settings["chat"] == {"in_app": True, "email": False}
    assert settings["reports"] == {"in_app": False, "email": False}
    assert settings["billing"] == {"in_app": False, "email": False}
    assert settings["homework"] == {"in_app": False, "email": False}
    for category in set(CATEGORIES) - shown:  # untouched: not on the page
        assert settings[category] == {"in_app": True, "email": True}


def test_list_pages_carry_their_counters_plural_forms(web, family):
    import html
    import json
    import re

    _sent_report_notification(family)
    web.login(family.parent.username)
    web.post("/lang", {"lang": "ru", "next": "/"})
    page = web.get("/notifications/").get_data(as_text=True)
    forms = json.loads(
        html.unescape(
            re.search(
                r'data-test="unread-summary" data-count="1"\s+data-forms="([^"]+)"', page
            ).group(1)
        )
    )
    assert set(forms) >= {"one", "few", "many"}  # Russian's categories for whole numbers
    assert all("{count}" in text for text in forms.values())
    inbox = web.get("/parent/reports").get_data(as_text=True)
    assert re.search(r'data-reports-unread data-count="1"', inbox)
