"""Languages: Russian and English; the user's choice is kept in a cookie."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request

LANG_COOKIE = "lang"


def select_locale() -> str:
    """The chosen language from the cookie, else the browser's preference, else English."""
    if not has_request_context():  # the CLI, background tasks: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen is not None and chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def init_app(app: Flask) -> None:
    from flask_babel import get_locale

    @app.context_processor
    def _languages():
        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}
