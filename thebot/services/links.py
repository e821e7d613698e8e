"""The canonical student links (tutor, parent) and what follows when they change."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from thebot import signals
from thebot.extensions import db
from thebot.models import Role, User
from thebot.services import access
from thebot.services.errors import Forbidden, Invalid, NotFound
from thebot.services.people import find_by_login

UNSET = object()
# The linkable roles as words inside a sentence ("No such tutor."), in the reader's language.
ROLE_WORDS = {Role.TUTOR: _l("tutor"), Role.PARENT: _l("parent")}


def links_changed(
    student: User,
    *,
    old_tutor_id: int | None,
    old_parent_id: int | None,
    old_guardian_id: int | None = None,
) -> None:
    """Tell every receiver of `signals.links_changed`, within the current transaction."""
    db.session.flush()
    signals.links_changed.send(
        student,
        old_tutor_id=old_tutor_id,
        old_parent_id=old_parent_id,
        old_guardian_id=old_guardian_id,
    )


def _linkable(user_id: int | None, role: Role, field: str) -> int | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.role is not role:
        raise NotFound(
            _l("No such %(role)s.", role=ROLE_WORDS[role]),
            {field: _l("Choose an existing %(role)s.", role=ROLE_WORDS[role])},
        )
    if not user.active:
        raise Invalid(
            _l("This %(role)s account is deactivated.", role=ROLE_WORDS[role]),
            {field: _l("This account is deactivated.")},
        )
    return user.id


def set_links(actor: User, student_id: int, *, tutor_id=UNSET, parent_id=UNSET) -> User:
    """Set a student's tutor and/or parent (None clears). Admin: both; the tutor: the parent."""
    student = access.managed_student(actor, student_id)
    profile = student.student_profile
    if profile is None:
        raise Invalid(_l("This student has no profile row; an admin must repair the account."))
    if tutor_id is not UNSET and tutor_id != profile.tutor_id and not access.is_admin(actor):
        raise Forbidden(_l("Only an administrator may change a student's tutor."))
    old_tutor, old_parent = profile.tutor_id, profile.parent_id
    if tutor_id is not UNSET:
        profile.tutor_id = _linkable(tutor_id, Role.TUTOR, "tutor_id")
    if parent_id is not UNSET:
        profile.parent_id = _linkable(parent_id, Role.PARENT, "parent_id")
    if (profile.tutor_id, profile.parent_id) != (old_tutor, old_parent):
        links_changed(student, old_tutor_id=old_tutor, old_parent_id=old_parent)
    db.session.commit()
    return student


def link_parent(
    actor: User, student_id: int, *, parent_id: int | None = None, parent_login: str = ""
) -> User:
    """Link an existing parent, picked by id or by exact username or e-mail (the login wins)."""
    if parent_login and parent_login.strip():
        found = find_by_login(parent_login)
        if found is None or found.role is not Role.PARENT:
            message = _l("No parent account with this username or e-mail.")
            raise Invalid(message, {"parent_login": message})
        parent_id = found.id
    if parent_id is None:
        raise Invalid(_l("Choose a parent."), {"parent_id": _l("Choose a parent.")})
    return set_links(actor, student_id, parent_id=parent_id)
