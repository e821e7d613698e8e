"""HTTP as the suite speaks it: a Flask test client that carries CSRF tokens like a browser, the
visible text and field errors of a page, and bearer tokens for the JSON API."""

from __future__ import annotations

import re

import pytest
import requests

from tests.support import PASSWORD

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


class WebClient:
    """A test client that behaves like a browser: it reads the CSRF token from pages."""

    def __init__(self, flask_client):
        self.http = flask_client
        self._csrf = None

    def csrf(self) -> str:
        page = self.http.get("/auth/login", follow_redirects=True)
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, "pages must carry the CSRF meta tag"
        self._csrf = match.group(1)
        return self._csrf

    def get(self, path, **kw):
        return self.http.get(path, **kw)

    def post(self, path, data=None, *, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self._csrf or self.csrf())
        return self.http.post(path, data=data, **kw)

    def login(self, username: str, password: str = PASSWORD):
        self._csrf = None
        response = self.post("/auth/login", {"login": username, "password": password})
        self._csrf = None  # the session was renewed
        return response

    def logout(self):
        response = self.post("/auth/logout")
        self._csrf = None
        return response

    def api(self, method: str, path: str, json=None, token: str | None = None, csrf=False, **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if csrf:
            headers["X-CSRFToken"] = self._csrf or self.csrf()
        return self.http.open(path, method=method, json=json, headers=headers, **kw)


@pytest.fixture
def web(app):
    return WebClient(app.test_client())


@pytest.fixture
def web_factory(app):
    return lambda: WebClient(app.test_client())


def text_of(response) -> str:
    """The visible text of an HTML answer, whitespace folded (for asserting on contents)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def field_errors(response) -> dict[str, list[str]]:
    """The field errors a form page shows, by field name."""
    errors: dict[str, list[str]] = {}
    for name, message in re.findall(
        r'data-field-error="([^"]+)">([^<]*)<', response.get_data(as_text=True)
    ):
        errors.setdefault(name, []).append(message)
    return errors


def api_token(who, *, via=None, password: str = PASSWORD, device: str | None = None, **body) -> str:
    """A bearer token for the JSON API, the one way the suite gets one.

    - `api_token(user)`: issued by the accounts service (no request, no rate limit; needs the
      service context, e.g. the `ctx` fixture);
    - `api_token("tutor", via=web)`: signed in with POST /api/v1/auth/login through a
      `WebClient`, as a mobile client does (`device=…` and other fields go into the body);
    - `api_token("tutor", via=server.url)`: the same sign-in against a running server process.
    """
    if via is None:
        from thebot.services import signins

        raw, _record = signins.issue_token(who, device or "")
        return raw
    payload = {"login": who, "password": password, **body}
    if device is not None:
        payload["device"] = device
    if isinstance(via, str):
        answer = requests.post(f"{via}/api/v1/auth/login", json=payload, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]
    response = via.api("POST", "/api/v1/auth/login", json=payload)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]
