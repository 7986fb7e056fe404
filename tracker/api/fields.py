from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker.timezones import year_check
from tracker.validators import validate_timezone_name

# The shape of every offered zone name (tracker.timezones.timezone_names), for the schema.
TIMEZONE_NAME_PATTERN = r"^(UTC|[A-Z][A-Za-z]+(/[A-Z][A-Za-z_-]+){1,2})$"


class AwareDateTimeField(serializers.DateTimeField):
    """RFC 3339 in and out; an input without a UTC offset is refused, never read in a default zone."""

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2025-12-01T10:00:00-03:00."),
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
            try:
                year_check(raw)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages, code=exc.code) from exc
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


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 64,
        "pattern": TIMEZONE_NAME_PATTERN,
        "example": "America/Santiago",
        "description": "An IANA time zone by its region's name, as in the IANA list of zones by country "
        "(zone.tab), or `UTC`. Old aliases (`US/Eastern`, `Europe/Kiev`, `GMT0`, `Etc/UTC`), fixed offsets "
        "(`Etc/GMT+5`) and `localtime` are refused, naming the zone to use where there is one.",
    }
)
class TimeZoneNameField(serializers.CharField):
    """A plain string in the schema rather than an enum: the list of zones grows with each release
    of the time-zone database, and a client generated from an older list would fail to read a newer
    zone; aliases collapse to the same identifier in generated enums."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def run_validators(self, value) -> None:
        super().run_validators(value)  # the length first, so that a long text is not echoed back
        try:
            validate_timezone_name(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc
