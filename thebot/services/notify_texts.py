"""Notification texts per kind: `render` gives a notification's title and body in the current
language from its kind and params (names, ISO dates, amounts, user text), so a stored
notification reads in whatever language it is shown in.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import format_currency, format_date, gettext

from thebot.services.homework.texts import homework_texts
from thebot.services.lessons.texts import lesson_texts

log = logging.getLogger(__name__)


def _date(value) -> str:
    """An ISO date from params, in the current language's medium format (9 Nov 2026)."""
    try:
        return format_date(date.fromisoformat(str(value)), "medium")
    except ValueError:
        return str(value)


def _report_about(params: dict) -> str:
    week = gettext("week of %(date)s", date=_date(params.get("week", "")))
    parts = [params.get("student", ""), params.get("subject") or "", week]
    return ", ".join(part for part in parts if part)


def _money(params: dict) -> str:
    """An amount from params ("1500.00" and a currency), in the current language (1 500,00 ₽)."""
    try:
        return format_currency(Decimal(str(params["amount"])), params.get("currency") or "RUB")
    except InvalidOperation:
        return str(params["amount"])


def _invoice_texts(kind: str, params: dict) -> tuple[str, str]:
    """(title, body) of the invoice kinds: sent and overdue to the parent, viewed and paid to
    the tutor."""
    values = {"amount": _money(params), "student": params["student"]}
    if kind == "invoice_sent":
        return (
            gettext("New invoice: %(amount)s for %(student)s", **values),
            gettext(
                "%(name)s billed you, due %(date)s: %(text)s",
                name=params["tutor"],
                date=_date(params["due"]),
                text=params.get("description", ""),
            ),
        )
    if kind == "invoice_viewed":
        return (
            gettext("Invoice viewed: %(amount)s for %(student)s", **values),
            gettext("%(name)s has opened the invoice.", name=params["parent"]),
        )
    if kind == "invoice_paid":
        return (
            gettext("Invoice paid: %(amount)s for %(student)s", **values),
            gettext("%(name)s has paid the invoice.", name=params["parent"]),
        )
    return (
        gettext("Invoice overdue: %(amount)s for %(student)s", **values),
        gettext("It was due on %(date)s.", date=_date(params["due"])),
    )


def render(kind: str, params: dict, title: str = "", body: str = "") -> tuple[str, str]:
    """A notification's (title, body) in the current language, from its kind and params.

    Kinds without a rendering here (or params missing a value) keep the given fixed text.
    """
    try:
        if kind == "message":
            return (
                gettext("New message from %(name)s", name=params["sender"]),
                params.get("snippet", ""),
            )
        if kind == "report_sent":
            return (
                gettext("New report: %(about)s", about=_report_about(params)),
                params.get("summary", ""),
            )
        if kind == "report_read":
            return (
                gettext("Report read: %(about)s", about=_report_about(params)),
                gettext("%(name)s has read your report.", name=params["reader"]),
            )
        if kind.startswith("invoice_"):
            return _invoice_texts(kind, params)
        if kind.startswith("lesson_"):
            return lesson_texts(kind, params)
        if kind.startswith("homework_"):
            return homework_texts(kind, params)
    except (KeyError, TypeError):
        log.warning("notification of kind %s has incomplete params", kind)
    return title, body
