"""The change history every record keeps, and the 404 a record out of the user's reach answers."""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from tracker.roles import is_administrator
from tracker.timezones import format_for_staff


class ZonedHistoryContext(HistoricalRecordContextHelper):
    """The changes listed in a record's history, with each instant as `instant_text` writes it for
    the version it belongs to, whole: an instant cut short could lose its zone."""

    def __init__(self, model, historical_record, *, instant_text) -> None:
        super().__init__(model, historical_record)
        self.instant_text = instant_text

    def context_for_delta_changes(self, delta) -> list[dict]:
        context = super().context_for_delta_changes(delta)
        for change, entry in zip(delta.changes, context, strict=True):
            field = self.model._meta.get_field(change.field)
            if isinstance(field, models.DateTimeField):
                entry["old"] = self.instant_text(field=change.field, version=delta.old_record, value=change.old)
                entry["new"] = self.instant_text(field=change.field, version=delta.new_record, value=change.new)
            elif field.choices:  # a status reads as its label in the reader's language, not its code
                labels = dict(field.flatchoices)
                entry["old"] = labels.get(change.old, change.old)
                entry["new"] = labels.get(change.new, change.new)
        return context


class NotFoundUnlessVisibleMixin:
    """A record outside the page's queryset (not the user's to see) answers 404, as one that does
    not exist, instead of the admin's redirect to its index."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("There is no such record, or it is not yours to see."))
        return obj


class AuditedAdmin(SimpleHistoryAdmin):
    """The change history of each record, kept by django-simple-history, for administrators only
    (the view permission on the historical model); it is read, never reverted from. A record the
    user cannot see has no history for them either (404, as the record). Every instant on the
    history pages names its zone."""

    object_history_list_template = "tracker/admin/object_history_list.html"
    object_history_form_template = "tracker/admin/object_history_form.html"

    def _seen(self, request, object_id) -> None:
        if is_administrator(request.user):
            return  # administrators also read the history of deleted records
        if not str(object_id).isdigit() or not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404(_("There is no such record, or it is not yours to see."))

    def history_view(self, request, object_id, extra_context=None):
        self._seen(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._seen(request, object_id)
        if request.method != "GET":
            raise PermissionDenied
        if not (str(object_id).isdigit() and str(version_id).isdigit()):
            raise Http404(_("There is no such record, or it is not yours to see."))
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        version = get_object_or_404(
            history.select_related("history_user"), **{self.model._meta.pk.attname: object_id, "history_id": version_id}
        )
        params = {"time": format_for_staff(version.history_date), "user": version.history_user}
        version_line = (
            _("This is the record as it stood after the change of %(time)s by %(user)s.") % params
            if version.history_user
            else _("This is the record as it stood after the change of %(time)s.") % params
        )
        extra_context = {**(extra_context or {}), "version_line": version_line}
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record) -> ZonedHistoryContext:
        return ZonedHistoryContext(self.model, historical_record, instant_text=self.history_instant_text)

    def history_instant_text(self, *, field: str, version, value) -> str:
        """How the history's list of changes shows the instant `value` of `field` in `version`
        (a historical record): on the staff clock; an admin may show a field on other clocks."""
        return self.get_empty_value_display() if value is None else format_for_staff(value)

    def revert_disabled(self, request, obj=None) -> bool:
        return True
