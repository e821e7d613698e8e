"""Browser sign-in and sign-out."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from thebot.auth import bp
from thebot.auth.forms import LoginForm
from thebot.auth.ratelimit import login_limits, mark_failed
from thebot.services import signins
from thebot.web import LOGIN_KEY
from thebot.web.urls import safe_next


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    """Sign in by username or e-mail; one answer for every failure."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = signins.authenticate(form.login.data, form.password.data)
        except signins.AccountDeactivated as exc:  # the right password: say why, plainly
            form.password.errors.append(exc.message)
            return render_template("auth/login.html", form=form)
        if user is None:
            mark_failed()
            form.password.errors.append(_("Wrong login or password."))
        else:
            session.clear()
            session[LOGIN_KEY] = signins.start_login_session(
                user, request.headers.get("User-Agent", ""), str(get_locale())
            )
            session.permanent = bool(form.remember.data)
            login_user(user)
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
        signins.end_login_session(key)
    return redirect(url_for("auth.login"))
