"""THE BOT: the application factory."""
from __future__ import annotations

import logging

from flask import Flask

from thebot.config import load_config
from thebot.extensions import babel, csrf, db, limiter, login_manager, mail, migrate, socketio


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, Socket.IO namespaces, CLI, logging."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config())
    if config:
        app.config.update(config)

    from thebot import logging_setup
    logging_setup.configure(app)

    import thebot.models  # noqa: F401  (the whole metadata, for Alembic)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)

    from thebot import i18n
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)

    from thebot import templating
    templating.init_app(app)

    from thebot import auth_setup
    auth_setup.init_app(app)

    from thebot import urls
    urls.install_converters(app)
    _register_blueprints(app)

    from thebot import errors
    errors.init_app(app)

    from thebot.sockets import init_socketio
    init_socketio(app)

    from thebot.cli import register_cli
    register_cli(app)
    return app


def _migrations_dir():
    from pathlib import Path
    return Path(__file__).resolve().parent.parent / "migrations"


def _register_blueprints(app: Flask) -> None:
    from thebot.admin.routes import bp as admin_bp
    from thebot.api import bp as api_bp
    from thebot.auth.routes import bp as auth_bp
    from thebot.chat.routes import bp as chat_bp
    from thebot.main import bp as main_bp
    from thebot.notifications.routes import bp as notifications_bp
    from thebot.parent.routes import bp as parent_bp
    from thebot.student.routes import bp as student_bp
    from thebot.teacher.routes import bp as teacher_bp
    from thebot.tutor.routes import bp as tutor_bp

    for bp in (main_bp, auth_bp, student_bp, parent_bp, tutor_bp, teacher_bp, admin_bp, chat_bp,
               notifications_bp):
        app.register_blueprint(bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    logging.getLogger(__name__).debug("blueprints registered")
