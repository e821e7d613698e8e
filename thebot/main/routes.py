"""Site-wide routes: the home redirect, health check and language switch."""

from __future__ import annotations

import logging

from flask import abort, current_app, jsonify, redirect, request, send_from_directory, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from thebot.extensions import db
from thebot.main import bp
from thebot.services import accounts
from thebot.web.i18n import LANG_COOKIE
from thebot.web.urls import safe_next

log = logging.getLogger(__name__)


@bp.get("/")
@login_required
def home():
    """Send the signed-in user to their own role's dashboard."""
    return redirect(url_for(f"{current_user.role.value}.dashboard"))


@bp.get("/favicon.ico")
def favicon():
    """The site icon (thebot/static/favicon.ico), where browsers look for it."""
    folder = current_app.static_folder
    if folder is None:  # an app without static files has no icon either
        abort(404)
    return send_from_directory(
        folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=7 * 24 * 3600
    )


# Whether this process's last health check found the database answering: an outage is logged
# when it starts (with the traceback) and when it ends, not on every probe of a load balancer.
_database_answered = True


@bp.get("/healthz")
def healthz():
    """200 {"status": "ok"} when the database answers, 503 {"status": "unavailable"} otherwise."""
    global _database_answered
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # a boundary: the probe reports, it does not crash
        if _database_answered:
            log.exception("health check: database does not answer")
        _database_answered = False
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the session is discarded at teardown
            log.debug("rollback after a failed health check failed", exc_info=True)
        return jsonify({"status": "unavailable"}), 503
    if not _database_answered:
        log.info("health check: database answers again")
    _database_answered = True
    return jsonify({"status": "ok"})


@bp.post("/lang")
def set_language():
    """Remember the chosen language in a cookie and go back."""
    lang = request.form.get("lang", "")
    response = redirect(safe_next(request.form.get("next")) or url_for("main.home"))
    if lang in current_app.config["LANGUAGES"]:
        if current_user.is_authenticated:
            accounts.set_locale(current_user._get_current_object(), lang)
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
