"""Field validators shared by every app."""

import unicodedata
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_single_line(value: str) -> None:
    """Refuse control characters (CR, LF, tab, NUL ...) in text that ends up in a mail header,
    a calendar line or a one-line display."""
    bad = sorted({repr(ch) for ch in value if unicodedata.category(ch) in {"Cc", "Zl", "Zp"}})
    if bad:
        raise ValidationError(
            _("Must be a single line without control characters (found %(chars)s)."),
            code="control_characters",
            params={"chars": ", ".join(bad)},
        )


def validate_no_control_characters(value: str) -> None:
    """Multi-line text may hold line breaks and tabs but no other control characters."""
    bad = sorted({repr(ch) for ch in value if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t"})
    if bad:
        raise ValidationError(
            _("Must not contain control characters (found %(chars)s)."),
            code="control_characters",
            params={"chars": ", ".join(bad)},
        )


def validate_timezone_name(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not an IANA time zone name such as America/Lima."),
            code="invalid_timezone",
            params={"value": value},
        )
