"""Devices (issue 11 point 4, contract.md section 3a): GET /api/v1/me/sessions lists the caller's
live browser sign-ins and API tokens, DELETE ends one of them (someone else's is 404),
end-others ends all but the caller's; the profile page's Devices section does the same with
CSRF forms; last_used_at moves at most once a minute per credential."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.support.http import api_token, text_of
from thebot.extensions import db
from thebot.models import ApiToken, LoginSession
from thebot.models.base import utcnow
from thebot.services.user_agents import device_name

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def sessions_of(web, token=None) -> list[dict]:
    answer = web.api("GET", "/api/v1/me/sessions", token=token)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["sessions"]


def signed_in(web_factory, user_agent: str = CHROME_WINDOWS):
    web = web_factory()
    web.http.environ_base["HTTP_USER_AGENT"] = user_agent
    answer = web.login("parent")
    assert answer.status_code == 302
    return web


def test_device_names_from_user_agents():
    assert device_name(CHROME_WINDOWS) == "Chrome on Windows"
    assert device_name(SAFARI_IPHONE) == "Safari on iPhone"
    edge = CHROME_WINDOWS + " Edg/120.0"
    assert device_name(edge) == "Edge on Windows"
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
    assert device_name(firefox) == "Firefox on Linux"
    assert device_name("curl/8.0") == "curl/8.0"
    assert device_name("") == ""


def test_list_shape_kinds_devices_and_current_flag(demo, web_factory):
    browser = signed_in(web_factory)
    phone = web_factory()
    named = api_token("parent", via=phone, device="Anna's phone")
    phone.http.environ_base["HTTP_USER_AGENT"] = SAFARI_IPHONE
    unnamed = api_token("parent", via=phone)
    api_token("tutor", via=phone)  # someone else's never shows

    rows = sessions_of(browser)
    assert [set(row) for row in rows] == [
        {"id", "kind", "device", "created_at", "last_used_at", "current"}
    ] * 3
    assert rows[0]["kind"] == "browser" and rows[0]["current"] is True
    assert rows[0]["device"] == "Chrome on Windows" and rows[0]["id"].startswith("b")
    tokens = {row["device"]: row for row in rows[1:]}
    assert set(tokens) == {"Anna's phone", "Safari on iPhone"}
    assert all(row["kind"] == "token" and not row["current"] for row in tokens.values())
    assert all(row["id"].startswith("t") for row in tokens.values())
    assert len({row["id"] for row in rows}) == 3

    # Asked with a bearer token, that token is the current one.
    mine = sessions_of(phone, token=unnamed)
    assert mine[0]["device"] == "Safari on iPhone" and mine[0]["current"] is True
    assert [row["current"] for row in mine[1:]] == [False, False]
    assert {row["id"] for row in mine} == {row["id"] for row in rows}
    assert named


def test_delete_ends_one_then_it_is_gone_and_others_ids_are_404(demo, web_factory):
    browser = signed_in(web_factory)
    other = web_factory()
    token = api_token("parent", via=other, device="Tablet")
    tutor_token = api_token("tutor", via=other)
    tutor_id = sessions_of(other, token=tutor_token)[0]["id"]
    tablet_id = next(row["id"] for row in sessions_of(browser) if row["device"] == "Tablet")

    for wrong in (tutor_id, "t999999", "b999999", "x1", "12", "b"):
        answer = browser.api("DELETE", f"/api/v1/me/sessions/{wrong}", csrf=True)
        assert answer.status_code == 404, wrong
        assert answer.get_json()["error"]["code"] == "not_found"
    assert other.api("GET", "/api/v1/me", token=tutor_token).status_code == 200

    answer = browser.api("DELETE", f"/api/v1/me/sessions/{tablet_id}", csrf=True)
    assert answer.status_code == 204 and answer.get_data() == b""
    assert tablet_id not in {row["id"] for row in sessions_of(browser)}
    assert other.api("GET", "/api/v1/me", token=token).status_code == 401
    record = db.session.get(ApiToken, int(tablet_id[1:]))
    assert record is not None and record.revoked_at is not None
    again = browser.api("DELETE", f"/api/v1/me/sessions/{tablet_id}", csrf=True)
    assert again.status_code == 404


def test_a_token_ends_a_browser_sign_in(demo, web_factory):
    browser = signed_in(web_factory)
    other = web_factory()
    token = api_token("parent", via=other)
    browser_id = next(r["id"] for r in sessions_of(other, token=token) if r["kind"] == "browser")
    answer = other.api("DELETE", f"/api/v1/me/sessions/{browser_id}", token=token)
    assert answer.status_code == 204
    assert browser.get("/profile").status_code == 302  # signed out: back to the sign-in page
    record = db.session.get(LoginSession, int(browser_id[1:]))
    assert record is not None and record.ended_at is not None


def test_end_others_keeps_only_the_caller(demo, web_factory):
    browser = signed_in(web_factory)
    second = signed_in(web_factory, SAFARI_IPHONE)
    other = web_factory()
    tokens = [api_token("parent", via=other), api_token("parent", via=other)]
    tutor_token = api_token("tutor", via=other)
    answer = other.api("POST", "/api/v1/me/sessions/end-others", token=tokens[0])
    assert answer.status_code == 200 and answer.get_json() == {"ended": 3}
    rows = sessions_of(other, token=tokens[0])
    assert len(rows) == 1 and rows[0]["current"] is True and rows[0]["kind"] == "token"
    assert other.api("GET", "/api/v1/me", token=tokens[1]).status_code == 401
    assert browser.get("/profile").status_code == 302 and second.get("/profile").status_code == 302
    assert other.api("GET", "/api/v1/me", token=tutor_token).status_code == 200


def test_profile_devices_section_end_and_end_others(demo, web_factory):
    browser = signed_in(web_factory)
    second = signed_in(web_factory, SAFARI_IPHONE)
    other = web_factory()
    token = api_token("parent", via=other, device="Work laptop")
    page = browser.get("/profile")
    html, text = page.get_data(as_text=True), text_of(page)
    assert "Devices" in text and "This device" in text
    assert "Chrome on Windows" in text and "Safari on iPhone" in text and "Work laptop" in text
    assert html.count('data-test="end-device"') == 2  # not on this device's row
    token_id = next(r["id"] for r in sessions_of(browser) if r["device"] == "Work laptop")

    # Without the CSRF token nothing ends.
    answer = browser.post(f"/profile/devices/{token_id}/end", csrf=False)
    assert answer.status_code == 400
    assert other.api("GET", "/api/v1/me", token=token).status_code == 200

    answer = browser.post(f"/profile/devices/{token_id}/end", follow_redirects=True)
    assert "The device is signed out." in text_of(answer)
    assert "Work laptop" not in text_of(answer)
    assert other.api("GET", "/api/v1/me", token=token).status_code == 401

    answer = browser.post("/profile/devices/end-others", follow_redirects=True)
    assert "Signed out everywhere else (1)." in text_of(answer)
    assert second.get("/profile").status_code == 302
    assert [row["current"] for row in sessions_of(browser)] == [True]
    assert 'data-test="end-others"' not in answer.get_data(as_text=True)

    # Someone else's device: 404.
    tutor_token = api_token("tutor", via=other)
    tutor_id = sessions_of(other, token=tutor_token)[0]["id"]
    assert browser.post(f"/profile/devices/{tutor_id}/end").status_code == 404
    assert other.api("GET", "/api/v1/me", token=tutor_token).status_code == 200


def test_last_used_moves_at_most_once_a_minute(demo, web_factory):
    browser = signed_in(web_factory)
    other = web_factory()
    raw = api_token("parent", via=other)
    record = db.session.scalar(select(LoginSession).order_by(LoginSession.id.desc()))
    token = db.session.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    assert record is not None and token is not None
    first_page, first_token = record.last_used_at, token.last_used_at
    assert first_page is not None and first_token is not None

    browser.get("/profile")
    other.api("GET", "/api/v1/me", token=raw)
    db.session.expire_all()
    assert (record.last_used_at, token.last_used_at) == (first_page, first_token)

    # A minute and more later, the next use is recorded.
    earlier = utcnow() - timedelta(minutes=2)
    record.last_used_at = token.last_used_at = earlier
    db.session.commit()
    browser.get("/profile")
    other.api("GET", "/api/v1/me", token=raw)
    db.session.expire_all()
    assert record.last_used_at > earlier + timedelta(minutes=1)
    assert token.last_used_at > earlier + timedelta(minutes=1)
    listed = {row["kind"]: row["last_used_at"] for row in sessions_of(other, token=raw)}
    assert set(listed) == {"browser", "token"}
