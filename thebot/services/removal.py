"""Removing an account (issue 11 point 5): erasure that keeps the row.

A removed account is a tombstone: its id stays, so every message, report, lesson, homework and
history row keeps a valid author, and `User.full_name` names it "Deleted user" wherever a
person is named. Everything personal is erased; every credential ends; every link to it
empties (a student is never removed with their parent or tutor); lessons not yet held are
cancelled; chat memberships end (rooms keep their messages). An account with financial
records (invoices as tutor, parent or student, and their payments) is never removed: it can be
deactivated instead (docs/decisions.md, "Removing accounts").
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, or_, select, update

from thebot.extensions import db
from thebot.models import (
    AccountInvitation,
    ApiToken,
    CalendarFeed,
    ChatMember,
    ChatRoom,
    Enrollment,
    Invoice,
    LoginSession,
    Notification,
    NotificationSetting,
    Payment,
    Role,
    StudentProfile,
    User,
)
from thebot.models.base import utcnow
from thebot.services import access, accounts, learning, links
from thebot.services.chat import rooms
from thebot.services.errors import Conflict, NotFound
from thebot.services.lessons import schedule

log = logging.getLogger(__name__)

# A password hash no password matches (werkzeug answers False for an unknown method).
UNUSABLE_PASSWORD = "!removed"


class HasFinancialRecords(Conflict):
    """The account has invoices or payments: removing it would rewrite money history."""

    code = "has_financial_records"

    def __init__(self, message: str, counts: dict[str, int]):
        super().__init__(message)
        self.counts = counts


def placeholder_username(user_id: int) -> str:
    """The login a removed account keeps: unique, meaningless, never matched by sign-in."""
    return f"deleted-{user_id}"


def financial_counts(user: User) -> dict[str, int]:
    """The account's invoices (as tutor, parent or student) and the payments made on them."""
    mine = or_(
        Invoice.tutor_id == user.id, Invoice.parent_id == user.id, Invoice.student_id == user.id
    )
    invoices = db.session.scalar(select(func.count()).select_from(Invoice).where(mine)) or 0
    payments = (
        db.session.scalar(
            select(func.count())
            .select_from(Payment)
            .where(Payment.invoice_id.in_(select(Invoice.id).where(mine)))
        )
        or 0
    )
    return {"invoices": invoices, "payments": payments}


def financial_records(counts: dict[str, int]) -> list[str]:
    """Why this account cannot be removed, one phrase per kind of record (empty: it can)."""
    reasons = []
    if counts["invoices"]:
        reasons.append(ngettext("%(num)d invoice", "%(num)d invoices", counts["invoices"]))
    if counts["payments"]:
        reasons.append(ngettext("%(num)d payment", "%(num)d payments", counts["payments"]))
    return reasons


def refusal(user: User) -> HasFinancialRecords | None:
    """The error removing this account would raise for its financial records, or None."""
    counts = financial_counts(user)
    reasons = financial_records(counts)
    if not reasons:
        return None
    message = _l("This account has %(records)s; deactivate it instead.", records=", ".join(reasons))
    return HasFinancialRecords(message, counts)


def removable_user(admin: User, user_id) -> User:
    """The account an admin may remove: exists, not removed, not the admin; else an error.
    Financial records are reported by `refusal` (the page shows them and offers deactivation)."""
    access.require_admin(admin)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.is_removed:
        raise NotFound(_l("No such person."))
    if user.id == admin.id:
        raise Conflict(_l("You cannot remove your own account."))
    if user.role is Role.ADMIN:
        others = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                User.role == Role.ADMIN,
                User.active.is_(True),
                User.deleted_at.is_(None),
                User.id != user.id,
            )
        )
        if not others:
            raise Conflict(_l("The last administrator cannot be removed."))
    return user


def remove_user(admin: User, user_id) -> User:
    """Remove an account in one transaction (see the module's docstring); refused with
    HasFinancialRecords when it has invoices or payments. Its sockets disconnect on commit."""
    user = removable_user(admin, user_id)
    # Lock the row: two admins removing at once, or a removal racing an edit, go one by one.
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    refused = refusal(user)
    if refused is not None:
        raise refused
    role = user.role
    accounts.end_credentials(user)  # sign-ins and tokens end; every socket drops on commit
    schedule.cancel_upcoming_of(admin, user)  # nobody waits for a lesson that will not happen
    _end_enrollments(user)
    _empty_links_to(user)
    if role is Role.STUDENT:
        _empty_own_links(user)
    _leave_rooms(user)
    _erase(user)
    db.session.commit()
    # Who removed whom, and when (the tombstone's deleted_at): ids and the role only, no
    # personal data. There is no audit table; account_invitations lists links, not this.
    log.info("account %s (%s) removed by admin %s", user.id, role.value, admin.id)
    return user


def _end_enrollments(user: User) -> None:
    """A removed student's or teacher's active enrollments end (their rooms turn read-only)."""
    if user.role not in (Role.STUDENT, Role.TEACHER):
        return
    column = Enrollment.student_id if user.role is Role.STUDENT else Enrollment.teacher_id
    for enrollment in db.session.scalars(
        select(Enrollment).where(column == user.id, Enrollment.is_active.is_(True))
    ):
        learning.close_enrollment(enrollment)


def _empty_links_to(user: User) -> None:
    """Every student whose tutor, parent or second guardian this was keeps everything else;
    the link becomes empty and chat membership follows (links.links_changed). A removed primary
    parent's place goes to the second guardian, if any (a guardian never stands alone)."""
    sp = StudentProfile
    profiles = db.session.scalars(
        select(sp).where(
            or_(sp.tutor_id == user.id, sp.parent_id == user.id, sp.guardian_id == user.id)
        )
    ).all()
    for profile in profiles:
        old = tutor, parent, guardian = (profile.tutor_id, profile.parent_id, profile.guardian_id)
        if tutor == user.id:
            tutor = None
        if guardian == user.id:
            guardian = None
        if parent == user.id:
            parent, guardian = guardian, None
        profile.tutor_id, profile.parent_id, profile.guardian_id = tutor, parent, guardian
        links.links_changed(
            profile.user, old_tutor_id=old[0], old_parent_id=old[1], old_guardian_id=old[2]
        )


def _empty_own_links(student: User) -> None:
    """A removed student's own tutor, parent and guardian links end (they leave its rooms)."""
    profile = student.student_profile
    if profile is None:
        return
    old = (profile.tutor_id, profile.parent_id, profile.guardian_id)
    if old == (None, None, None):
        return
    profile.tutor_id = profile.parent_id = profile.guardian_id = None
    links.links_changed(student, old_tutor_id=old[0], old_parent_id=old[1], old_guardian_id=old[2])


def _leave_rooms(user: User) -> None:
    """The account leaves every room it was a member of; the rooms and messages stay, and the
    members left are told (their member lists and titles change)."""
    db.session.flush()
    room_ids = list(
        db.session.scalars(select(ChatMember.room_id).where(ChatMember.user_id == user.id))
    )
    if not room_ids:
        return
    db.session.execute(delete(ChatMember).where(ChatMember.user_id == user.id))
    for room in db.session.scalars(select(ChatRoom).where(ChatRoom.id.in_(room_ids))):
        rooms.announce_room(room)


def _erase(user: User) -> None:
    """Every personal detail goes; the row stays, inactive, stamped `deleted_at`."""
    user.username = placeholder_username(user.id)
    user.email = None
    user.full_name = ""
    user.password_hash = UNUSABLE_PASSWORD
    user.locale = None
    user.time_zone = "Europe/Moscow"
    user.active = False
    user.deleted_at = utcnow()
    profile = user.profile
    if user.role is Role.STUDENT and profile is not None:
        profile.grade, profile.goal = None, ""
    elif user.role is Role.PARENT and profile is not None:
        profile.phone = ""
    elif user.role in (Role.TUTOR, Role.TEACHER) and profile is not None:
        profile.bio, profile.subjects = "", ""
    # The device names of its ended sign-ins and tokens go too (the rows stay, ended).
    db.session.execute(
        update(LoginSession).where(LoginSession.user_id == user.id).values(user_agent="")
    )
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id).values(device=""))
    for model in (Notification, NotificationSetting, CalendarFeed):
        db.session.execute(delete(model).where(model.user_id == user.id))
    # Invitation links name their record: used up, none of them opens the account again.
    db.session.execute(
        update(AccountInvitation)
        .where(AccountInvitation.user_id == user.id, AccountInvitation.used_at.is_(None))
        .values(used_at=utcnow())
    )
