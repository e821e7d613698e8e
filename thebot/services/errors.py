"""The domain errors every service raises; each transport turns them into its own answer."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a service raises on purpose; `code` is the contract's error code."""

    code = "bad_request"
    status = 400

    def __init__(self, message: str = "", fields: dict[str, str] | None = None):
        # Messages may be lazy translations: they become plain strings in the current language.
        message = str(message) if message else self.__class__.__name__
        super().__init__(message)
        self.message = message
        self.fields = {key: str(value) for key, value in (fields or {}).items()}


class Invalid(DomainError):
    """The input breaks a rule; `fields` names what is wrong where it is one field."""

    code = "validation_error"
    status = 400


class NotFound(DomainError):
    """The thing does not exist, or the user may not see it (both look the same)."""

    code = "not_found"
    status = 404


class Forbidden(DomainError):
    """The user may see the thing but not do this to it."""

    code = "forbidden"
    status = 403


class Conflict(DomainError):
    """The action clashes with the current state (a duplicate, a finished record)."""

    code = "conflict"
    status = 409
