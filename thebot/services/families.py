"""Family accounts a tutor creates in one step: a student and the parent's account, usernames
from their names (Cyrillic transliterated), and the passwords shown once on the result page.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from thebot.extensions import db
from thebot.models import FamilyCreation, Role, User
from thebot.models.base import execute_dml, utcnow
from thebot.services import access, invitations, links
from thebot.services.accounts import add_user, hash_password
from thebot.services.errors import Invalid, NotFound
from thebot.services.invitations import generate_password


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


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
    a member with an e-mail gets an invitation link to choose one (after commit); for the
    others `reveal_family_credentials` issues one once, for the result page.
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
        parent = add_user(
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
        student = add_user(
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
    assert profile is not None, "add_user gives a student their profile"
    profile.parent_id = parent.id
    if actor.role is Role.TUTOR:
        profile.tutor_id = actor.id
    links.links_changed(student, old_tutor_id=None, old_parent_id=None)
    record.student_id, record.parent_id = student.id, parent.id
    for member in (student, parent):
        if member.email:  # chooses their own password through the e-mailed link
            invitations.invite(actor, member)
    db.session.commit()
    return record


def created_family(actor: User, family_id: int) -> FamilyCreation:
    """A family this user created (anybody else's, or none, is NotFound)."""
    record = db.session.get(FamilyCreation, family_id)
    if record is None or record.creator_id != actor.id:
        raise NotFound(_l("No such family."))
    return record


def reveal_family_credentials(actor: User, family_id: int) -> list[Credentials] | None:
    """Issue and return the passwords of a family this user created, for its members without
    an e-mail (the others were invited): once, and only within FAMILY_CREDENTIALS_TTL of its
    creation. Later calls (a refresh) get None; nothing but the hashes is stored, so the
    passwords exist only in this answer.
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
        if user.email:
            continue
        password = generate_password()
        user.password_hash = hash_password(password)
        shown.append(Credentials(user, user.username, password))
    db.session.commit()
    db.session.refresh(record)
    return shown
