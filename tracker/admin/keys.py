"""API tokens and calendar subscription addresses: each acts for its user."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tracker.admin.display import instant_display
from tracker.admin.history import AuditedAdmin, NotFoundUnlessVisibleMixin
from tracker.models import ApiToken, CalendarFeed
from tracker.roles import is_administrator
from tracker.timezones import staff_zone
from tracker.tokens import (
    api_token_expiry_check,
    api_token_issue,
    api_token_revoke,
    calendar_feed_issue,
    calendar_feed_revoke,
)


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
