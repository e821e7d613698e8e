"""Login rate limits, shared by the page and the API: per address and per account, failures only."""
from __future__ import annotations

from flask import current_app, g, request

from thebot.extensions import limiter
from thebot.services.accounts import normalize_login


def _account_key() -> str:
    if request.is_json:
        data = request.get_json(silent=True)
        login = data.get("login") if isinstance(data, dict) else ""
    else:
        login = request.form.get("login", "")
    return "login-account:" + normalize_login(login if isinstance(login, str) else "")[:254]


def mark_failed() -> None:
    """Count this request against the limits (called when the credentials were wrong)."""
    g.login_failed = True


def _failed(response) -> bool:
    return bool(g.get("login_failed"))


def login_limits(view):
    """Decorate a login view with both limits."""
    per_ip = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"],
                           deduct_when=_failed, scope="login-ip")
    per_account = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
                                key_func=_account_key, methods=["POST"], deduct_when=_failed,
                                scope="login-account")
    return per_ip(per_account(view))
