"""Accounts: creation with the role profile in one transaction, sign-in, API tokens, links."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from thebot import realtime
from thebot.extensions import db
from thebot.models import (
    ApiToken,
    FamilyCreation,
    LoginSession,
    ParentProfile,
    Role,
    StudentProfile,
    TeacherProfile,
    TutorProfile,
    User,
)
from thebot.models.base import execute_dml, utcnow
from thebot.services import access, links
from thebot.services.errors import Conflict, Forbidden, Invalid, NotFound
from thebot.services.people import find_by_login, normalize_login

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


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """Checked against when the login names nobody, so both answers take the same time."""
    return generate_password_hash("not-a-real-password", method=method)


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
    if password is not None and len(password) < MIN_PASSWORD:
        errors["password"] = _l("At least %(count)d characters.", count=MIN_PASSWORD)
    return errors


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


def _add_user(
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
        password_hash=_hash(password),
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
    user = _add_user(**fields)
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
    """Change an account's name, e-mail, password and profile fields (admins only)."""
    access.require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such person."))
    email = normalize_login(email) or None
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


def _set_password(user: User, password: str) -> None:
    """A new password ends every browser session (API tokens stay: they are per device)."""
    user.password_hash = _hash(password)
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def _end_sessions(user: User) -> None:
    """Every browser session, API token and socket of this user stops working."""
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


def set_active(actor: User, user_id: int, active: bool) -> User:
    """Deactivate (ending every session and token) or reactivate an account (admins only)."""
    access.require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such person."))
    if user.id == actor.id and not active:
        raise Conflict(_l("You cannot deactivate your own account."))
    if user.active and not active:
        user.active = False
        _end_sessions(user)
    elif active:
        user.active = True
    db.session.commit()
    return user


class AccountDeactivated(Forbidden):
    """The right password for an account an administrator has deactivated."""


def authenticate(login: str, password: str) -> User | None:
    """The active account for these credentials, or None (the same for every wrong login or
    password). The right password of a deactivated account raises AccountDeactivated: only
    someone who knows the password learns that the account exists and is switched off."""
    user = find_by_login(login)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    if not user.active:
        raise AccountDeactivated(
            _l("This account is deactivated. Ask an administrator to reactivate it.")
        )
    return user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


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


def start_login_session(user: User, user_agent: str = "", locale: str | None = None) -> str:
    """Record a browser sign-in (and the page language); the key goes into the cookie only."""
    remember_locale(user, locale)
    raw = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(user_id=user.id, key_hash=_digest(raw), user_agent=(user_agent or "")[:200])
    )
    db.session.commit()
    return raw


def login_session_record(user_id, raw_key) -> LoginSession | None:
    """The live sign-in for this user id and cookie key, its user active; else None."""
    if not raw_key or not isinstance(raw_key, str) or len(raw_key) > 200:
        return None
    if not str(user_id).isdigit():
        return None
    record = db.session.scalar(
        select(LoginSession).where(LoginSession.key_hash == _digest(raw_key))
    )
    if record is None or record.user_id != int(user_id) or not login_session_is_live(record):
        return None
    return record


def login_session_is_live(record: LoginSession) -> bool:
    """Not ended, and its user active: the one rule for a browser sign-in."""
    if record.ended_at is not None:
        return False
    user = db.session.get(User, record.user_id)
    return user is not None and user.active


def user_of_live_credential(
    *, token_id: int | None = None, login_session_id: int | None = None
) -> User | None:
    """The user behind a token or sign-in record while it is live (sockets re-check with it)."""
    if token_id is not None:
        token = db.session.get(ApiToken, token_id)
        return token.user if token is not None and token_record_is_live(token) else None
    record = db.session.get(LoginSession, login_session_id) if login_session_id else None
    if record is None or not login_session_is_live(record):
        return None
    return db.session.get(User, record.user_id)


def user_for_login_session(user_id, raw_key) -> User | None:
    """Flask-Login's loader: the active user of a live sign-in, or None."""
    record = login_session_record(user_id, raw_key)
    return db.session.get(User, record.user_id) if record is not None else None


def end_login_session(raw_key: str) -> None:
    """Sign-out: the sign-in ends for good and its sockets are disconnected."""
    record = db.session.scalar(
        select(LoginSession).where(LoginSession.key_hash == _digest(raw_key))
    )
    if record is not None and record.ended_at is None:
        record.ended_at = utcnow()
        realtime.disconnect_login(record.id)
    db.session.commit()


_token_digest = _digest


def issue_token(user: User, device: str = "") -> tuple[str, ApiToken]:
    """A new bearer token for one device (others stay valid); only its digest is stored."""
    raw = secrets.token_urlsafe(32)
    ttl = timedelta(days=current_app.config["API_TOKEN_TTL_DAYS"])
    token = ApiToken(
        user_id=user.id,
        token_hash=_token_digest(raw),
        device=(device or "")[:120],
        expires_at=utcnow() + ttl,
    )
    db.session.add(token)
    db.session.commit()
    return raw, token


def token_record_is_live(token: ApiToken) -> bool:
    """Not revoked, not expired, and its user active."""
    return token.revoked_at is None and token.expires_at > utcnow() and token.user.active


def token_record(raw: str) -> ApiToken | None:
    """The live token record for this raw token, or None."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(raw)))
    if token is None or not token_record_is_live(token):
        return None
    return token


def user_for_token(raw: str) -> User | None:
    """The active user a raw bearer token belongs to, or None."""
    token = token_record(raw)
    return token.user if token is not None else None


def revoke_token(raw: str) -> bool:
    """Revoke one token; True if it was live."""
    token = token_record(raw)
    if token is None:
        return False
    token.revoked_at = utcnow()
    realtime.disconnect_token(token.id)  # recorded before the commit that runs it
    db.session.commit()
    return True


# --- family accounts created by a tutor -------------------------------------------------------

_CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
# One Latin spelling per letter above, in order ("-": the letter is dropped).
_LATIN = [
    "a",
    "b",
    "v",
    "g",
    "d",
    "e",
    "e",
    "zh",
    "z",
    "i",
    "y",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "r",
    "s",
    "t",
    "u",
    "f",
    "kh",
    "ts",
    "ch",
    "sh",
    "shch",
    "-",
    "y",
    "-",
    "e",
    "yu",
    "ya",
]
_TRANSLIT = {c: ("" if lat == "-" else lat) for c, lat in zip(_CYRILLIC, _LATIN, strict=True)}


def _username_base(full_name: str, fallback: str) -> str:
    name = "".join(_TRANSLIT.get(ch, ch) for ch in full_name.lower())
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", name)
    base = ".".join(parts[:2])[:40] or fallback
    return base if len(base) >= 3 else f"{fallback}.{base}".strip(".")


def _free_username(full_name: str, fallback: str) -> str:
    base = _username_base(full_name, fallback)
    candidate = base
    while db.session.scalar(select(User.id).where(User.username == candidate)):
        candidate = f"{base}{secrets.randbelow(9000) + 1000}"
    return candidate


def generate_password() -> str:
    """A random password for an account whose owner will change or keep it."""
    return secrets.token_urlsafe(9)


@dataclass
class Credentials:
    user: User
    username: str
    password: str


# The result page of a new family issues the passwords on its first opening within this time;
# later (or again) it shows the usernames only.
FAMILY_CREDENTIALS_TTL = timedelta(minutes=30)
_FORM_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_family_form_key() -> str:
    """A one-time key for one new-family form (a hidden field): a resubmit makes nothing new."""
    return secrets.token_urlsafe(24)


def _family_by_key(actor: User, key_hash: str) -> FamilyCreation | None:
    return db.session.scalar(
        select(FamilyCreation).where(
            FamilyCreation.creator_id == actor.id, FamilyCreation.key_hash == key_hash
        )
    )


def create_family(
    actor: User,
    *,
    student_name: str,
    grade,
    goal: str,
    parent_name: str,
    parent_email: str | None,
    parent_phone: str,
    student_email: str | None = None,
    form_key: str | None = None,
) -> FamilyCreation:
    """A tutor creates a student and the parent's account in one step.

    Idempotent per `form_key` (the form's one-time key): the same key from the same tutor
    returns the family it made the first time, also when two submissions race (the unique
    constraint decides). Without a key every call makes a new family. No password exists yet:
    `reveal_family_credentials` issues both once, for the result page.
    """
    access.require_role(actor, Role.TUTOR, Role.ADMIN)
    if form_key is not None and not _FORM_KEY_RE.match(form_key):
        raise Invalid(_l("The form has expired. Please try again."))
    key_hash = _digest(form_key or new_family_form_key())
    existing = _family_by_key(actor, key_hash)
    if existing is not None:
        return existing
    record = FamilyCreation(creator_id=actor.id, key_hash=key_hash, created_at=utcnow())
    db.session.add(record)
    try:
        db.session.flush()  # a racing twin waits here, then fails on the unique constraint
    except IntegrityError:
        db.session.rollback()
        existing = _family_by_key(actor, key_hash)
        if existing is None:
            raise
        return existing
    errors: dict[str, str] = {}
    student = parent = None
    # Until the result page issues them, the accounts have passwords nobody knows.
    try:
        parent = _add_user(
            role=Role.PARENT,
            username=_free_username(parent_name or "", "parent"),
            password=generate_password(),
            full_name=parent_name,
            email=parent_email,
            phone=parent_phone,
        )
    except Invalid as exc:
        errors.update({f"parent_{k}": v for k, v in exc.fields.items()})
    try:
        student = _add_user(
            role=Role.STUDENT,
            username=_free_username(student_name or "", "student"),
            password=generate_password(),
            full_name=student_name,
            email=student_email,
            grade=grade,
            goal=goal,
        )
    except Invalid as exc:
        errors.update({f"student_{k}": v for k, v in exc.fields.items()})
    if errors or student is None or parent is None:
        db.session.rollback()
        raise Invalid(_l("The family details are not valid."), errors)
    profile = student.student_profile
    assert profile is not None, "_add_user gives a student their profile"
    profile.parent_id = parent.id
    if actor.role is Role.TUTOR:
        profile.tutor_id = actor.id
    links.links_changed(student, old_tutor_id=None, old_parent_id=None)
    record.student_id, record.parent_id = student.id, parent.id
    db.session.commit()
    return record


def created_family(actor: User, family_id: int) -> FamilyCreation:
    """A family this user created (anybody else's, or none, is NotFound)."""
    record = db.session.get(FamilyCreation, family_id)
    if record is None or record.creator_id != actor.id:
        raise NotFound(_l("No such family."))
    return record


def reveal_family_credentials(
    actor: User, family_id: int
) -> tuple[Credentials, Credentials] | None:
    """Issue and return both passwords of a family this user created: once, and only within
    FAMILY_CREDENTIALS_TTL of its creation. Later calls (a refresh) get None; nothing but the
    hashes is stored, so the passwords exist only in this answer.
    """
    record = created_family(actor, family_id)
    now = utcnow()
    claimed = execute_dml(
        update(FamilyCreation)
        .where(
            FamilyCreation.id == record.id,
            FamilyCreation.credentials_shown_at.is_(None),
            FamilyCreation.created_at > now - FAMILY_CREDENTIALS_TTL,
        )
        .values(credentials_shown_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1 or record.student is None or record.parent is None:
        db.session.commit()
        return None
    shown = []
    for user in (record.student, record.parent):
        password = generate_password()
        user.password_hash = _hash(password)
        shown.append(Credentials(user, user.username, password))
    db.session.commit()
    db.session.refresh(record)
    return shown[0], shown[1]


def users_by_role(role: Role, *, active_only: bool = True) -> list[User]:
    """Accounts of one role by name, for pickers."""
    query = select(User).where(User.role == role)
    if active_only:
        query = query.where(User.active.is_(True))
    return list(db.session.scalars(query.order_by(func.lower(User.full_name))))
