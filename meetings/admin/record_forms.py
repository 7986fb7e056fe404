"""The forms of a record's change page: its text, its rows (entries and attendance, handed whole to
`record_save`), and the reason a correction gives."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from committees.access import Access, access_for, by_committee
from committees.admin.base import ScopedInlineMixin
from meetings.admin.forms import reason_field
from meetings.models import Record, RecordAttendance, RecordEntry, Session
from meetings.records.choices import RecordState, delegation_name
from meetings.records.rules import entry_problems, responsible_choices
from tracker.forms import RuleCheckedModelForm, ServiceFormSet


def record_editable(access: Access, record: Record) -> bool:
    """The record's text may be changed here: by the committee's secretariats, until approved."""
    return access.edits_committee(record.session.committee_id) and record.state != RecordState.APPROVED


class RecordForm(forms.ModelForm):
    reason = reason_field(
        label=_("reason for the change"),
        help_text=_("Required to change a proposed record: its approvals are void and the other delegation is told."),
    )
    # The revision this page showed: a record changed since is not overwritten with it.
    read_revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)

    class Meta:
        model = Record
        fields = ("closing_remarks", "closing_remarks_en")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["read_revision"].initial = self.instance.revision


class EntryForm(RuleCheckedModelForm):
    responsible = forms.ChoiceField(label=_("responsible delegation"), required=False)

    class Meta:
        model = RecordEntry
        fields = ("agenda_item", "kind", "text", "text_en", "responsible", "person", "due_on")
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "text_en": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }

    def __init__(self, *args, session: Session, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        self.fields["responsible"].choices = [
            ("", "---------"),
            *((code, delegation_name(code)) for code in responsible_choices(session)),
        ]
        if "agenda_item" in self.fields:
            self.fields["agenda_item"].queryset = session.agenda_items.order_by("position")

    def rule_errors(self, candidate) -> dict[str, list[str]]:
        return entry_problems(session=self.session, entry=candidate)


class AttendanceForm(forms.ModelForm):
    class Meta:
        model = RecordAttendance
        fields = ("person", "delegation", "capacity", "present")

    def __init__(self, *args, session: Session, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegation"].choices = [(code, delegation_name(code)) for code in session.committee.countries]


class RecordRowsFormSet(ServiceFormSet):
    """The rows of the record on the page, handed whole to `record_save` with the record."""

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "session": self.instance.session}

    def rows(self) -> list:
        return self.record_changes()[1]


class _RecordRowsInline(ScopedInlineMixin, admin.TabularInline):
    formset = RecordRowsFormSet
    extra = 0
    autocomplete_fields = ("person",)

    @staticmethod
    def visible(*, access: Access, queryset):
        return by_committee(access=access, queryset=queryset, path="record__session__committee")

    def _writes(self, request, obj) -> bool:
        return obj is None or record_editable(access_for(request.user), obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and self._writes(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._writes(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._writes(request, obj)


class EntryInline(_RecordRowsInline):
    model = RecordEntry
    form = EntryForm
    extra = 1
    ordering = ("position", "pk")
    verbose_name_plural = _("decisions, commitments and notes")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agenda_item", "person")


class AttendanceInline(_RecordRowsInline):
    model = RecordAttendance
    form = AttendanceForm
    ordering = ("delegation", "person__full_name")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


class CorrectionForm(forms.Form):
    reason = reason_field(
        label=_("reason for the correction"),
        help_text=_("The approved version stays as it is; the other delegation is told why."),
        rows=4,
    )
