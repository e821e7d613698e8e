"""People as the other areas look them up: by login, their language, and who a user sees
(loaded for pages and API answers in a fixed number of queries)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from thebot.extensions import db
from thebot.models import Role, StudentProfile, User
from thebot.services import access


def normalize_login(value: str | None) -> str:
    """Usernames and e-mails are compared lower-case and without surrounding space."""
    return (value or "").strip().lower()


def find_by_login(login: str) -> User | None:
    """The account whose username or e-mail is this login, case-insensitively (a removed
    account has none: it cannot sign in, be reset or be linked by login)."""
    login = normalize_login(login)
    if not login:
        return None
    column = User.email if "@" in login else User.username
    return db.session.scalar(select(User).where(column == login, User.deleted_at.is_(None)))


def locale_of(user) -> str:
    """The language a user reads notifications and e-mails in (User or id)."""
    if isinstance(user, int):
        user = db.session.get(User, user)
    chosen = user.locale if user is not None else None
    if chosen is not None and chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def students_visible_to(viewer: User) -> list[User]:
    """The students this viewer may see, by name, with profile, tutor and parent loaded."""
    query = (
        select(User)
        .where(
            User.role == Role.STUDENT,
            User.deleted_at.is_(None),
            User.id.in_(access.student_ids_visible_to(viewer)),
        )
        .options(
            joinedload(User.student_profile).joinedload(StudentProfile.tutor),
            joinedload(User.student_profile).joinedload(StudentProfile.parent),
        )
        .order_by(func.lower(User.full_name))
    )
    return list(db.session.scalars(query).unique())


def users_visible_to(viewer: User, role: Role | None = None) -> list[User]:
    """Everyone this viewer may see (optionally of one role), by name."""
    query = access.filter_visible_users(viewer, select(User).where(User.deleted_at.is_(None)))
    if role is not None:
        query = query.where(User.role == role)
    return list(db.session.scalars(query.order_by(func.lower(User.full_name))))


def all_users(role: Role | None = None, search: str = "", *, removed: bool = False) -> list[User]:
    """Every account for the admin list, optionally one role or matching a search; removed
    accounts only when `removed` asks for them (and then only those)."""
    query = select(User).order_by(User.role, func.lower(User.full_name))
    query = query.where(User.deleted_at.is_not(None) if removed else User.deleted_at.is_(None))
    if role is not None:
        query = query.where(User.role == role)
    if search:
        like = f"%{search.strip().lower()}%"
        query = query.where(
            func.lower(User.full_name).like(like)
            | User.username.like(like)
            | func.coalesce(User.email, "").like(like)
        )
    return list(db.session.scalars(query))
