"""Numbers in a chat payload: record ids, message-id bounds (before_id / after_id) and page
sizes, each a positive JSON number (booleans and strings are not numbers)."""

from __future__ import annotations

from typing import Literal, overload

from flask_babel import lazy_gettext as _l

from thebot.services.errors import Invalid
from thebot.services.ids import MAX_ID, parse_id


def whole(value, name: str) -> int:
    """A positive JSON number (booleans and strings are not numbers); Invalid otherwise."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise Invalid(
            _l("'%(name)s' must be a positive whole number.", name=name),
            {name: _l("A positive whole number.")},
        )
    return value


@overload
def positive_int(value, name: str, *, required: Literal[True] = ...) -> int: ...
@overload
def positive_int(value, name: str, *, required: bool) -> int | None: ...
def positive_int(value, name: str, *, required: bool = True) -> int | None:
    """A record id from a payload: a positive JSON number (`ids.parse_id` decides the range:
    one no record can have is simply not found); Invalid otherwise."""
    if value is None and not required:
        return None
    return parse_id(whole(value, name), name)


@overload
def cursor(value, name: str, *, required: Literal[True] = ...) -> int: ...
@overload
def cursor(value, name: str, *, required: bool) -> int | None: ...
def cursor(value, name: str, *, required: bool = True) -> int | None:
    """A message id used as a bound (before_id / after_id): beyond every id means "the end"."""
    if value is None and not required:
        return None
    return min(whole(value, name), MAX_ID)
