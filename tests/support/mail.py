"""A real local SMTP server's handler (aiosmtpd) for the e-mail tests, and reading a message."""

from __future__ import annotations

import email
import email.policy
import threading


class Sink:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append((list(envelope.rcpt_tos), message))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 15) -> list:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)


def mail_parts(message) -> dict[str, str]:
    """The message's leaf parts by content type ("text/plain", "text/html")."""
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if not part.is_multipart()
    }
