"""Form fields for times and zones, shared by every admin form."""

import copy
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import InlineForeignKeyField, construct_instance
from django.utils.translation import gettext_lazy as _

from tracker.durations import offsets_format, offsets_parse
from tracker.timezones import (
    ACCEPTED_YEARS,
    LocalTimeError,
    make_aware_strict,
    timezone_is_legacy,
    timezone_names,
    to_wall_clock,
)
from tracker.validators import validate_timezone_name


class WallClockInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class WallClockField(forms.DateTimeField):
    """A naive wall-clock date and time, to be placed in a zone chosen elsewhere in the form
    (see `wall_clock_to_instant`); Django's own field would read it in the server's zone."""

    widget = WallClockInput
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        for fmt in self.input_formats:
            try:
                parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 - a wall-clock time; its zone is another field
            except ValueError:
                continue
            first, last = ACCEPTED_YEARS
            if not first <= parsed.year <= last:
                raise ValidationError(
                    _("Give a year from %(first)d to %(last)d."),
                    code="year_out_of_range",
                    params={"first": first, "last": last},
                )
            return parsed
        raise ValidationError(_("Enter a date and time such as 2025-12-01 10:00."), code="invalid")

    def prepare_value(self, value):
        return value


def wall_clock_to_instant(form: forms.BaseForm, *, field: str, zone_name: str) -> datetime | None:
    """The instant `field`'s wall-clock value names in `zone_name`, or a form error on `field`
    when that local time is skipped or repeated by a daylight-saving change."""
    local = form.cleaned_data.get(field)
    if local is None:
        return None
    try:
        return make_aware_strict(local, zone_name)
    except LocalTimeError as exc:
        form.add_error(field, ValidationError(exc.message, code=exc.problem.value))
        return None


def instant_to_wall_clock(value: datetime | None, zone_name: str) -> datetime | None:
    return to_wall_clock(value, zone_name) if value is not None else None


class TimeZoneSelect(forms.Select):
    """The offered zones, plus a stored one no longer offered (an old alias such as US/Eastern):
    shown as it is, so that saving the form never replaces it unseen with the first zone listed."""

    def optgroups(self, name, value, attrs=None):
        offered = {str(choice) for choice, _label in self.choices}
        kept = [(item, item) for item in value if item and item not in offered]
        if not kept:
            return super().optgroups(name, value, attrs)
        widget = copy.copy(self)
        widget.choices = [*kept, *self.choices]
        return super(TimeZoneSelect, widget).optgroups(name, value, attrs)


class TimeZoneField(forms.ChoiceField):
    """A zone from tracker.timezones.timezone_names(); an old alias is refused with the name to use."""

    widget = TimeZoneSelect

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("choices", lambda: [(name, name) for name in timezone_names()])
        super().__init__(**kwargs)

    def validate(self, value) -> None:
        if value and timezone_is_legacy(value):
            validate_timezone_name(value)
        super().validate(value)


class ReminderOffsetsField(forms.CharField):
    """Offsets typed as "7d, 24h, 1h", kept as a list of minutes."""

    def __init__(self, *, blank_means=(), **kwargs) -> None:
        """`blank_means`: the value of an empty field ([] for "no reminders", None for "inherit")."""
        kwargs.setdefault("help_text", _("Comma-separated, e.g. 7d, 24h, 1h (d = days, h = hours, m = minutes)."))
        self.blank_means = [] if blank_means == () else blank_means
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return offsets_format(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return offsets_parse(text) if text else self.blank_means

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(data) != (initial if initial is not None else self.blank_means)
        except ValidationError:
            return True


class RuleCheckedModelForm(forms.ModelForm):
    """A ModelForm that checks the service's rules before the table's constraints.

    A rule (no overlap, one co-chair per delegation ...) says which field to fix and why; the
    constraint that backs it in the database would only put a general message above the form.
    Constraints named in `rule_constraints` are left to the rules (and to the database on save);
    every other constraint is checked as ModelForm checks it."""

    rule_constraints: tuple[str, ...] = ()

    def rule_errors(self) -> dict[str, list[str]]:
        """Errors by field (or "__all__") that the service's rules find in `self.instance`."""
        return {}

    def _post_clean(self) -> None:
        exclude = self._get_validation_exclusions()
        # As in ModelForm: the parent of an inline is checked by its own form.
        exclude |= {name for name, field in self.fields.items() if isinstance(field, InlineForeignKeyField)}
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
            self.instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            self._update_errors(exc)
        if not self.errors:
            for field, messages in self.rule_errors().items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        exclude |= set(self.errors)
        model = type(self.instance)
        for constraint in model._meta.constraints:
            if constraint.name in self.rule_constraints:
                continue
            try:
                constraint.validate(model, self.instance, exclude=exclude)
            except ValidationError as exc:
                self._update_errors(exc)
        if self._validate_unique:
            self.validate_unique()
