"""The JSON API and the pages of the notification centre: lists, paging, marking read, settings,
404 for other people's notifications, bad input refused without changes, CSRF, the bell."""

from __future__ import annotations

import re

import pytest

from tests.support.http import api_token, text_of


def _notify(user, kind="invoice_sent", title="Invoice for May", **kw):
    from thebot.extensions import db
    from thebot.services import notify

    record = notify.notify(user, kind, title=title, **kw)
    db.session.commit()
    return record.id


def _unread(user):
    from thebot.services import notify

    return notify.unread_count(user)


# --- API --------------------------------------------------------------------------------------


def test_api_lists_own_notifications_newest_first_with_paging(web, family):
    ids = [
        _notify(family.parent, title=f"Invoice {i}", url=f"/parent/invoices/{i}") for i in range(5)
    ]
    _notify(family.other_parent, title="Not yours")
    token = api_token(family.parent)
    first = web.api("GET", "/api/v1/notifications?limit=2", token=token).get_json()
    assert first["unread"] == 5
    assert [n["id"] for n in first["notifications"]] == [ids[4], ids[3]]
    assert first["notifications"][0] == {
        "id": ids[4],
        "kind": "invoice_sent",
        "title": "Invoice 4",
        "body": "",
        "url": "/parent/invoices/4",
        "read": False,
        "created_at": first["notifications"][0]["created_at"],
    }
    rest = web.api("GET", f"/api/v1/notifications?before_id={ids[3]}", token=token).get_json()
    assert [n["id"] for n in rest["notifications"]] == [ids[2], ids[1], ids[0]]
    assert all(n["title"] != "Not yours" for n in first["notifications"] + rest["notifications"])


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=ten", "before_id=-1", "before_id=1.5"]
)
def test_api_bad_paging_is_a_validation_error(web, family, query):
    response = web.api("GET", f"/api/v1/notifications?{query}", token=api_token(family.parent))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "validation_error"


def test_api_mark_read_and_read_all(web, family):
    first, second = _notify(family.parent), _notify(family.parent, "report_sent", title="Report")
    theirs = _notify(family.other_parent)
    token = api_token(family.parent)
    response = web.api("POST", f"/api/v1/notifications/{first}/read", token=token)
    assert response.get_json() == {"unread": 1}
    listed = web.api("GET", "/api/v1/notifications", token=token).get_json()["notifications"]
    assert {n["id"]: n["read"] for n in listed} == {first: True, second: False}
    read_all = web.api("POST", "/api/v1/notifications/read-all", token=token)
    assert read_all.get_json() == {"unread": 0}
    assert _unread(family.other_parent) == 1 and theirs


def test_api_another_users_notification_is_not_found_and_stays_unread(web, family):
    theirs = _notify(family.other_parent)
    response = web.api(
        "POST", f"/api/v1/notifications/{theirs}/read", token=api_token(family.parent)
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    missing = web.api("POST", "/api/v1/notifications/999999/read", token=api_token(family.parent))
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert _unread(family.other_parent) == 1


def test_api_settings_read_and_partial_update(web, family):
    token = api_token(family.parent)
    got = web.api("GET", "/api/v1/notifications/settings", token=token).get_json()
    assert got["categories"]["chat"] == {"in_app": True, "email": False}
    assert got["categories"]["billing"] == {"in_app": True, "email": True}
    put = web.api(
        "PUT",
        "/api/v1/notifications/settings",
        token=token,
        json={"categories": {"chat": {"email": True}, "billing": {"in_app": False}}},
    )
    assert put.status_code == 200
    assert put.get_json()["categories"]["chat"] == {"in_app": True, "email": True}
    again = web.api("GET", "/api/v1/notifications/settings", token=token).get_json()
    assert again["categories"]["billing"] == {"in_app": False, "email": True}
    assert again["categories"]["reports"] == {"in_app": True, "email": True}


@pytest.mark.parametrize(
    "body",
    [
        {"categories": {"chat": {"email": "yes"}}},
        {"categories": {"weather": {"email": True}}},
        {"categories": "all"},
        {},
    ],
)
def test_api_bad_settings_change_nothing(web, family, body):
    token = api_token(family.parent)
    response = web.api("PUT", "/api/v1/notifications/settings", token=token, json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and error["fields"]
    got = web.api("GET", "/api/v1/notifications/settings", token=token).get_json()
    assert got["categories"]["chat"] == {"in_app": True, "email": False}


def test_api_settings_body_must_be_json_object(web, family):
    response = web.api(
        "PUT",
        "/api/v1/notifications/settings",
        token=api_token(family.parent),
        data="not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_api_needs_a_caller_and_session_writes_need_csrf(web, family):
    assert web.api("GET", "/api/v1/notifications").status_code == 401
    mine = _notify(family.parent)
    web.login(family.parent.username)
    listed = web.api("GET", "/api/v1/notifications").get_json()
    assert [n["id"] for n in listed["notifications"]] == [mine]
    refused = web.api("POST", f"/api/v1/notifications/{mine}/read")
    assert refused.status_code == 400 and _unread(family.parent) == 1
    accepted = web.api("POST", f"/api/v1/notifications/{mine}/read", csrf=True)
    assert accepted.get_json() == {"unread": 0}


# --- pages ------------------------------------------------------------------------------------


def test_list_page_shows_own_notifications_escaped(web, family):
    _notify(
        family.parent,
        title="<b>Invoice</b> for May",
        body="Due <i>soon</i>",
        url="/parent/invoices/3",
    )
    _notify(family.other_parent, title="Olga's invoice")
    web.login(family.parent.username)
    page = web.get("/notifications/")
    html = page.get_data(as_text=True)
    assert "&lt;b&gt;Invoice&lt;/b&gt; for May" in html and "<b>Invoice</b>" not in html
    assert "Due &lt;i&gt;soon&lt;/i&gt;" in html
    text = text_of(page)
    assert "1 unread notification" in text
    assert "Olga's invoice" not in text


def test_bell_on_every_page_shows_the_unread_count(web, family):
    for i in range(3):
        _notify(family.parent, title=f"Invoice {i}")
    web.login(family.parent.username)
    html = web.get("/", follow_redirects=True).get_data(as_text=True)
    bell = re.search(r'<a href="/notifications/" class="bell".*?</a>', html, re.S).group(0)
    assert 'data-count="3"' in bell and ">3</span>" in bell
    assert "js/notifications.js" in html
    assert html.count("socket.io.min.js") == 1


def test_page_mark_read_open_and_mark_all(web, family):
    first = _notify(family.parent, title="Invoice A", url="/parent/invoices/1")
    second = _notify(family.parent, title="Invoice B", url="/parent/invoices/2")
    third = _notify(family.parent, title="Invoice C")
    web.login(family.parent.username)
    web.post(f"/notifications/{first}/read")
    assert _unread(family.parent) == 2
    opened = web.post(f"/notifications/{second}/open")
    assert opened.status_code == 302 and opened.headers["Location"] == "/parent/invoices/2"
    assert _unread(family.parent) == 1
    page = web.get("/notifications/").get_data(as_text=True)
    assert f'data-notification-id="{third}" data-read="false"' in page
    assert f'data-notification-id="{first}" data-read="true"' in page
    done = web.post("/notifications/read-all", follow_redirects=True)
    assert "All notifications are marked read." in text_of(done)
    assert _unread(family.parent) == 0


def test_page_others_notification_is_404_and_forms_need_csrf(web, family):
    theirs = _notify(family.other_parent)
    mine = _notify(family.parent)
    web.login(family.parent.username)
    assert web.post(f"/notifications/{theirs}/read").status_code == 404
    assert web.post(f"/notifications/{theirs}/open").status_code == 404
    assert web.post(f"/notifications/{mine}/read", csrf=False).status_code == 400
    assert web.post("/notifications/read-all", csrf=False).status_code == 400
    assert _unread(family.other_parent) == 1 and _unread(family.parent) == 1


def test_settings_page_saves_switches(web, family):
    from thebot.services import notify

    web.login(family.parent.username)
    page = web.get("/notifications/settings")
    assert "Chat messages" in text_of(page) and "Weekly reports" in text_of(page)
    # Checkboxes: only checked ones are sent. Chat in-app only; reports off.
    saved = web.post("/notifications/settings", {"chat_in_app": "y"}, follow_redirects=True)
    assert "Your notification settings are saved." in text_of(saved)
    settings = notify.settings_for(family.parent)
    assert settings["chat"] == {"in_app": True, "email": False}
    assert settings["reports"] == {"in_app": False, "email": False}
    refused = web.post("/notifications/settings", {"reports_in_app": "y"}, csrf=False)
    assert refused.status_code == 400 and "expired" in text_of(refused)
    assert notify.settings_for(family.parent)["reports"]["in_app"] is False


def test_settings_page_says_when_there_is_no_email(web_factory, family):
    student, parent = web_factory(), web_factory()
    student.login(family.student.username)
    assert "no e-mail address" in text_of(student.get("/notifications/settings"))
    parent.login(family.parent.username)
    assert "no e-mail address" not in text_of(parent.get("/notifications/settings"))


def test_pages_need_sign_in(web, family):
    response = web.get("/notifications/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
