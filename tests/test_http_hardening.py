"""HTTP hardening: security headers on every answer, the session cookie Secure in production,
links in e-mails from BASE_URL whatever the request's Host, X-Forwarded-* believed only behind
trusted proxies (and never logged as the client), login limits shared by the page and the API
(and by processes, through Redis), 429 with Retry-After, and /favicon.ico."""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.support import PASSWORD
from tests.support.data import draft_report
from tests.support.http import CSRF_RE, api_token, text_of
from tests.support.mail import Sink, mail_parts
from tests.support.servers import free_port

TEMPLATES = Path(__file__).resolve().parent.parent / "thebot" / "templates"
PUBLIC_URL = "https://thebot.example"
FORGED = {
    "Host": "evil.example",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.66",
    "X-Forwarded-Prefix": "/evil",
}


def _csp(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()
    }


def _assert_security_headers(response, what):
    csp = _csp(response)
    assert csp["script-src"] == "'self'", what
    assert csp["default-src"] == "'self'", what
    assert csp["frame-ancestors"] == "'none'", what
    assert csp["connect-src"] == "'self'", what  # same-origin ws/wss included
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'", what
    assert set(csp["img-src"].split()) == {"'self'", "data:", "blob:"}, what
    assert "unsafe" not in csp["script-src"] + csp["default-src"], what
    assert response.headers["X-Frame-Options"] == "DENY", what
    assert response.headers["X-Content-Type-Options"] == "nosniff", what
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", what
    assert "Strict-Transport-Security" not in response.headers, what  # plain http here


# --- security headers ---------------------------------------------------------------------------


def test_every_kind_of_answer_carries_the_security_headers(demo, web):
    token = api_token(demo.parent)
    answers = {
        "login page": web.get("/auth/login"),
        "missing page": web.get("/no/such/page"),
        "api 401": web.api("GET", "/api/v1/me"),
        "api 200": web.api("GET", "/api/v1/me", token=token),
        "api 404": web.api("GET", "/api/v1/no-such-route", token=token),
        "static": web.get("/static/css/app.css"),
        "favicon": web.get("/favicon.ico"),
        "health": web.get("/healthz"),
    }
    web.login("parent")
    answers["dashboard"] = web.get("/parent/")
    answers["chat"] = web.get("/chat/")
    answers["form post"] = web.post("/lang", {"lang": "en", "next": "/parent/"})
    for what, response in answers.items():
        assert response.status_code < 500, what
        _assert_security_headers(response, what)
    # plain http is served as it is: no redirect to https in development and test
    assert answers["login page"].status_code == 200
    assert "Username or e-mail" in text_of(answers["login page"])
    assert answers["api 200"].get_json()["username"] == "parent"


INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


def test_no_template_has_inline_script_or_event_handlers():
    pages = [p for p in TEMPLATES.rglob("*.html") if "email" not in p.parts]
    assert len(pages) > 20
    for path in pages:
        source = path.read_text()
        assert not INLINE_SCRIPT.search(source), path
        assert not INLINE_HANDLER.search(source), path
        assert not JAVASCRIPT_URL.search(source), path


@pytest.mark.parametrize(
    "role,paths",
    [
        (
            "tutor",
            [
                "/tutor/",
                "/tutor/students/new",
                "/tutor/reports",
                "/tutor/reports/new",
                "/chat/",
                "/notifications/",
                "/notifications/settings",
            ],
        ),
        ("parent", ["/parent/", "/parent/reports"]),
        ("teacher", ["/teacher/", "/teacher/reports", "/teacher/reports/new"]),
        (
            "admin",
            ["/admin/", "/admin/users", "/admin/users/new", "/admin/reports", "/admin/subjects"],
        ),
        ("student", ["/student/"]),
    ],
)
def test_rendered_pages_have_no_inline_script(demo, web, role, paths):
    web.login(role)
    for path in paths:
        response = web.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), path
        assert not INLINE_HANDLER.search(html), path
        _assert_security_headers(response, path)


def test_session_cookie_is_secure_in_production_only(start_server, web):
    development = web.get("/auth/login").headers["Set-Cookie"]
    assert "session=" in development and "Secure" not in development
    server = start_server(THEBOT_ENV="production")
    response = requests.get(f"{server.url}/auth/login", timeout=10, allow_redirects=False)
    assert response.status_code == 200  # no https redirect forced on the app itself
    cookie = response.headers["Set-Cookie"]
    assert "session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    assert response.headers["X-Frame-Options"] == "DENY"


def test_favicon_is_a_small_icon(web):
    response = web.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    data = response.get_data()
    assert data[:4] == b"\x00\x00\x01\x00" and 100 < len(data) < 20_000
    assert data[22:30] == b"\x89PNG\r\n\x1a\n"  # one embedded PNG image
    assert response.headers["Cache-Control"].startswith("public")


# --- e-mail links and forwarded headers ---------------------------------------------------------


def test_email_links_come_from_base_url_not_the_host_header(app, family, web, caplog):
    caplog.set_level(logging.INFO, logger="thebot.services.mailer")
    report = draft_report(family.tutor, family.student, summary="Links stay ours.")
    token = api_token(family.tutor)
    response = web.api(
        "POST",
        f"/api/v1/reports/{report.id}/send",
        token=token,
        base_url="http://evil.example",
        headers=dict(FORGED),
    )
    assert response.status_code == 200, response.get_data(True)
    [mail] = [r.getMessage() for r in caplog.records if "MAIL_SERVER unset" in r.getMessage()]
    assert f"To: {family.parent.email}" in mail
    assert f"{app.config['BASE_URL']}/parent/reports/{report.id}" in mail
    assert "evil" not in mail


@pytest.fixture
def smtp_sink():
    port = free_port()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    yield sink
    controller.stop()


def test_a_forged_host_and_forwarded_for_reach_neither_emails_nor_the_access_log(
    start_server, smtp_sink, family
):
    server = start_server(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_sink.port, BASE_URL=PUBLIC_URL)
    report = draft_report(family.tutor, family.student, summary="Sent through a forged Host.")
    response = requests.post(
        f"{server.url}/api/v1/reports/{report.id}/send",
        timeout=10,
        headers={"Authorization": f"Bearer {api_token(family.tutor)}", **FORGED},
    )
    assert response.status_code == 200, response.text
    [(recipients, message)] = smtp_sink.wait_for(1)
    assert recipients == [family.parent.email]
    parts = mail_parts(message)
    link = f"{PUBLIC_URL}/parent/reports/{report.id}"
    assert link in parts["text/plain"] and f'href="{link}"' in parts["text/html"]
    assert "evil" not in parts["text/plain"] + parts["text/html"]
    log = server.log_text()
    assert _access_log_clients(log, f"/api/v1/reports/{report.id}/send") == ["127.0.0.1"]
    assert "203.0.113.66" not in log


def _access_log_clients(log: str, path: str) -> list[str]:
    """The client addresses the access log gives for requests to this path."""
    return re.findall(r"eventlet\.wsgi: (\S+) \"[A-Z]+ " + re.escape(path) + " ", log)


def _fail_login(base: str, login: str, *, api: bool, headers=None) -> requests.Response:
    headers = dict(headers or {})
    if api:
        return requests.post(
            f"{base}/api/v1/auth/login",
            json={"login": login, "password": "no"},
            headers=headers,
            timeout=10,
        )
    session = requests.Session()
    page = session.get(f"{base}/auth/login", headers=headers, timeout=10)
    token = CSRF_RE.search(page.text).group(1)
    return session.post(
        f"{base}/auth/login",
        headers=headers,
        timeout=10,
        data={"login": login, "password": "wrong-password", "csrf_token": token},
    )


def test_forwarded_for_is_believed_only_behind_trusted_proxies(start_server):
    """Per-address limit 3: with no trusted proxy X-Forwarded-For changes nothing; behind one,
    the proxy's X-Forwarded-For is the client address the limit counts."""
    direct = start_server(LOGIN_LIMIT_PER_IP="3 per minute")
    for n in range(3):
        answer = _fail_login(
            direct.url, f"nobody{n}", api=True, headers={"X-Forwarded-For": f"198.51.100.{n}"}
        )
        assert answer.status_code == 401
    answer = _fail_login(
        direct.url, "nobody9", api=True, headers={"X-Forwarded-For": "198.51.100.99"}
    )
    assert answer.status_code == 429 and answer.json()["error"]["code"] == "rate_limited"

    proxied = start_server(LOGIN_LIMIT_PER_IP="3 per minute", TRUSTED_PROXIES=1)
    client = {"X-Forwarded-For": "198.51.100.7"}
    for n in range(3):
        assert _fail_login(proxied.url, f"nobody{n}", api=True, headers=client).status_code == 401
    assert _fail_login(proxied.url, "nobody9", api=True, headers=client).status_code == 429
    other = {"X-Forwarded-For": "198.51.100.8"}
    assert _fail_login(proxied.url, "nobody9", api=True, headers=other).status_code == 401
    # the access log names the connection's peer, never a forwarded address
    assert set(_access_log_clients(proxied.log_text(), "/api/v1/auth/login")) == {"127.0.0.1"}
    assert set(_access_log_clients(direct.log_text(), "/api/v1/auth/login")) == {"127.0.0.1"}
    assert "198.51.100.99" not in direct.log_text()


# --- login limits -------------------------------------------------------------------------------


def _page_login(web, login, password):
    web._csrf = None
    return web.post("/auth/login", {"login": login, "password": password})


def _api_login(web, login, password):
    return web.api("POST", "/api/v1/auth/login", json={"login": login, "password": password})


def test_account_failures_split_between_page_and_api_share_one_limit(make_user, web, web_factory):
    from thebot.extensions import db
    from thebot.models import ApiToken

    make_user("parent", "anna")
    for n in range(5):  # LOGIN_LIMIT_PER_ACCOUNT: 5 per minute, failures only
        answer = (_page_login if n % 2 else _api_login)(web, "Anna", "wrong-password")
        assert answer.status_code in (200, 401)
    page = _page_login(web_factory(), "anna", PASSWORD)
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) > 0
    assert "Too many attempts" in text_of(page)
    api = _api_login(web, "anna", PASSWORD)
    assert api.status_code == 429 and int(api.headers["Retry-After"]) > 0
    assert api.get_json()["error"]["code"] == "rate_limited"
    assert db.session.query(ApiToken).count() == 0  # the right password did not sign in
    # another account from the same address is still let in
    make_user("parent", "boris")
    assert _api_login(web, "boris", PASSWORD).status_code == 200


def test_address_failures_split_between_page_and_api_share_one_limit(make_user, web):
    make_user("tutor", "tanya")
    for n in range(20):  # LOGIN_LIMIT_PER_IP: 20 per minute
        answer = (_page_login if n % 2 else _api_login)(web, f"ghost{n}", "wrong-password")
        assert answer.status_code in (200, 401), n
    api = _api_login(web, "tanya", PASSWORD)
    assert api.status_code == 429 and int(api.headers["Retry-After"]) > 0
    page = _page_login(web, "tanya", PASSWORD)
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 0


def test_successful_logins_are_not_counted(make_user, web):
    make_user("parent", "vera")
    for _ in range(7):
        assert _api_login(web, "vera", PASSWORD).status_code == 200


def test_two_processes_share_the_login_count_through_redis(redis_url, start_server, make_user):
    make_user("parent", "galina")
    prefix = f"thebot-test-{uuid.uuid4().hex[:8]}"
    first = start_server(RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix)
    # the second derives its storage from the message queue (no RATELIMIT_STORAGE_URI)
    second = start_server(
        SOCKETIO_MESSAGE_QUEUE=redis_url, RATELIMIT_KEY_PREFIX=prefix, RATELIMIT_STORAGE_URI=None
    )
    for n in range(5):
        server = first if n % 2 else second
        assert _fail_login(server.url, "galina", api=bool(n % 3)).status_code in (200, 401)
    for server in (first, second):
        answer = requests.post(
            f"{server.url}/api/v1/auth/login",
            timeout=10,
            json={"login": "galina", "password": PASSWORD},
        )
        assert answer.status_code == 429, server.url
        assert int(answer.headers["Retry-After"]) > 0
    import redis

    keys = redis.Redis.from_url(redis_url).keys(f"*{prefix}*")
    assert any(b"login-account" in key and b"galina" in key for key in keys), keys
