"""A real SMTP server (aiosmtpd) for tests, which can be told to refuse."""

import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    connections: int = 0
    # An SMTP reply to give instead of accepting, e.g. "451 4.3.0 try later" or "550 5.1.1 no such user".
    refuse_with: str | None = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(inbox: Inbox, settings):
    """`inbox` served on a free local port, with Django's mail pointed at it."""
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp(settings):
    """An SMTP server on a free local port, with Django's mail pointed at it."""
    with smtp_server(Inbox(), settings) as inbox:
        yield inbox
