"""The staff site's name and the mixin that turns late service errors into messages."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from tracker.models import ApiToken, CalendarFeed
from tracker.roles import is_administrator
from tracker.schedule import schedule_changed
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
    user cannot see has no history for them either (404, as the record)."""

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
        return super().history_form_view(request, object_id, version_id, extra_context)

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
            self.fields["expires_at"].help_text = ngettext(
                "At most %(days)d day from now.", "At most %(days)d days from now.", days
            ) % {"days": days}

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
    list_display = ("key_id", "name", "user", "scope", "expires_at", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scope", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("name", "key_id", "user__username")
    actions = ("revoke",)

    def get_fields(self, request, obj=None):
        made = ("user", "name", "scope", "expires_at")
        return made if obj is None else (*made, "key_id", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        # A token keeps the user, scope and expiry it was made with: anything else is a new token.
        made = ("user", "scope", "expires_at", "key_id", "created_at", "last_used_at", "revoked_at")
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
    list_display = ("user", "address", "created_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    list_select_related = ("user",)
    search_fields = ("user__username", "key_id")
    actions = ("revoke",)

    def get_fields(self, request, obj=None):
        return ("user",) if obj is None else ("user", "address", "created_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("user", "address", "created_at", "revoked_at")

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
