"""Accounts: creation with the role profile in one transaction, editing, activation, and each
user's language and time zone. Sign-in is in `signins`, a tutor's new family in `families`."""

from __future__ import annotations

import functools
import re
import zoneinfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from thebot import realtime
from thebot.extensions import db
from thebot.models import (
    ApiToken,
    LoginSession,
    ParentProfile,
    Role,
    StudentProfile,
    TeacherProfile,
    TutorProfile,
    User,
)
from thebot.models.base import utcnow
from thebot.services import access
from thebot.services.errors import Conflict, Forbidden, Invalid, NotFound
from thebot.services.people import normalize_login

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8

PROFILE_FIELDS = {
    Role.STUDENT: ("grade", "goal"),
    Role.PARENT: ("phone",),
    Role.TUTOR: ("bio", "subjects"),
    Role.TEACHER: ("bio", "subjects"),
    Role.ADMIN: (),
}


def hash_password(password: str) -> str:
    """The stored hash of a password, by the configured method."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _validate_account(
    username: str,
    email: str | None,
    full_name: str,
    password: str | None,
    user_id: int | None = None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = _l(
            "3–64 characters: latin letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    elif db.session.scalar(
        select(User.id).where(User.username == username, User.id != (user_id or 0))
    ):
        errors["username"] = _l("This username is taken.")
    if email:
        if not EMAIL_RE.match(email) or len(email) > 254:
            errors["email"] = _l("Enter a valid e-mail address.")
        elif db.session.scalar(
            select(User.id).where(User.email == email, User.id != (user_id or 0))
        ):
            errors["email"] = _l("This e-mail is used by another account.")
    if not full_name or len(full_name) > 120:
        errors["full_name"] = _l("Enter a name of 1–120 characters.")
    if password is not None and (problem := password_error(password)):
        errors["password"] = problem
    return errors


def password_error(password: str) -> str | None:
    """What is wrong with a new password by the account rules, or None."""
    if len(password) < MIN_PASSWORD:
        return _l("At least %(count)d characters.", count=MIN_PASSWORD)
    if len(password) > 256:
        return _l("At most %(count)d characters.", count=256)
    return None


def check_details(user: User, *, full_name: str, email: str | None) -> None:
    """Raise Invalid when this name or e-mail breaks the account rules for this user."""
    errors = _validate_account(user.username, email, full_name, None, user.id)
    if errors:
        raise Invalid(_l("The account details are not valid."), errors)


def _profile_values(role: Role, values: dict) -> dict:
    clean = {}
    for key in PROFILE_FIELDS[role]:
        if key in values and values[key] is not None:
            clean[key] = values[key]
    if role is Role.STUDENT and clean.get("grade") not in (None, ""):
        try:
            grade = int(clean["grade"])
        except (TypeError, ValueError):
            message = _l("Grade must be a whole number from 1 to 12.")
            raise Invalid(message, {"grade": message}) from None
        if not 1 <= grade <= 12:
            message = _l("Grade must be from 1 to 12.")
            raise Invalid(message, {"grade": message})
        clean["grade"] = grade
    elif role is Role.STUDENT:
        clean["grade"] = None
    for key, value in clean.items():
        if isinstance(value, str):
            clean[key] = value.strip()
    return clean


def add_user(
    *,
    role: Role | str,
    username: str,
    password: str,
    full_name: str,
    email: str | None = None,
    **profile,
) -> User:
    """Add a user and their role profile to the session (no commit): the one way accounts begin."""
    role = Role(role)
    username = normalize_login(username)
    email = normalize_login(email) or None
    full_name = (full_name or "").strip()
    errors = _validate_account(username, email, full_name, password)
    if errors:
        raise Invalid(_l("The account details are not valid."), errors)
    values = _profile_values(role, profile)
    user = User(
        role=role,
        username=username,
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    profile_cls = {
        Role.STUDENT: StudentProfile,
        Role.PARENT: ParentProfile,
        Role.TUTOR: TutorProfile,
        Role.TEACHER: TeacherProfile,
    }.get(role)
    if profile_cls is not None:
        user_profile = profile_cls(user=user, **values)
        db.session.add(user_profile)
    db.session.flush()
    return user


def create_user(actor: User | None, **fields) -> User:
    """Create an account of any role with its profile (admins only; actor None is the CLI)."""
    if actor is not None:
        access.require_admin(actor)
    user = add_user(**fields)
    db.session.commit()
    return user


def update_user(
    actor: User,
    user_id: int,
    *,
    full_name: str,
    email: str | None,
    password: str | None = None,
    **profile,
) -> User:
    """Change an account's name, e-mail, password and profile fields: an admin any account; a
    tutor their student's name, grade and goal and that parent's name, e-mail and phone
    (everyone else's is NotFound). The same rules for both."""
    user = db.session.get(User, user_id)
    if (
        user is None
        or user.is_removed
        or not (access.is_admin(actor) or _tutor_may_edit(actor, user))
    ):
        raise NotFound(_l("No such person."))
    email = normalize_login(email) or None
    if not access.is_admin(actor) and (
        password or (user.role is Role.STUDENT and email != user.email)
    ):
        raise Forbidden(_l("Only an administrator may change this."))
    full_name = (full_name or "").strip()
    errors = _validate_account(user.username, email, full_name, password or None, user.id)
    if errors:
        raise Invalid(_l("The account details are not valid."), errors)
    values = _profile_values(user.role, profile)
    user.full_name, user.email = full_name, email
    if password:
        _set_password(user, password)
    if user.profile is not None:
        for key, value in values.items():
            setattr(user.profile, key, value)
    db.session.commit()
    return user


def _tutor_may_edit(actor: User, user: User) -> bool:
    """The tutor's own student, or the parent or second guardian of one."""
    if actor.role is not Role.TUTOR:
        return False
    owner = StudentProfile.tutor_id == actor.id
    if user.role is Role.STUDENT:
        mine = select(StudentProfile.user_id).where(StudentProfile.user_id == user.id, owner)
    elif user.role is Role.PARENT:
        mine = select(StudentProfile.user_id).where(
            or_(StudentProfile.parent_id == user.id, StudentProfile.guardian_id == user.id), owner
        )
    else:
        return False
    return db.session.scalar(mine.limit(1)) is not None


def _set_password(user: User, password: str) -> None:
    """A new password ends every browser session (API tokens stay: they are per device)."""
    user.password_hash = hash_password(password)
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_credentials(user: User) -> None:
    """Every browser session, API token and socket of this user stops working (the sockets
    disconnect once the caller commits; no commit here)."""
    now = utcnow()
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    realtime.disconnect_user(user.id)


def set_password(user: User, password: str, *, keep_login_session_id: int | None = None) -> None:
    """A new password by the rules; every other browser sign-in and API token of the user ends
    and their sockets disconnect after commit (no commit here)."""
    if problem := password_error(password):
        raise Invalid(problem, {"password": problem})
    user.password_hash = hash_password(password)
    now = utcnow()
    sessions = db.session.scalars(
        select(LoginSession.id).where(
            LoginSession.user_id == user.id,
            LoginSession.ended_at.is_(None),
            LoginSession.id != (keep_login_session_id or 0),
        )
    ).all()
    tokens = db.session.scalars(
        select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    if sessions:
        db.session.execute(
            update(LoginSession).where(LoginSession.id.in_(sessions)).values(ended_at=now)
        )
    if tokens:
        db.session.execute(update(ApiToken).where(ApiToken.id.in_(tokens)).values(revoked_at=now))
    for session_id in sessions:
        realtime.disconnect_login(session_id)
    for token_id in tokens:
        realtime.disconnect_token(token_id)


def change_own_password(
    user: User, current: str, new: str, *, keep_login_session_id: int | None = None
) -> None:
    """The user changes their password: the current one is required; other sign-ins end."""
    if not check_password_hash(user.password_hash, current or ""):
        message = _l("The current password is wrong.")
        raise Invalid(message, {"current_password": message})
    set_password(user, new, keep_login_session_id=keep_login_session_id)
    db.session.commit()


def update_own_details(user: User, *, full_name: str, locale: str | None) -> None:
    """The user changes their own name and language (the e-mail goes through a confirmation)."""
    full_name = (full_name or "").strip()
    check_details(user, full_name=full_name, email=None)
    user.full_name = full_name
    remember_locale(user, locale)
    db.session.commit()


def set_active(actor: User, user_id: int, active: bool) -> User:
    """Deactivate (ending every session and token) or reactivate an account (admins only)."""
    access.require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None or user.is_removed:  # a removed account stays off
        raise NotFound(_l("No such person."))
    if user.id == actor.id and not active:
        raise Conflict(_l("You cannot deactivate your own account."))
    if user.active and not active:
        user.active = False
        end_credentials(user)
    elif active:
        user.active = True
    db.session.commit()
    return user


def remember_locale(user: User, locale: str | None) -> None:
    """Keep the language the user reads pages in, for what reaches them later (no commit)."""
    if locale in current_app.config["LANGUAGES"] and user.locale != locale:
        user.locale = locale


def set_locale(user: User, locale: str) -> None:
    """The user chose a language on a page: notifications and e-mails follow it."""
    remember_locale(user, locale)
    db.session.commit()


@functools.cache
def time_zones() -> tuple[str, ...]:
    """The IANA time zone names a user may choose, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def set_time_zone(user: User, name) -> None:
    """The user's time zone (an IANA name such as Europe/Moscow): times are shown in it."""
    if not isinstance(name, str) or name.strip() not in time_zones():
        raise Invalid(
            _l("Unknown time zone."),
            {"time_zone": _l("An IANA time zone name such as Europe/Moscow.")},
        )
    user.time_zone = name.strip()
    db.session.commit()


def users_by_role(role: Role, *, active_only: bool = True) -> list[User]:
    """Accounts of one role by name, for pickers (never a removed one)."""
    query = select(User).where(User.role == role, User.deleted_at.is_(None))
    if active_only:
        query = query.where(User.active.is_(True))
    return list(db.session.scalars(query.order_by(func.lower(User.full_name))))
