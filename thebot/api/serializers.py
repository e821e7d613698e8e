"""JSON shapes of the API and socket answers."""

from __future__ import annotations

from typing import overload

from thebot.api.shapes import (
    BOOLEAN,
    BRIEF_FIELDS,
    DATETIME,
    ID,
    INTEGER,
    STRING,
    SUMMARY_FIELDS,
    USER_BRIEF,
    array,
    component,
    nullable,
    obj,
)
from thebot.models import Enrollment, Role, User
from thebot.models.base import iso
from thebot.services import access


@overload
def user_brief(user: User) -> dict: ...
@overload
def user_brief(user: User | None) -> dict | None: ...
def user_brief(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "full_name": user.full_name, "role": user.role.value}


def user_summary(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role.value,
    }


def profile_dict(user: User, viewer: User | None = None) -> dict | None:
    """The role profile as JSON, or None when the row is missing (or the user is an admin)."""
    profile = user.profile
    if profile is None:
        return None
    if user.role is Role.STUDENT:
        return {
            "grade": profile.grade,
            "goal": profile.goal,
            "tutor": user_brief(profile.tutor),
            "parent": user_brief(profile.parent),
            "guardian": user_brief(profile.guardian),
        }
    if user.role is Role.PARENT:
        # The phone is for the family's own people, not for the child's view of "parent: name only".
        if viewer is not None and viewer.role is Role.STUDENT:
            return {}
        return {"phone": profile.phone}
    return {"bio": profile.bio, "subjects": profile.subjects}


# A student's links and details: in their profile, and in the API's student.
_STUDENT_FIELDS: dict[str, dict] = {
    "grade": nullable(INTEGER),
    "goal": STRING,
    "tutor": nullable(USER_BRIEF),
    "parent": nullable(USER_BRIEF),
    "guardian": nullable(USER_BRIEF),
}
# A student's, a parent's (empty when a student looks), or a teacher's / tutor's profile.
PROFILE = component(
    "Profile",
    {
        "anyOf": [
            obj(_STUDENT_FIELDS),
            obj({"phone": STRING}, optional=("phone",)),
            obj({"bio": STRING, "subjects": STRING}),
        ]
    },
)
ME_FIELDS: dict[str, dict] = {
    **SUMMARY_FIELDS,
    "email": nullable(STRING),
    "profile": nullable(PROFILE),
}
ME = component("Me", obj(ME_FIELDS))


def me_dict(user: User) -> dict:
    return {**user_summary(user), "email": user.email, "profile": profile_dict(user, user)}


ENROLLMENT = component(
    "Enrollment",
    obj(
        {
            "id": ID,
            "title": STRING,
            "subject": obj({"id": ID, "name": STRING}),
            "student": USER_BRIEF,
            "teacher": USER_BRIEF,
            "active": BOOLEAN,
            "created_at": DATETIME,
            "ended_at": nullable(DATETIME),
        }
    ),
)
STUDENT = component(
    "Student",
    obj(
        {
            **BRIEF_FIELDS,
            **_STUDENT_FIELDS,
            "enrollments": array(ENROLLMENT),
            "manageable": BOOLEAN,
        }
    ),
)


def enrollment_dict(enrollment: Enrollment) -> dict:
    return {
        "id": enrollment.id,
        "title": enrollment.title,
        "subject": {"id": enrollment.subject.id, "name": enrollment.subject.name},
        "student": user_brief(enrollment.student),
        "teacher": user_brief(enrollment.teacher),
        "active": enrollment.is_active,
        "created_at": iso(enrollment.created_at),
        "ended_at": iso(enrollment.ended_at),
    }


def student_dict(student: User, enrollments: list[Enrollment], viewer: User) -> dict:
    profile = student.student_profile
    return {
        **user_brief(student),
        "grade": profile.grade if profile else None,
        "goal": profile.goal if profile else "",
        "tutor": user_brief(profile.tutor) if profile else None,
        "parent": user_brief(profile.parent) if profile else None,
        "guardian": user_brief(profile.guardian) if profile else None,
        "enrollments": [enrollment_dict(e) for e in enrollments],
        "manageable": access.can_manage_student(viewer, student),
    }
