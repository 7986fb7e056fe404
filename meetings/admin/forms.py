"""The session form: start and end typed on the venue's clock, checked by the service's rules."""

from django import forms
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from committees.access import Access
from meetings.models import SESSION_CHANGEABLE_FIELDS, Session
from meetings.records.models import REASON_LIMIT
from meetings.rules import REASON_NEEDED, session_change_needing_reason, session_reschedule_postponed, session_validate
from tracker.forms import (
    ReminderOffsetsField,
    RuleCheckedModelForm,
    TimeZoneField,
    WallClockField,
    instant_to_wall_clock,
    wall_clock_to_instant,
)
from tracker.validators import validate_no_control_characters


def reason_field(*, label, help_text, rows: int | None = 2) -> forms.CharField:
    """The reason a change that the other delegation is told of carries (the services say when it
    is required); `rows` None: one line."""
    widget = forms.Textarea(attrs={"rows": rows, "cols": 70}) if rows else forms.TextInput()
    return forms.CharField(
        label=label,
        required=False,
        max_length=REASON_LIMIT,
        widget=widget,
        help_text=help_text,
        validators=[validate_no_control_characters],
    )


class SessionActionForm(helpers.ActionForm):
    """The list's action bar, with the reason a postponement or cancellation needs."""

    reason = reason_field(
        label=_("Reason"), help_text=_("Needed to postpone or cancel: the other delegation is told why."), rows=None
    )


def session_check(access: Access, session: Session) -> dict[str, str]:
    if session.committee_id and not access.edits_committee(session.committee_id):
        return {"committee": _("You can only plan sessions of a committee whose secretariat you are.")}
    return {}


class SessionAdminForm(RuleCheckedModelForm):
    """Start and end are typed on the venue's clock; the zone field says which clock that is."""

    starts_at = WallClockField(label=_("Starts"), help_text=_("Local time at the venue."))
    ends_at = WallClockField(label=_("Ends"), help_text=_("Local time at the venue."))
    timezone = TimeZoneField(label=_("Venue time zone"), help_text=_("The zone of the venue, e.g. America/Santiago."))
    reminder_offsets = ReminderOffsetsField(
        label=_("Reminders"),
        required=False,
        blank_means=None,
        help_text=_("Empty: the committee's. Otherwise e.g. 7d, 24h, 1h (d = days, h = hours, m = minutes)."),
    )

    reason = reason_field(
        label=_("Reason for the change"),
        help_text=_("Needed when the session moves, is postponed or cancelled: the other delegation is told why."),
    )

    class Meta:
        model = Session
        fields = ("committee", *SESSION_CHANGEABLE_FIELDS)
        widgets = {"title": forms.TextInput(attrs={"size": 80}), "venue": forms.TextInput(attrs={"size": 80})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [("", "---------"), *self.fields["timezone"].choices]
        if "number" in self.fields:
            self.fields["number"].required = False
            self.fields["number"].help_text = _("Leave empty for the committee's next number.")
        self.stored_status = self.instance.status if self.instance.pk else None
        if self.instance.pk:
            for field in ("starts_at", "ends_at"):
                self.initial[field] = instant_to_wall_clock(getattr(self.instance, field), self.instance.timezone)

    def clean(self) -> dict:
        cleaned = self.cleaned_data
        zone_name = cleaned.get("timezone")
        if zone_name:  # else the zone field has its error, and the form goes no further
            for field in ("starts_at", "ends_at"):
                if self.instance.pk and zone_name == self.instance.timezone and field not in self.changed_data:
                    # Unchanged: keep the stored instant, even one in a repeated hour that the
                    # wall-clock time alone could not name.
                    cleaned[field] = getattr(self.instance, field)
                elif (instant := wall_clock_to_instant(self, field=field, zone_name=zone_name)) is not None:
                    cleaned[field] = instant
        return super().clean()  # the rules, on the instants

    def rule_errors(self, candidate: Session) -> dict[str, list[str]]:
        if candidate.pk:
            stored = Session.objects.filter(pk=candidate.pk).values("status", "starts_at", "ends_at").first()
            if stored:
                session_reschedule_postponed(session=candidate, stored=stored)
        try:
            # The agenda's length is checked by the agenda formset, which knows the new items.
            session_validate(session=candidate, previous_status=self.stored_status)
        except ValidationError as exc:
            return exc.message_dict
        stored = Session.objects.filter(pk=candidate.pk).first() if candidate.pk else None
        moved = stored is not None and session_change_needing_reason(previous=stored, session=candidate)
        if moved and not self.cleaned_data.get("reason", "").strip():
            return {"reason": [str(REASON_NEEDED)]}
        return {}
