"""The texts of the homework notifications, rendered from their params in the current language
(notify_texts.render calls `homework_texts`)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_date, format_time, gettext


def _when(value) -> str:
    """An ISO time from params as a medium date and a short time (9 Nov 2026, 18:00)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{format_date(moment, 'medium')}, {format_time(moment, 'short')}"


def homework_texts(kind: str, params: dict) -> tuple[str, str]:
    """(title, body) of homework_set and homework_graded (graded, or returned for rework)."""
    if kind == "homework_set":
        return (
            gettext("New homework: %(title)s", title=params["title"]),
            gettext(
                "%(subject)s, from %(teacher)s, due %(due)s.",
                subject=params["subject"],
                teacher=params["teacher"],
                due=_when(params["due"]),
            ),
        )
    feedback = params.get("feedback") or ""
    if params.get("outcome") == "returned":
        return (
            gettext("Homework returned for rework: %(title)s", title=params["title"]),
            gettext("%(teacher)s: %(feedback)s", teacher=params["teacher"], feedback=feedback),
        )
    title = gettext(
        "Homework graded: %(title)s, %(score)s of %(max)s",
        title=params["title"],
        score=params["score"],
        max=params["max_score"],
    )
    if feedback:
        return title, gettext(
            "%(teacher)s: %(feedback)s", teacher=params["teacher"], feedback=feedback
        )
    return title, gettext("Graded by %(teacher)s.", teacher=params["teacher"])
