"""The commitments register on the staff site: what approved records agreed, followed until done or
dropped. What was agreed is read-only here (a correction of the record changes it); the
responsible delegation's secretariat records each change of status with a dated note."""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.access import Access, access_for, by_committee
from committees.admin.base import FormErrorsFromService, ScopedInlineMixin, ScopedRecordAdmin
from meetings.models import Commitment, CommitmentUpdate
from meetings.records.choices import OPEN_COMMITMENT_STATUSES, delegation_name
from meetings.records.commitments import commitment_editable, commitment_status_set
from meetings.records.models import REASON_LIMIT
from tracker.admin.display import instant_display
from tracker.validators import validate_no_control_characters

SOON_DAYS = 14


def commitments_visible(*, access: Access, queryset):
    return by_committee(access=access, queryset=queryset, path="committee")


def commitments_editable(*, access: Access, queryset):
    return by_committee(access=access, queryset=queryset, path="committee", editable=True)


def commitment_overdue(commitment: Commitment, today) -> bool:
    return commitment.status in OPEN_COMMITMENT_STATUSES and commitment.due_on < today


class ResponsibleFilter(admin.SimpleListFilter):
    title = _("responsible delegation")
    parameter_name = "responsible"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).order_by("responsible").values_list("responsible", flat=True)
        return [(code, delegation_name(code)) for code in dict.fromkeys(codes)]

    def queryset(self, request, queryset):
        return queryset.filter(responsible=self.value()) if self.value() else queryset


class DueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return (
            ("overdue", _("Overdue")),
            ("soon", _("Within two weeks")),
            ("later", _("Later")),
        )

    def queryset(self, request, queryset):
        today = timezone.localdate()
        soon = today + timedelta(days=SOON_DAYS)
        match self.value():
            case "overdue":
                return queryset.filter(status__in=OPEN_COMMITMENT_STATUSES, due_on__lt=today)
            case "soon":
                return queryset.filter(due_on__gte=today, due_on__lte=soon)
            case "later":
                return queryset.filter(due_on__gt=soon)
        return queryset


class CommitmentStatusForm(forms.ModelForm):
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=REASON_LIMIT,
        validators=[validate_no_control_characters],
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("What happened. Kept with the date and your name; the status may stay as it is."),
    )

    class Meta:
        model = Commitment
        fields = ("status",)
        labels = {"status": _("new status")}


class CommitmentUpdateInline(ScopedInlineMixin, admin.TabularInline):
    """The commitment's dated updates, read-only: each is written by the status form."""

    model = CommitmentUpdate
    extra = 0
    fields = ("changed", "status", "note", "changed_by_name")
    readonly_fields = fields
    changed = instant_display("changed_at", description=_("changed"))
    ordering = ("changed_at", "pk")
    can_delete = False

    @staticmethod
    def visible(*, access: Access, queryset):
        return by_committee(access=access, queryset=queryset, path="commitment__committee")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Commitment)
class CommitmentAdmin(FormErrorsFromService, ScopedRecordAdmin):
    visible = commitments_visible
    editable = commitments_editable

    @staticmethod
    def can_edit(access: Access, commitment: Commitment) -> bool:
        return commitment_editable(access=access, commitment=commitment)

    form = CommitmentStatusForm
    inlines = (CommitmentUpdateInline,)
    list_display = ("text_shown", "committee_slug", "responsible_shown", "person", "due_on", "status", "overdue")
    list_filter = (("committee", admin.RelatedOnlyFieldListFilter), ResponsibleFilter, "status", DueFilter)
    list_select_related = ("committee", "person")
    search_fields = ("text", "text_en", "person__full_name")
    ordering = ("due_on", "pk")
    agreed = ("committee", "session", "agenda_item", "text", "text_en", "responsible_shown", "person", "due_on")
    readonly_fields = (*agreed, "current_status", "overdue")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("committee", "session", "agenda_item", "person")

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(None, {"fields": [*self.agreed, "current_status", "overdue"]})]
        if obj is not None and self.has_change_permission(request, obj):
            fieldsets.append((_("Follow-up"), {"fields": ["status", "note"]}))
        return fieldsets

    def has_add_permission(self, request) -> bool:
        return False  # commitments enter the register when the record that agreed them is approved

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        """Nothing yet: the change of status is one service call, in save_related."""

    def save_related(self, request, form, formsets, change) -> None:
        self.service_call(
            request,
            lambda: commitment_status_set(
                commitment=form.instance,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                access=access_for(request.user),
                user=request.user,
            ),
        )

    def construct_change_message(self, request, form, formsets, add):
        return super().construct_change_message(request, form, [], add)  # the updates are read-only

    @admin.display(description=_("text"), ordering="text")
    def text_shown(self, obj: Commitment) -> str:
        return obj.display_text

    @admin.display(description=_("committee"), ordering="committee__slug")
    def committee_slug(self, obj: Commitment) -> str:
        return obj.committee.slug

    @admin.display(description=_("responsible delegation"), ordering="responsible")
    def responsible_shown(self, obj: Commitment) -> str:
        return delegation_name(obj.responsible)

    @admin.display(description=_("status"))
    def current_status(self, obj: Commitment) -> str:
        return obj.get_status_display()

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj: Commitment) -> bool:
        return commitment_overdue(obj, timezone.localdate())
