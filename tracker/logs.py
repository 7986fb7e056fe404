"""What the logs may say: a request path whose last part is a credential (a personal calendar
subscription address, /calendar/<key id>.<secret>.ics) is written with the secret masked, in
gunicorn's access and error logs and in Django's request warnings ("Not Found: ...").

The key id before the dot is kept: it is not a credential, and it tells staff which address was
asked for (the admin's list of calendar feeds searches by it).
"""

import logging
import re
from urllib.parse import unquote

from gunicorn.glogging import Logger

MASK = "********"
# The path part after /calendar/, up to a query, fragment, quote or space. Without regard to case
# and also after percent-decoding: both reach the view or a 404 with the secret in them.
_SECRET_PATH = re.compile(r"(?P<prefix>/calendar/)(?P<part>[^\s?#\"'/]+)", re.IGNORECASE)
_KEY_ID = re.compile(r"[-A-Za-z0-9_]{1,16}")
_CALENDAR_SUFFIX = ".ics"


def _masked(match: re.Match) -> str:
    part = match["part"]
    key_id, dot, _secret = part.partition(".")
    shown = f"{key_id}." if dot and _KEY_ID.fullmatch(key_id) else ""
    suffix = _CALENDAR_SUFFIX if part.lower().endswith(_CALENDAR_SUFFIX) else ""
    return f"{match['prefix']}{shown}{MASK}{suffix}"


def secrets_masked(text: str) -> str:
    """`text` with the secret of every calendar address in it replaced by MASK."""
    masked = _SECRET_PATH.sub(_masked, text)
    if "%" in masked:
        decoded = unquote(masked)
        decoded_masked = _SECRET_PATH.sub(_masked, decoded)
        if decoded_masked != decoded:
            # A secret spelled with percent escapes: the line is kept decoded, with it masked.
            return decoded_masked
    return masked


class SecretsFilter(logging.Filter):
    """Masks secrets in a record's message before any handler (or a test's capture) sees it.
    Attached to the loggers that write request paths: django.request, django.server (LOGGING)
    and gunicorn's access and error logs (GunicornLogger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = secrets_masked(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class GunicornLogger(Logger):
    """gunicorn's logger with secrets masked in its access and error logs (`--logger-class
    tracker.logs.GunicornLogger`): the access log's format cannot rewrite the request line."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            # setup runs again on every configuration reload; the loggers are the same objects.
            if not any(isinstance(existing, SecretsFilter) for existing in log.filters):
                log.addFilter(SecretsFilter())
