"""Getting back into an account: a forgotten password reset by an e-mailed link, and a changed
e-mail address confirmed by a link sent to it.

Both links are itsdangerous tokens (URLSafeTimedSerializer, one salt each) that carry what they
need, so nothing is stored. A reset link carries a fingerprint of the current password hash and
an e-mail link the current address: once used (or overtaken by another change) it no longer
matches and dies. The fingerprint is a digest, never part of the hash itself: the token is only
signed, anyone holding it can read it.
"""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from thebot.extensions import db
from thebot.models import User
from thebot.services import accounts
from thebot.services.errors import Conflict, Invalid
from thebot.services.mailer import absolute_link, send_template_after_commit
from thebot.services.people import find_by_login, normalize_login

RESET_SALT = "thebot.password-reset"
EMAIL_SALT = "thebot.email-confirm"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def reset_token(user: User) -> str:
    """A signed reset token for this user, valid until the password changes or it expires."""
    return _serializer(RESET_SALT).dumps({"u": user.id, "p": _fingerprint(user.password_hash)})


def request_reset(login: str) -> None:
    """E-mail a reset link to the active account with this login, if it has an e-mail; nothing
    else happens otherwise, and the caller answers the same either way."""
    user = find_by_login(login)
    if user is None or not user.active or not user.email:
        return
    ttl = current_app.config["PASSWORD_RESET_TTL_SECONDS"]
    link = absolute_link(url_for("auth.reset_password", token=reset_token(user)))
    send_template_after_commit(
        user,
        "password_reset",
        _l("THE BOT: reset your password"),
        link=link,
        minutes=max(1, ttl // 60),
        username=user.username,
    )
    db.session.commit()  # nothing is stored: this only lets the after-commit e-mail go


def _bad_link() -> Invalid:
    message = _l("This link is invalid, has expired or was already used. Ask for a new one.")
    return Invalid(message, {"token": message})


def user_for_reset(token) -> User:
    """The account a live reset token belongs to; Invalid when expired, used or forged."""
    if not isinstance(token, str) or not token:
        raise _bad_link()
    try:
        data = _serializer(RESET_SALT).loads(
            token, max_age=current_app.config["PASSWORD_RESET_TTL_SECONDS"]
        )
    except (SignatureExpired, BadSignature):
        raise _bad_link() from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("p") != _fingerprint(user.password_hash):
        raise _bad_link()
    return user


def reset_password(token, password) -> User:
    """Set a new password through a reset link: every sign-in and token of the account ends."""
    user = user_for_reset(token)
    accounts.set_password(user, password if isinstance(password, str) else "")
    db.session.commit()
    return user


def request_email_change(user: User, new_email) -> bool:
    """Send a confirmation link to a new address (the old one stays until it is followed);
    False when the address is the current one (nothing to confirm)."""
    email = normalize_login(new_email if isinstance(new_email, str) else "")
    if email == (user.email or ""):
        return False
    if not email:
        message = _l("Enter a valid e-mail address.")
        raise Invalid(message, {"email": message})
    accounts.check_details(user, full_name=user.full_name, email=email)
    token = _serializer(EMAIL_SALT).dumps({"u": user.id, "e": email, "o": user.email or ""})
    ttl = current_app.config["EMAIL_CONFIRM_TTL_SECONDS"]
    send_template_after_commit(
        email,
        "email_confirm",
        _l("THE BOT: confirm your e-mail address"),
        name=user.full_name,
        link=absolute_link(url_for("auth.confirm_email", token=token)),
        hours=max(1, ttl // 3600),
    )
    db.session.commit()  # nothing is stored: this only lets the after-commit e-mail go
    return True


def confirm_email(token) -> User:
    """Follow a confirmation link: the new address replaces the old one (once)."""
    if not isinstance(token, str) or not token:
        raise _bad_link()
    try:
        data = _serializer(EMAIL_SALT).loads(
            token, max_age=current_app.config["EMAIL_CONFIRM_TTL_SECONDS"]
        )
    except (SignatureExpired, BadSignature):
        raise _bad_link() from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("o") != (user.email or ""):
        raise _bad_link()
    try:
        accounts.check_details(user, full_name=user.full_name, email=data["e"])
    except Invalid:
        raise Conflict(_l("This e-mail is used by another account.")) from None
    user.email = data["e"]
    db.session.commit()
    return user
