"""A family a tutor created in one form: the record that makes the form idempotent and lets the
credentials be shown exactly once (no password is ever stored here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from thebot.models.accounts import User
from thebot.models.base import Model, UTCDateTime, utcnow


class FamilyCreation(Model):
    """One submitted new-family form, by its one-time form key (stored as a SHA-256 digest)."""

    __tablename__ = "family_creations"
    __table_args__ = (
        # A resubmitted form (double-click, refresh of the POST) finds the family it made.
        UniqueConstraint("creator_id", "key_hash", name="uq_family_creations_creator_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the passwords were issued and shown; null until the result page is first opened.
    credentials_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    student: Mapped[User | None] = relationship(foreign_keys=[student_id])
    parent: Mapped[User | None] = relationship(foreign_keys=[parent_id])


class AccountInvitation(Model):
    """One invitation, re-sent invitation or password reset a tutor (or admin) gave an account.

    The link itself is an itsdangerous token naming this record; only the latest invite or
    re-send of an account is honoured, and none once used (no secret is stored here)."""

    __tablename__ = "account_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # "invite", "resend" or "password_reset"
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the link was used to choose a password (invite/resend), or when a password reset's
    # new password was shown (password_reset; services/invitations.reveal_reset_password).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
