"""Error answers for pages: friendly HTML; /api gets the JSON envelope (see api/errors.py)."""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from thebot.api.errors import error_response, http_error_response
from thebot.extensions import db, login_manager
from thebot.services.errors import DomainError

log = logging.getLogger(__name__)


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _titles():
    return {
        400: _("Bad request"),
        403: _("Access denied"),
        404: _("Page not found"),
        405: _("Not allowed"),
        409: _("Conflict"),
        413: _("File too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong"),
        503: _("Unavailable"),
    }


def _messages():
    return {
        400: _("The request could not be understood. Please go back and try again."),
        403: _("This page belongs to another part of THE BOT."),
        404: _("There is nothing here, or it is not yours to see."),
        405: _("This address does not accept that kind of request."),
        409: _("This conflicts with the current state. Please reload and try again."),
        413: _("The file is larger than allowed."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("We have been told about it. Please try again in a moment."),
        503: _("The service is unavailable right now."),
    }


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached: stopped or restarting, the connection lost, no pooled
    connection free in time, the SQLite file locked. Not a bug of ours: 503, not 500."""
    if isinstance(exc, (sa_exc.TimeoutError, sa_exc.DisconnectionError)):
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if isinstance(exc.orig, sqlite3.OperationalError):  # "no such table" is a bug, not an outage
        return "locked" in str(exc.orig) or "unable to open" in str(exc.orig)
    return isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError))


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        if _is_api():
            return error_response(400, "bad_request", _("Missing or invalid CSRF token."))
        return _page(
            400,
            _("Form expired"),
            _("The form has expired or was sent from another site. Please try again."),
        )

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        if _is_api():
            return error_response(exc.status, exc.code, exc.message, exc.fields)
        status = exc.status
        return _page(
            status, _titles().get(status, _("Error")), _messages().get(status, exc.message)
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if _is_api():
            return http_error_response(exc)
        status = exc.code or 500
        return _page(
            status, _titles().get(status, exc.name), _messages().get(status, exc.description)
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if database_unavailable(exc):
            return _unavailable(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()  # the page below may query (e.g. the unread bell)
        if _is_api():
            return error_response(500, "internal_error", _("Something went wrong on our side."))
        return _page(500, _titles()[500], _messages()[500])


def _unavailable(exc: Exception):
    """The database is away: one log line with the traceback, then 503 (the envelope, or a page
    drawn without asking the database who is signed in)."""
    log.error("database unavailable on %s %s", request.method, request.path, exc_info=exc)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is discarded at teardown anyway
        log.debug("rollback after a database outage failed", exc_info=True)
    if _is_api():
        return error_response(503, "unavailable", _("The service is unavailable right now."))
    g._login_user = login_manager.anonymous_user()  # Flask-Login would query the database again
    return _page(503, _titles()[503], _("The service is unavailable right now."))
