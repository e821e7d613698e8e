"""Browser sign-in and sign-out."""
from __future__ import annotations

import secrets

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from thebot.auth.forms import LoginForm
from thebot.auth.ratelimit import login_limits, mark_failed
from thebot.services import accounts, events
from thebot.urls import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")
LOGIN_KEY = "login_key"  # names this browser session so logout can end its sockets


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    """Sign in by username or e-mail; one answer for every failure."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = accounts.authenticate(form.login.data, form.password.data)
        if user is None:
            mark_failed()
            form.password.errors.append(_("Wrong login or password."))
        else:
            session.clear()
            login_user(user, remember=form.remember.data)
            session[LOGIN_KEY] = secrets.token_urlsafe(16)
            return redirect(safe_next(form.next.data) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out and disconnect this session's sockets."""
    key = session.get(LOGIN_KEY)
    logout_user()
    session.clear()
    if key:
        events.disconnect_login(key)
        events.flush_now()
    return redirect(url_for("auth.login"))
