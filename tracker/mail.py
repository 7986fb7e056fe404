"""Mail written to a folder, one .eml file per message, for the embedded default."""

import secrets
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class EmlFileBackend(BaseEmailBackend):
    """Each message becomes `<UTC timestamp>-<random>.eml` in EMAIL_FILE_PATH, readable by any mail client."""

    def __init__(self, *, file_path: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.path = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        self.path.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.eml"
            temporary = self.path / f".{name}.tmp"
            temporary.write_bytes(message.message().as_bytes(linesep="\r\n"))
            temporary.rename(self.path / name)  # readers never see a half-written file
            sent += 1
        return sent
