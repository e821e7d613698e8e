"""Who a user sees, loaded for pages and API answers in a fixed number of queries."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from thebot.extensions import db
from thebot.models import Role, StudentProfile, User
from thebot.services import access


def students_visible_to(viewer: User) -> list[User]:
    """The students this viewer may see, by name, with profile, tutor and parent loaded."""
    query = (
        select(User)
        .where(User.role == Role.STUDENT, User.id.in_(access.student_ids_visible_to(viewer)))
        .options(joinedload(User.student_profile).joinedload(StudentProfile.tutor),
                 joinedload(User.student_profile).joinedload(StudentProfile.parent))
        .order_by(func.lower(User.full_name))
    )
    return list(db.session.scalars(query).unique())


def users_visible_to(viewer: User, role: Role | None = None) -> list[User]:
    """Everyone this viewer may see (optionally of one role), by name."""
    query = access.filter_visible_users(viewer, select(User))
    if role is not None:
        query = query.where(User.role == role)
    return list(db.session.scalars(query.order_by(func.lower(User.full_name))))


def all_users(role: Role | None = None, search: str = "") -> list[User]:
    """Every account for the admin list, optionally one role or matching a search."""
    query = select(User).order_by(User.role, func.lower(User.full_name))
    if role is not None:
        query = query.where(User.role == role)
    if search:
        like = f"%{search.strip().lower()}%"
        query = query.where(func.lower(User.full_name).like(like) | User.username.like(like)
                            | func.coalesce(User.email, "").like(like))
    return list(db.session.scalars(query))
