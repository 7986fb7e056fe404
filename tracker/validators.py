"""Field validators shared by every app."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tracker.timezones import timezone_canonical_name, timezone_is_canonical, timezone_is_legacy


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
    """A zone is entered by its region's name (America/Lima) or as UTC: an old alias is refused
    with the name to use instead, so that one clock is never stored under two names."""
    if timezone_is_canonical(value):
        return
    if not timezone_is_legacy(value):
        raise ValidationError(
            _("“%(value)s” is not an IANA time zone name such as America/Lima."),
            code="invalid_timezone",
            params={"value": value},
        )
    canonical = timezone_canonical_name(value)
    if canonical is not None:
        raise ValidationError(
            _("“%(value)s” is an old name for the time zone %(canonical)s; enter %(canonical)s."),
            code="legacy_timezone",
            params={"value": value, "canonical": canonical},
        )
    raise ValidationError(
        _("“%(value)s” is not the time zone of a place; enter a region such as America/Lima, or UTC."),
        code="legacy_timezone",
        params={"value": value},
    )
