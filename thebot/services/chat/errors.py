"""The chat's own refusals, beside the shared domain errors: each carries its contract code."""

from __future__ import annotations

from thebot.services.errors import DomainError


class Locked(DomainError):
    """The room takes no new messages: a moderator locked it, or its relationship ended."""

    code = "locked"
    status = 409


class RateLimited(DomainError):
    """The sender has used up their messages for the current window."""

    code = "rate_limited"
    status = 429


class TooLarge(DomainError):
    """A text or a file is over its size limit."""

    code = "too_large"
    status = 413
