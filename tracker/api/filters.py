from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters import filters
from django_filters.fields import IsoDateTimeField


class AwareIsoDateTimeField(IsoDateTimeField):
    default_error_messages = {"naive": _("Give the time with its UTC offset, e.g. 2025-12-01T10:00:00-03:00.")}

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                raise forms.ValidationError(self.error_messages["naive"], code="naive")
        return super().to_python(value)


class AwareIsoDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 instant with its UTC offset; one without is refused (a 400), not guessed."""

    field_class = AwareIsoDateTimeField
