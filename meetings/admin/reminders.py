"""The reminder log: planned, sent and failed mails, read-only, with actions to send or retry."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from committees.access import Access
from committees.admin.base import ScopedInlineMixin, ScopedLogAdmin
from meetings.models import Reminder
from meetings.reminders import reminders_retry_failed, reminders_send_now
from meetings.selectors import by_session_committee
from tracker.admin.display import clock_readings_cell, instant_display
from tracker.timezones import format_on_session_clocks


def reminders_editable(*, access: Access, queryset):
    return by_session_committee(access=access, queryset=queryset, editable=True)


class ReminderInline(ScopedInlineMixin, admin.TabularInline):
    """The session's planned and sent reminders, read-only."""

    visible = by_session_committee
    model = Reminder
    extra = 0
    fields = ("person", "kind", "offset_minutes", "state", "due", "sent", "attempts", "last_error")
    readonly_fields = fields
    due = instant_display("due_at", description=_("due"), with_capitals=True)
    sent = instant_display("sent_at", description=_("sent"), with_capitals=True)
    ordering = ("due_at", "pk")
    can_delete = False
    verbose_name_plural = _("reminders (planned and sent)")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


@admin.register(Reminder)
class ReminderAdmin(ScopedLogAdmin):
    """The reminder log: who was (or will be) reminded of what, and how it went."""

    visible = by_session_committee
    editable = reminders_editable

    @staticmethod
    def can_edit(access: Access, reminder: Reminder) -> bool:
        return access.edits_committee(reminder.session.committee_id)

    list_display = (
        "person",
        "session",
        "session_starts",
        "kind",
        "offset_minutes",
        "state",
        "due",
        "sent",
        "attempts",
        "last_error",
    )
    list_filter = (
        "state",
        "kind",
        ("session__committee", admin.RelatedOnlyFieldListFilter),
        ("due_at", admin.DateFieldListFilter),
    )
    list_select_related = ("person", "session")
    search_fields = ("person__full_name", "person__email", "session__title", "message_id")
    date_hierarchy = "due_at"
    actions = ("send_now", "retry_failed")
    fields = readonly_fields = (
        "session",
        "session_starts",
        "person",
        "kind",
        "offset_minutes",
        "due",
        "state",
        "attempts",
        "next_attempt",
        "claimed",
        "sent",
        "sent_sequence",
        "last_error",
        "message_id",
    )
    object_history_template = "tracker/admin/action_history.html"
    due = instant_display("due_at", description=_("due"), with_capitals=True)
    next_attempt = instant_display("next_attempt_at", description=_("next attempt"), with_capitals=True)
    claimed = instant_display("claimed_at", description=_("claimed"), with_capitals=True)
    sent = instant_display("sent_at", description=_("sent"), with_capitals=True)

    @admin.display(description=_("session starts"), ordering="session__starts_at")
    def session_starts(self, obj: Reminder) -> str:
        return clock_readings_cell(format_on_session_clocks(obj.session.starts_at, obj.session.timezone))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Send the selected pending reminders now"), permissions=["change"])
    def send_now(self, request, queryset) -> None:
        count = reminders_send_now(ids=self.editable_queryset(request, queryset).values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%d reminder will go out with the next scan.", "%d reminders will go out with the next scan.", count
            )
            % count,
        )

    @admin.action(description=_("Retry the selected failed reminders"), permissions=["change"])
    def retry_failed(self, request, queryset) -> None:
        count = reminders_retry_failed(ids=self.editable_queryset(request, queryset).values_list("pk", flat=True))
        self.message_user(request, ngettext("%d reminder queued again.", "%d reminders queued again.", count) % count)
