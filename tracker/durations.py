"""Reminder offsets written the way staff say them: "7d, 24h, 1h" ⇄ minutes."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_OFFSET_MINUTES = 60 * 24 * 60  # sixty days
_UNITS = {"d": 1440, "h": 60, "m": 1}
_TERM = re.compile(r"^(\d{1,6})\s*([dhm])$")


def offsets_parse(text: str) -> list[int]:
    """`"7d, 24h, 1h"` → `[10080, 1440, 60]` (minutes, longest first, no repeats)."""
    minutes: set[int] = set()
    for term in filter(None, (part.strip().lower() for part in text.split(","))):
        match = _TERM.match(term)
        if not match:
            raise ValidationError(
                _("“%(term)s” is not an offset; write a number and d, h or m, e.g. 7d, 24h, 1h, 30m."),
                code="invalid_offset",
                params={"term": term},
            )
        minutes.add(int(match.group(1)) * _UNITS[match.group(2)])
    offsets_validate(sorted(minutes, reverse=True))
    return sorted(minutes, reverse=True)


def offsets_validate(value: object) -> None:
    """A list of distinct whole minutes between 1 and sixty days."""
    if not isinstance(value, list) or not all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        raise ValidationError(_("Offsets must be a list of whole minutes."), code="invalid_offsets")
    if len(set(value)) != len(value):
        raise ValidationError(_("Each offset may appear only once."), code="duplicate_offset")
    if any(not 1 <= item <= MAX_OFFSET_MINUTES for item in value):
        raise ValidationError(
            _("Each offset must be between one minute and sixty days before the session."),
            code="offset_out_of_range",
        )


def offsets_format(minutes: list[int]) -> str:
    """`[10080, 1440, 60]` → `"7d, 24h, 1h"`: days from two days up, hours below, then minutes."""
    return ", ".join(offset_format(item) for item in minutes)


def offset_format(minutes: int) -> str:
    if minutes % 1440 == 0 and minutes >= 2880:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
