"""A real SMTP server for the notification tests (aiosmtpd on a spare port), and Django pointed at it."""

import email
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from tests.support import free_port


class Inbox:
    """What the SMTP server received: each message parsed, with its envelope recipients and raw bytes."""

    def __init__(self):
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=default_policy) for _, raw in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message, (rcpt, _) in zip(self.messages, self.received, strict=True) if address in rcpt]

    def raw(self, index: int) -> bytes:
        return self.received[index][1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.PUBLIC_BASE_URL = "https://callpool.example.com"
    inbox.port = port
    try:
        yield inbox
    finally:
        controller.stop()


def parts(message: EmailMessage) -> dict[str, str]:
    """The text/plain and text/html bodies of a message."""
    found = {}
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html") and not part.get_filename():
            found[part.get_content_type()] = part.get_content()
    return found
