"""Flask-Login wiring: sessions name a user and their session version."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l

from thebot.api.errors import error_response
from thebot.extensions import login_manager
from thebot.services import signins
from thebot.web import LOGIN_KEY


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(user_id: str):
        # A session is good only while its server-side sign-in record is live.
        return signins.user_for_login_session(user_id, session.get(LOGIN_KEY), stamp=True)

    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.path.startswith("/api/"):
            return error_response(401, "unauthorized", str(_l("Sign in first.")))
        # A custom handler replaces Flask-Login's own flash, so say why the sign-in page shows.
        flash(str(login_manager.login_message), login_manager.login_message_category)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
