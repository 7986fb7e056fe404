"""Form fields for times and zones, shared by every admin form."""

import copy
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from tracker.durations import offsets_format, offsets_parse
from tracker.timezones import (
    LocalTimeError,
    make_aware_strict,
    timezone_is_legacy,
    timezone_names,
    to_wall_clock,
    year_check,
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
            year_check(parsed)
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


def form_candidate(form: forms.ModelForm):
    """A copy of the form's instance holding the submitted values, for rules that judge the
    record as it would be saved before the form itself builds it (after `clean`)."""
    candidate = copy.copy(form.instance)
    candidate._state = copy.copy(form.instance._state)  # its own cache of related rows
    candidate._state.fields_cache = dict(form.instance._state.fields_cache)
    return construct_instance(form, candidate, form._meta.fields, form._meta.exclude)


class RuleCheckedModelForm(forms.ModelForm):
    """A ModelForm that checks the service's rules before the table's constraints.

    A rule (no overlap, one co-chair per delegation ...) says which field to fix and why; the
    constraint that backs it in the database would only put a general message above the form.
    The rules run at the end of `clean`, on the record as it would be saved; a field they find
    fault with is then left out of the constraint checks that follow."""

    def rule_errors(self, candidate) -> dict[str, list[str]]:
        """Errors by field (or "__all__") that the service's rules find in `candidate`."""
        return {}

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors:
            for field, messages in self.rule_errors(form_candidate(self)).items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


class ServiceFormSet(forms.BaseInlineFormSet):
    """An inline formset whose rows a service saves: `save` hands them to `save_rows` and keeps
    what changed for the admin's history, as Django's own save does."""

    def kept_forms(self) -> list[forms.ModelForm]:
        """The forms of the rows to keep, in the order they are saved."""
        return [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]

    def record_changes(self) -> tuple[list, list, list]:
        """(rows new or changed, every row kept, rows removed), noted for the admin's history."""
        kept = self.kept_forms()
        self.new_objects = [form.instance for form in kept if not form.instance.pk]
        self.changed_objects = [
            (form.instance, form.changed_data) for form in kept if form.instance.pk and form.has_changed()
        ]
        self.deleted_objects = [form.instance for form in self.deleted_forms if form.instance.pk]
        # Existing rows first: e.g. a chair handed over ends the old term before the new one starts.
        changed = [*(instance for instance, _fields in self.changed_objects), *self.new_objects]
        return changed, [form.instance for form in kept], self.deleted_objects

    def save(self, commit: bool = True) -> list:
        changed, kept, removed = self.record_changes()
        self.save_rows(changed=changed, kept=kept, removed=removed)
        return changed

    def save_rows(self, *, changed: list, kept: list, removed: list) -> None:
        raise NotImplementedError
