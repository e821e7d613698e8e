"""In-app notifications and each user's per-category notification settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from thebot.models.base import Model, UTCDateTime, utcnow

# Every kind of notification, by the settings category it belongs to.
CATEGORY_KINDS: dict[str, tuple[str, ...]] = {
    "chat": ("message",),
    "reports": ("report_sent", "report_read"),
    "billing": ("invoice_sent", "invoice_viewed", "invoice_paid", "invoice_overdue"),
    "lessons": ("lesson_scheduled", "lesson_changed", "lesson_cancelled"),
    "homework": ("homework_set", "homework_graded"),
    # One e-mail for the rooms a member has left unread (services/chat/digest.py): no in-app kind.
    "chat_digest": (),
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_KINDS)
KIND_CATEGORY: dict[str, str] = {
    kind: category for category, kinds in CATEGORY_KINDS.items() for kind in kinds
}
KINDS: tuple[str, ...] = tuple(KIND_CATEGORY)

# The categories of what the product has today (the settings page shows these; the API keeps
# every category above, so areas still to come need no API change).
LIVE_CATEGORIES: tuple[str, ...] = (
    "chat",
    "reports",
    "billing",
    "lessons",
    "homework",
    "chat_digest",
)
# Categories that only e-mail: their `in_app` switch is always false and cannot be switched on.
EMAIL_ONLY_CATEGORIES: tuple[str, ...] = ("chat_digest",)

# Defaults when a user has not saved a choice: in-app everywhere; e-mail except for chat,
# which would mail on every conversation.
DEFAULT_IN_APP: dict[str, bool] = {
    category: category not in EMAIL_ONLY_CATEGORIES for category in CATEGORIES
}
DEFAULT_EMAIL: dict[str, bool] = {
    category: category not in ("chat", "chat_digest") for category in CATEGORIES
}
# Roles for which a category's e-mail is on by default, whatever DEFAULT_EMAIL says: the chat
# digest mails parents (who rarely keep the chat open) and nobody else unless they switch it on.
DEFAULT_EMAIL_ROLES: dict[str, tuple[str, ...]] = {"chat_digest": ("parent",)}


def default_settings(role: str | None) -> dict[str, dict[str, bool]]:
    """{category: {"in_app", "email"}} a user of this role has before saving any choice."""
    return {
        category: {
            "in_app": DEFAULT_IN_APP[category],
            "email": DEFAULT_EMAIL[category] or role in DEFAULT_EMAIL_ROLES.get(category, ()),
        }
        for category in CATEGORIES
    }


class Notification(Model):
    """One in-app notification for one user, with a link to what it is about."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The list and the unread count read newest first per user.
        Index("ix_notifications_user_id_id", "user_id", "id"),
        # At most one unread notification per (user, key): e.g. one "new message" per room.
        Index(
            "uq_notifications_unread_dedupe",
            "user_id",
            "dedupe_key",
            unique=True,
            postgresql_where=text("read_at IS NULL AND dedupe_key IS NOT NULL"),
            sqlite_where=text("read_at IS NULL AND dedupe_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # What the texts are made of (names, dates, user text): title and body are rendered from the
    # kind and these in the viewer's language when shown; `title`/`body` keep the recipient's
    # rendering at creation (for e-mail, and for rows without params).
    params: Mapped[dict | None] = mapped_column(JSON)
    url: Mapped[str] = mapped_column(String(500), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def category(self) -> str:
        return KIND_CATEGORY.get(self.kind, "")

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationSetting(Model):
    """A user's saved choice for one category; a missing row means the defaults."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(16), primary_key=True)
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
