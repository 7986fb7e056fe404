from datetime import datetime

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tracker.timezones import ACCEPTED_YEARS


class AwareDateTimeField(serializers.DateTimeField):
    """RFC 3339 in and out; an input without a UTC offset is refused, never read in a default zone."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2025-12-01T10:00:00-03:00."),
        "year": _("Give a year from {first} to {last}."),
    }

    def to_internal_value(self, value):
        raw = value if isinstance(value, datetime) else None
        if isinstance(value, str):
            try:
                raw = parse_datetime(value.strip())
            except ValueError:
                raw = None
        if raw is not None:
            if raw.tzinfo is None:
                self.fail("naive")
            first, last = ACCEPTED_YEARS
            if not first <= raw.year <= last:
                self.fail("year", first=first, last=last)
        return super().to_internal_value(value)


def has_unstorable_characters(value: str) -> bool:
    """NUL, which PostgreSQL text cannot hold, or a lone surrogate, which no encoding can."""
    return "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)


class SlugLookupField(serializers.SlugRelatedField):
    """A SlugRelatedField that refuses text no database could compare, instead of sending it."""

    def to_internal_value(self, data):
        if isinstance(data, str) and has_unstorable_characters(data):
            self.fail("invalid")
        return super().to_internal_value(data)
