"""Committees: changed by administrators, read by their staff."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.access import Access, committees_editable, committees_visible
from committees.admin.base import ScopedRecordAdmin
from committees.admin.memberships import CommitteeMembershipInline
from committees.models import Committee, active_on_q
from committees.services import committee_delete, committee_save
from tracker.durations import offsets_format
from tracker.forms import ReminderOffsetsField, TimeZoneField


class CommitteeForm(forms.ModelForm):
    default_timezone = TimeZoneField(
        label=_("Default time zone"), initial="America/Lima", help_text=_("Proposed for new sessions.")
    )
    reminder_offsets = ReminderOffsetsField(label=_("Reminder offsets"), required=False)

    class Meta:
        model = Committee
        fields = (
            "name_es",
            "name_en",
            "slug",
            "description",
            "description_en",
            "country_a",
            "country_b",
            "default_timezone",
            "reminder_offsets",
            "secretariat_email",
            "schedule_published",
        )


@admin.register(Committee)
class CommitteeAdmin(ScopedRecordAdmin):
    """A committee belongs to both governments: administrators change it, its staff read it."""

    visible = committees_visible
    editable = committees_editable

    @staticmethod
    def can_edit(access: Access, committee: Committee) -> bool:
        return access.everything

    form = CommitteeForm
    inlines = (CommitteeMembershipInline,)
    list_display = (
        "name_en",
        "name_es",
        "slug",
        "country_a",
        "country_b",
        "default_timezone",
        "reminders",
        "active_members",
        "session_count",
    )
    search_fields = ("name_en", "name_es", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    fieldsets = (
        (None, {"fields": ("name_es", "name_en", "slug", "description", "description_en")}),
        (_("Members"), {"fields": ("country_a", "country_b")}),
        (
            _("Sessions and reminders"),
            {"fields": ("default_timezone", "reminder_offsets", "secretariat_email", "schedule_published")},
        ),
    )

    def get_queryset(self, request):
        active = active_on_q(timezone.localdate(), prefix="memberships__")
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_member_count=Count("memberships", filter=active, distinct=True),
                session_count=Count("sessions", distinct=True),
            )
        )

    def save_model(self, request, obj, form, change) -> None:
        committee_save(committee=obj)

    def delete_model(self, request, obj) -> None:
        committee_delete(committee=obj)

    @admin.display(description=_("reminders"))
    def reminders(self, obj: Committee) -> str:
        return offsets_format(obj.reminder_offsets)

    @admin.display(description=_("active members"), ordering="active_member_count")
    def active_members(self, obj: Committee) -> int:
        return obj.active_member_count

    @admin.display(description=_("sessions"), ordering="session_count")
    def session_count(self, obj: Committee) -> int:
        return obj.session_count
