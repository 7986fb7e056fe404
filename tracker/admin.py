"""The staff site's name, the mixins its admins share, and how they show instants (always with
their zone)."""

import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from tracker.models import ApiToken, CalendarFeed
from tracker.roles import is_administrator
from tracker.schedule import schedule_changed
from tracker.timezones import format_for_staff, staff_zone
from tracker.tokens import (
    api_token_expiry_check,
    api_token_issue,
    api_token_revoke,
    calendar_feed_issue,
    calendar_feed_revoke,
)

admin.site.site_header = _("Binational committee tracker")
admin.site.site_title = _("Committee tracker")
admin.site.index_title = _("Secretariat")


# One clock's reading, `2026-11-30 10:00 UTC-05:00`, as tracker.timezones writes it.
_READING = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC[+-]\d{2}:\d{2}")


def clock_readings_cell(text: str) -> SafeString:
    """A text of clock readings for an admin cell, each reading kept on one line (a narrow column
    then breaks between the readings and the zone names, never inside a date or a time)."""
    pieces, start = [], 0
    for match in _READING.finditer(text):
        pieces += [("{}", text[start : match.start()]), ('<span class="nowrap">{}</span>', match.group())]
        start = match.end()
    pieces.append(("{}", text[start:]))
    return format_html_join("", "{}", ((format_html(template, piece),) for template, piece in pieces))


def instant_display(field: str, *, description, with_capitals: bool = False):
    """A column or read-only field for an admin: the model's instant `field` on the staff clock,
    its zone named (format_for_staff), sorted by the field; the admin's dash when empty.
    Assign it under a name that is not the field's own (Django would show the field instead)."""

    @admin.display(description=description, ordering=field)
    def display(model_admin, obj) -> str:
        value = getattr(obj, field)
        if value is None:
            return model_admin.get_empty_value_display()
        return clock_readings_cell(format_for_staff(value, with_capitals=with_capitals))

    return display


def zoned_admin(admin_class: type[admin.ModelAdmin], model: type[models.Model]) -> type[admin.ModelAdmin]:
    """`admin_class` (another package's) with each of `model`'s datetimes that it shows read-only
    or in its list shown through `instant_display`, so every time on the staff site names its zone."""
    instants = {
        field.name: field.verbose_name
        for field in model._meta.get_fields()
        if isinstance(field, models.DateTimeField) and (not field.editable or field.name in admin_class.readonly_fields)
    }
    listed = {name for name in instants if name in admin_class.list_display}

    def swap(names, among) -> list:
        return [f"{name}_zoned" if name in among else name for name in names]

    class Zoned(admin_class):
        list_display = swap(admin_class.list_display, listed)
        readonly_fields = swap(admin_class.readonly_fields, instants)

        def get_fieldsets(self, request, obj=None):
            return [
                (title, {**options, "fields": swap(options["fields"], instants)})
                for title, options in super().get_fieldsets(request, obj)
            ]

    for name, label in instants.items():
        setattr(Zoned, f"{name}_zoned", instant_display(name, description=label))
    Zoned.__name__ = Zoned.__qualname__ = admin_class.__name__
    return Zoned


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


class ConflictSafeAdminMixin:
    """Forms check every rule before saving; a conflicting change committed by someone else in
    the meantime is caught by the services or the database. Then nothing is saved and the
    person is told why, instead of seeing a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, IntegrityError) as exc:
            details = "; ".join(exc.messages) if isinstance(exc, ValidationError) else _("refused by the database")
            self.message_user(
                request,
                _("Nothing was saved: a conflicting change was made at the same time (%(details)s). Please try again.")
                % {"details": details},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())


class ScheduleChangeAdminMixin:
    """Every save or delete through this admin raises the schedule version, in the same
    transaction, so no cached schedule or feed outlives the change."""

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        schedule_changed()

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        schedule_changed()

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        schedule_changed()

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        schedule_changed()


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


class OwnKeysAdmin(NotFoundUnlessVisibleMixin, AuditedAdmin):
    """Tokens and feed addresses act for their user: each person sees and makes their own; an
    administrator sees everyone's and makes them for others. Their history is for administrators."""

    def get_queryset(self, request):
        keys = super().get_queryset(request)
        return keys if is_administrator(request.user) else keys.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not is_administrator(request.user):
            kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ApiTokenForm(forms.ModelForm):
    """A new token's expiry is checked against API_TOKEN_MAX_DAYS here, as a field error, before
    the token is made."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "expires_at" in self.fields:
            days = settings.API_TOKEN_MAX_DAYS
            self.fields["expires_at"].help_text = " ".join(
                [
                    ngettext("At most %(days)d day from now.", "At most %(days)d days from now.", days)
                    % {"days": days},
                    _("The time is on the %(zone)s clock.") % {"zone": staff_zone()},
                ]
            )

    def clean(self) -> dict:
        cleaned_data = super().clean()
        expires_at = cleaned_data.get("expires_at")
        if self.instance.pk is None and expires_at is not None:
            try:
                api_token_expiry_check(expires_at=expires_at)
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned_data


@admin.register(ApiToken)
class ApiTokenAdmin(OwnKeysAdmin):
    form = ApiTokenForm
    list_display = ("key_id", "name", "user", "scope", "expires", "created", "last_used", "revoked")
    list_filter = ("scope", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("name", "key_id", "user__username")
    actions = ("revoke",)

    expires = instant_display("expires_at", description=_("expires"))
    created = instant_display("created_at", description=_("created"))
    last_used = instant_display("last_used_at", description=_("last used"))
    revoked = instant_display("revoked_at", description=_("revoked"))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name", "scope", "expires_at")
        return ("user", "name", "scope", "expires", "key_id", "created", "last_used", "revoked")

    def get_readonly_fields(self, request, obj=None):
        # A token keeps the user, scope and expiry it was made with: anything else is a new token.
        made = ("user", "scope", "expires", "key_id", "created", "last_used", "revoked")
        return () if obj is None else made

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        value = api_token_issue(token=obj)
        self.message_user(
            request,
            _("The new token is %(token)s — copy it now: it is kept only as a hash and cannot be shown again.")
            % {"token": value},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset) -> None:
        for token in queryset:
            api_token_revoke(token=token)
        self.message_user(request, _("Revoked."), messages.SUCCESS)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(OwnKeysAdmin):
    list_display = ("user", "address", "created", "revoked")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    list_select_related = ("user",)
    search_fields = ("user__username", "key_id")
    actions = ("revoke",)

    created = instant_display("created_at", description=_("created"))
    revoked = instant_display("revoked_at", description=_("revoked"))

    def get_fields(self, request, obj=None):
        return ("user",) if obj is None else ("user", "address", "created", "revoked")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("user", "address", "created", "revoked")

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            calendar_feed_issue(feed=obj)

    @admin.display(description=_("subscription address"))
    def address(self, obj: CalendarFeed) -> str:
        if obj.revoked_at:
            return _("(revoked)")
        return format_html("<code>{}</code>", reverse("calendar-feed", kwargs={"token": obj.token}))

    @admin.action(description=_("Revoke the selected addresses"), permissions=["change"])
    def revoke(self, request, queryset) -> None:
        for feed in queryset:
            calendar_feed_revoke(feed=feed)
        self.message_user(request, _("Revoked."), messages.SUCCESS)
