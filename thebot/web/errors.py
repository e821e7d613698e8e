"""Error answers for pages: friendly HTML; /api gets the JSON envelope (see api/errors.py)."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from thebot.api.errors import error_response, http_error_response
from thebot.extensions import db
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
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()  # the page below may query (e.g. the unread bell)
        if _is_api():
            return error_response(500, "internal_error", _("Something went wrong on our side."))
        return _page(500, _titles()[500], _messages()[500])
