import django_filters
from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters import filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from tracker.api.fields import has_unstorable_characters
from tracker.timezones import year_check


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
            if parsed is not None:
                year_check(parsed)
        return super().to_python(value)


ID_MAX = 2**63 - 1  # the largest id a database column holds; beyond it, a 400 rather than an overflow


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(filters.NumberFilter):
    """A row id: a whole number a database column can hold."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class AwareIsoDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 instant with its UTC offset; one without is refused (a 400), not guessed."""

    field_class = AwareIsoDateTimeField


class StrictFilterSet(django_filters.FilterSet):
    """A parameter that is sent must hold a value: `?status=` is an error, not "no filter"."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            value = self.data.get(name)
            if name in self.data and value == "":
                self.form.add_error(name, _("Give a value, or leave the parameter out."))
                valid = False
            elif isinstance(value, str) and has_unstorable_characters(value) and name not in self.form.errors:
                self.form.add_error(name, _("Contains characters that are not allowed."))
                valid = False
        return valid
