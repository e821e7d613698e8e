"""URL helpers: the id converter of every `<int:…>` route and safe redirect targets."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

from thebot.services.ids import MAX_ID


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a record id, 1 to MAX_ID (services/ids.py).

    A number outside that range names no record: the answer is 404 (the page, or `not_found`
    under /api), whatever the method, and the database never sees a number its columns cannot
    hold. (Werkzeug's own range check would fall through to another method's rule of the same
    path and answer 405, so the converter says "not found" itself.)
    """

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def install_converters(app) -> None:
    """Make `int` mean a record id for every route (call before blueprints are registered)."""
    app.url_map.converters["int"] = IdConverter


def safe_next(target: str | None) -> str | None:
    """A redirect target only if it is a path on this site: it starts with one "/", has no
    scheme, host, backslash, whitespace or control character (browsers drop tabs and newlines,
    so "/\\t/evil" would become "//evil"). Anything else is None: go to the default page."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    return target
