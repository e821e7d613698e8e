"""Invitations: a family member with an e-mail chooses their own password through a signed,
single-use, expiring link; the tutor re-sends it or resets a password (shown once). Each is
recorded in `account_invitations`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from thebot.extensions import db
from thebot.models import AccountInvitation, User
from thebot.models.base import execute_dml, utcnow
from thebot.services import access, mailer
from thebot.services.accounts import set_password
from thebot.services.errors import Conflict, Invalid, NotFound

INVITE, RESEND, PASSWORD_RESET = "invite", "resend", "password_reset"
# A reset's new password is shown on the first opening of its page within this time only.
RESET_REVEAL_TTL = timedelta(minutes=30)
_SALT = "thebot.invitation"


def generate_password() -> str:
    """A random password for an account whose owner will change or keep it."""
    return secrets.token_urlsafe(9)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _record(actor: User | None, user: User, kind: str) -> AccountInvitation:
    record = AccountInvitation(
        actor_id=actor.id if actor else None, user_id=user.id, kind=kind, created_at=utcnow()
    )
    db.session.add(record)
    db.session.flush()
    return record


def may_invite(user: User) -> bool:
    """Whether an invitation can reach this account (it has an e-mail address)."""
    return bool(user.email)


def invite(actor: User | None, user: User, kind: str = INVITE) -> AccountInvitation:
    """Record an invitation and e-mail its link after commit (no commit; needs an e-mail and
    an active account: `invited_user` refuses the link of one that is not)."""
    if not user.active:  # removed accounts are inactive too
        raise Conflict(_l("This account is not active: an invitation would not work."))
    if not may_invite(user):
        raise Invalid(_l("This account has no e-mail address."))
    record = _record(actor, user, kind)
    token = _serializer().dumps({"i": record.id, "u": user.id})
    link = mailer.absolute_link(url_for("auth.invite", token=token))
    days = max(1, current_app.config["INVITATION_TTL_SECONDS"] // 86400)
    mailer.send_template_after_commit(
        user,
        "invitation",
        _l("THE BOT: choose your password"),
        link=link,
        username=user.username,
        days=days,
        inviter=actor.full_name if actor else "",
    )
    return record


def family_member(actor: User, student_id: int, user_id: int) -> User:
    """A managed student, or the parent or second guardian of one, by id (anything else is
    NotFound)."""
    student = access.managed_student(actor, student_id)
    profile = student.student_profile
    if user_id == student.id:
        return student
    if profile is not None and user_id in profile.guardian_ids:
        member = db.session.get(User, user_id)
        if member is not None:
            return member
    raise NotFound(_l("No such person."))


def resend(actor: User, student_id: int, user_id: int) -> AccountInvitation:
    """Re-send an invitation to a family member: the earlier links stop working."""
    user = family_member(actor, student_id, user_id)
    record = invite(actor, user, RESEND)
    db.session.commit()
    return record


def reset_member_password(actor: User, student_id: int, user_id: int) -> AccountInvitation:
    """Reset a family member's password: every sign-in, token and socket of that account ends
    and any invitation link dies now; the new password is issued by `reveal_reset_password`
    on the page this answer redirects to (once), like a new family's credentials."""
    user = family_member(actor, student_id, user_id)
    set_password(user, generate_password())  # nobody knows this one: the reveal replaces it
    record = _record(actor, user, PASSWORD_RESET)
    db.session.commit()
    return record


def reveal_reset_password(actor: User, student_id: int, record_id: int) -> tuple[User, str | None]:
    """The family member a reset of this user's was for, and their new password: issued on the
    first call within RESET_REVEAL_TTL of the reset only (claimed by one UPDATE, `used_at`
    marks it shown). Later calls (a reload, Back) get None and change nothing; only the hash is
    stored, so the password exists only in the first answer."""
    student = access.managed_student(actor, student_id)
    record = db.session.get(AccountInvitation, record_id)
    if record is None or record.kind != PASSWORD_RESET or record.actor_id != actor.id:
        raise NotFound(_l("No such password reset."))
    user = family_member(actor, student.id, record.user_id)
    now = utcnow()
    claimed = execute_dml(
        update(AccountInvitation)
        .where(
            AccountInvitation.id == record.id,
            AccountInvitation.used_at.is_(None),
            AccountInvitation.created_at > now - RESET_REVEAL_TTL,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.commit()
        return user, None
    password = generate_password()
    set_password(user, password)
    db.session.commit()
    return user, password


def invited_user(token: str) -> tuple[User, AccountInvitation]:
    """The account and invitation a link names, if still usable: signed, not expired, the
    account's latest invitation, not used, account active. Anything else is NotFound."""
    gone = NotFound(_l("This invitation link is invalid, used or expired."))
    try:
        data = _serializer().loads(token, max_age=current_app.config["INVITATION_TTL_SECONDS"])
    except (SignatureExpired, BadSignature):
        raise gone from None
    if not isinstance(data, dict):
        raise gone
    record = db.session.get(AccountInvitation, data.get("i"))
    if record is None or record.user_id != data.get("u") or record.used_at is not None:
        raise gone
    latest = db.session.scalar(
        select(AccountInvitation)
        .where(AccountInvitation.user_id == record.user_id)
        .order_by(AccountInvitation.id.desc())
        .limit(1)
    )
    if latest is None or latest.id != record.id or not record.user.active:
        raise gone  # re-sent since, or the password was reset since
    return record.user, record


def accept(token: str, password: str) -> User:
    """Set the password an invitation link was for; the link is then used up."""
    user, record = invited_user(token)
    set_password(user, password)
    record.used_at = utcnow()
    db.session.commit()
    return user


def history(actor: User, student_id: int) -> list[AccountInvitation]:
    """The invitations and resets of a managed student's family, newest first."""
    student = access.managed_student(actor, student_id)
    profile = student.student_profile
    ids = [student.id, *(profile.guardian_ids if profile is not None else [])]
    return list(
        db.session.scalars(
            select(AccountInvitation)
            .where(AccountInvitation.user_id.in_(ids))
            .order_by(AccountInvitation.id.desc())
        )
    )


# What the admin's list says of a row (`all_invitations`): a link is sent (still usable), used,
# expired or replaced by a later row of its account; a reset's new password shown or not.
SENT, USED, EXPIRED, REPLACED = "sent", "used", "expired", "replaced"
SHOWN, NOT_SHOWN = "shown", "not_shown"


@dataclass
class InvitationRow:
    record: AccountInvitation
    status: str
    expires_at: datetime | None  # invitations only: when the link stops working


def all_invitations(actor: User, *, limit: int = 200) -> list[InvitationRow]:
    """Every recorded invitation, re-send and password reset, newest first, with its status
    (admins only): a link is used, expired, replaced by a later row of the account, or sent
    (still usable); a reset's password was shown or not."""
    access.require_admin(actor)
    records = list(
        db.session.scalars(
            select(AccountInvitation)
            .options(selectinload(AccountInvitation.user), selectinload(AccountInvitation.actor))
            .order_by(AccountInvitation.id.desc())
            .limit(limit)
        )
    )
    ids = {r.user_id for r in records}
    latest: dict[int, int] = {
        user_id: last_id
        for user_id, last_id in db.session.execute(
            select(AccountInvitation.user_id, func.max(AccountInvitation.id))
            .where(AccountInvitation.user_id.in_(ids))
            .group_by(AccountInvitation.user_id)
        )
    }
    ttl = timedelta(seconds=current_app.config["INVITATION_TTL_SECONDS"])
    now = utcnow()
    rows = []
    for record in records:
        if record.kind == PASSWORD_RESET:
            rows.append(InvitationRow(record, SHOWN if record.used_at else NOT_SHOWN, None))
            continue
        expires_at = record.created_at + ttl
        if record.used_at is not None:
            status = USED
        elif latest.get(record.user_id) != record.id:
            status = REPLACED
        elif expires_at <= now:
            status = EXPIRED
        else:
            status = SENT
        rows.append(InvitationRow(record, status, expires_at))
    return rows


def resend_recorded(actor: User, invitation_id: int) -> AccountInvitation:
    """An admin re-sends an invitation to the account a recorded row was for: a new link,
    the earlier ones stop working. Refused for an account without an e-mail or not active."""
    access.require_admin(actor)
    record = db.session.get(AccountInvitation, invitation_id)
    if record is None:
        raise NotFound(_l("No such invitation."))
    new = invite(actor, record.user, RESEND)
    db.session.commit()
    return new
