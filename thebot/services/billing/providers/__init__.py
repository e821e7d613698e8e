"""The payment providers (fake, yookassa) and the configured one (PAYMENT_PROVIDER); the interface
they share is in `base`."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from thebot.services.billing.providers.base import Provider
from thebot.services.billing.providers.fake import FakeProvider
from thebot.services.billing.providers.yookassa import YooKassaProvider
from thebot.services.errors import Invalid

NAMES = ("fake", "yookassa")


def provider(name: str | None = None) -> Provider:
    """The provider of this name, or the configured one (PAYMENT_PROVIDER)."""
    name = name or current_app.config.get("PAYMENT_PROVIDER") or "fake"
    if name == "fake":
        return FakeProvider()
    if name == "yookassa":
        return YooKassaProvider.from_config(current_app.config)
    raise Invalid(_l("Unknown payment provider."), {"provider": _l("fake or yookassa.")})
