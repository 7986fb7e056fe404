"""Invitees beyond the committee's members, on their session's page."""

from django.contrib import admin

from committees.admin.base import ScopedInlineMixin
from meetings.models import Invitee
from meetings.selectors import by_session_committee
from meetings.services import invitees_save
from tracker.forms import ServiceFormSet


class InviteeFormSet(ServiceFormSet):
    def save_rows(self, *, changed: list, kept: list, removed: list) -> None:
        invitees_save(session=self.instance, changed=changed, removed=removed)


class InviteeInline(ScopedInlineMixin, admin.TabularInline):
    visible = by_session_committee
    model = Invitee
    formset = InviteeFormSet
    extra = 0
    fields = ("person", "note")
    autocomplete_fields = ("person",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")
