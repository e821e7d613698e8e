"""The canonical student links (tutor, parent, second guardian) and what follows when they
change."""

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


def set_links(
    actor: User, student_id: int, *, tutor_id=UNSET, parent_id=UNSET, guardian_id=UNSET
) -> User:
    """Set a student's tutor, parent and/or second guardian (None clears; UNSET keeps).

    Admin: all three; the student's tutor: the parent and the guardian. The guardian is an
    active parent account other than the primary parent, and only a student with a primary
    parent has one (field errors otherwise). Swapping the two is one call
    (parent_id=guardian, guardian_id=parent). Everything that follows (rooms, invoices) happens
    in the same transaction, through `links_changed`.
    """
    student = access.managed_student(actor, student_id)
    profile = student.student_profile
    if profile is None:
        raise Invalid(_l("This student has no profile row; an admin must repair the account."))
    if tutor_id is not UNSET and tutor_id != profile.tutor_id and not access.is_admin(actor):
        raise Forbidden(_l("Only an administrator may change a student's tutor."))
    old = (profile.tutor_id, profile.parent_id, profile.guardian_id)
    # Validate everything before assigning: a half-assigned profile must never be flushed.
    new_tutor = old[0] if tutor_id is UNSET else _linkable(tutor_id, Role.TUTOR, "tutor_id")
    new_parent = old[1] if parent_id is UNSET else _linkable(parent_id, Role.PARENT, "parent_id")
    new_guardian = (
        old[2] if guardian_id is UNSET else _linkable(guardian_id, Role.PARENT, "guardian_id")
    )
    _check_family(new_parent, new_guardian, guardian_given=guardian_id is not UNSET)
    if (new_tutor, new_parent, new_guardian) != old:
        profile.tutor_id, profile.parent_id, profile.guardian_id = (
            new_tutor,
            new_parent,
            new_guardian,
        )
        links_changed(student, old_tutor_id=old[0], old_parent_id=old[1], old_guardian_id=old[2])
    db.session.commit()
    return student


def _check_family(parent_id: int | None, guardian_id: int | None, *, guardian_given: bool) -> None:
    """The guardian is not the primary parent, and there is no guardian without a parent."""
    if guardian_id is None:
        return
    if guardian_id == parent_id:
        if guardian_given:
            message = _l("The second guardian must be another parent than the primary one.")
            raise Invalid(message, {"guardian_id": message})
        message = _l("This parent is the second guardian: make them the primary parent instead.")
        raise Invalid(message, {"parent_id": message})
    if parent_id is None:
        field = "guardian_id" if guardian_given else "parent_id"
        message = (
            _l("Link the primary parent first: a second guardian needs one.")
            if guardian_given
            else _l("Remove the second guardian or make them the primary parent first.")
        )
        raise Invalid(message, {field: message})


def _parent_by_login(login: str, field: str) -> int:
    found = find_by_login(login)
    if found is None or found.role is not Role.PARENT:
        message = _l("No parent account with this username or e-mail.")
        raise Invalid(message, {field: message})
    return found.id


def link_parent(
    actor: User, student_id: int, *, parent_id: int | None = None, parent_login: str = ""
) -> User:
    """Link an existing parent, picked by id or by exact username or e-mail (the login wins)."""
    if parent_login and parent_login.strip():
        parent_id = _parent_by_login(parent_login, "parent_login")
    if parent_id is None:
        raise Invalid(_l("Choose a parent."), {"parent_id": _l("Choose a parent.")})
    return set_links(actor, student_id, parent_id=parent_id)


def link_guardian(
    actor: User, student_id: int, *, guardian_id: int | None = None, guardian_login: str = ""
) -> User:
    """Link an existing parent account as the second guardian, by id or by exact username or
    e-mail (the login wins); a current guardian is replaced."""
    if guardian_login and guardian_login.strip():
        guardian_id = _parent_by_login(guardian_login, "guardian_login")
    if guardian_id is None:
        message = _l("Choose a parent.")
        raise Invalid(message, {"guardian_id": message})
    return set_links(actor, student_id, guardian_id=guardian_id)


def remove_guardian(actor: User, student_id: int) -> User:
    """The student has no second guardian any more (nothing else changes)."""
    return set_links(actor, student_id, guardian_id=None)


def swap_guardians(actor: User, student_id: int) -> User:
    """The second guardian becomes the primary parent and the primary parent the guardian."""
    student = access.managed_student(actor, student_id)
    profile = student.student_profile
    if profile is None or profile.guardian_id is None:
        message = _l("This student has no second guardian.")
        raise Invalid(message, {"guardian_id": message})
    return set_links(
        actor, student_id, parent_id=profile.guardian_id, guardian_id=profile.parent_id
    )
