"""Login rate limits, shared by the page and the API: per address and per account, failures only.

A 429 carries Retry-After (seconds), on the page and in the API (see errors.py)."""

from __future__ import annotations

from flask import current_app, g, request

from thebot.extensions import limiter
from thebot.services.people import normalize_login


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


# Shared limits: the page (/auth/login) and the API (/api/v1/auth/login) count against the same
# two buckets (one per client address, one per account), in the limiter's storage (Redis when
# several processes serve, see config.resolve_settings).
_per_address = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
    scope="login-address",
    methods=["POST"],
    deduct_when=_failed,
)
_per_account = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    scope="login-account",
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)


def login_limits(view):
    """Decorate a login view with both shared limits."""
    return _per_address(_per_account(view))


# Forgotten-password requests (the page /auth/forgot and POST /api/v1/auth/password-reset):
# every request counts, since each may send an e-mail, per address and per account.
_reset_per_address = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_IP"],
    scope="reset-address",
    methods=["POST"],
)
_reset_per_account = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_ACCOUNT"],
    scope="reset-account",
    key_func=_account_key,
    methods=["POST"],
)


def reset_limits(view):
    """Decorate a password-reset request view with both shared limits."""
    return _reset_per_address(_reset_per_account(view))
