"""THE BOT: the application factory."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from thebot.config import load_config, resolve_settings
from thebot.extensions import babel, csrf, db, limiter, mail, migrate, talisman

# Every page and API answer: no inline or foreign script, no framing, same-origin connections
# (Socket.IO's ws/wss included: CSP 'self' covers them), images also from blob:/data: (upload
# previews). Inline style attributes and <style> blocks are allowed: a few templates use them.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "blob:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, Socket.IO namespaces, CLI, logging."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config())
    if config:
        app.config.update(config)
    resolve_settings(app.config)

    from thebot import logging_setup

    logging_setup.configure(app)

    import thebot.models  # noqa: F401  (the whole metadata, for Alembic)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(_migrations_dir()), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    _security_headers(app)

    from thebot.web import i18n

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)

    from thebot.web import templating

    templating.init_app(app)

    from thebot.web import auth_setup

    auth_setup.init_app(app)

    from thebot.web import urls

    urls.install_converters(app)
    _register_blueprints(app)

    from thebot.web import errors

    errors.init_app(app)

    connect_signals()

    from thebot.sockets import init_socketio

    init_socketio(app)

    from thebot.cli import register_cli

    register_cli(app)

    proxies = app.config["TRUSTED_PROXIES"]
    if proxies > 0:  # outermost, so Socket.IO's same-origin check sees the client's scheme too
        # Flask's documented way to wrap its WSGI app; its types see only the method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=proxies,
            x_proto=proxies,
            x_host=proxies,
            x_port=proxies,
            x_prefix=proxies,
        )
    return app


def connect_signals() -> None:
    """Every receiver of a cross-area signal (declared in thebot/signals.py), in one place.

    Receivers run inside the sender's transaction. Connecting again (each app built in a
    process) replaces nothing and adds nothing: blinker keeps one connection per receiver.
    """
    from thebot import signals
    from thebot.services import notify
    from thebot.services.billing import invoices as billing_invoices
    from thebot.services.chat import presence, rooms

    signals.enrolled.connect(rooms.enrollment_created)
    signals.enrollment_ended.connect(rooms.enrollment_ended)
    signals.links_changed.connect(rooms.links_changed)
    signals.links_changed.connect(billing_invoices.parent_changed)
    signals.message_created.connect(notify.notify_new_message)
    signals.sockets_swept.connect(presence.forget_orphan_joins)


def _security_headers(app: Flask) -> None:
    """Flask-Talisman: CSP, X-Frame-Options DENY, Referrer-Policy, nosniff, HSTS on https.

    Cookie flags stay the config's (Secure in production), and plain http is served as is
    unless FORCE_HTTPS is set.
    """
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        x_content_type_options=True,
    )


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _register_blueprints(app: Flask) -> None:
    from thebot.admin import bp as admin_bp
    from thebot.api import bp as api_bp
    from thebot.auth import bp as auth_bp
    from thebot.calendar import bp as calendar_bp
    from thebot.chat import bp as chat_bp
    from thebot.main import bp as main_bp
    from thebot.notifications import bp as notifications_bp
    from thebot.parent import bp as parent_bp
    from thebot.payments import bp as payments_bp
    from thebot.student import bp as student_bp
    from thebot.teacher import bp as teacher_bp
    from thebot.tutor import bp as tutor_bp

    for bp in (
        main_bp,
        auth_bp,
        student_bp,
        parent_bp,
        tutor_bp,
        teacher_bp,
        admin_bp,
        chat_bp,
        notifications_bp,
        payments_bp,
        calendar_bp,
    ):
        app.register_blueprint(bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    logging.getLogger(__name__).debug("blueprints registered")
