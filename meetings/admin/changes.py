"""The changes one delegation made that the other was told of (a session moved, a proposed or
approved record changed): who, when, what (old → new) and why. A log its services write, read here."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from committees.access import Access, by_committee
from committees.admin.base import ScopedLogAdmin
from meetings.models import Change
from meetings.records.mail import change_lines
from tracker.admin.display import instant_display
from tracker.timezones import staff_zone


def changes_visible(*, access: Access, queryset):
    """The committees whose secretariat one is (or all, for an administrator): a change of a
    proposed record carries its text, which only they read before it is approved."""
    return by_committee(access=access, queryset=queryset, path="session__committee", editable=True)


@admin.register(Change)
class ChangeAdmin(ScopedLogAdmin):
    visible = changes_visible
    editable = changes_visible

    @staticmethod
    def can_edit(access: Access, change: Change) -> bool:
        return False

    list_display = ("made", "session", "subject", "what", "reason", "made_by_name", "delegation")
    list_filter = (("session__committee", admin.RelatedOnlyFieldListFilter), "subject")
    list_select_related = ("session",)
    search_fields = ("reason", "made_by_name", "session__title")
    ordering = ("-made_at", "-pk")
    fields = readonly_fields = ("made", "session", "subject", "what", "reason", "made_by_name", "delegation")
    made = instant_display("made_at", description=_("when"))

    @admin.display(description=_("old → new"))
    def what(self, obj: Change) -> str:
        """As the other side's secretaries read it in their mail: labels in the reader's language,
        times on the staff clock and both capitals'."""
        return format_html_join(
            "", "<div>{}</div>", ((line,) for line in change_lines(changes=obj.changes, zone=str(staff_zone())))
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
