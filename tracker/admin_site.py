"""The staff site: the admin with a second factor at sign-in, and its lock-out page.

Installed as the default admin site (tracker.apps.TrackerAdminConfig), so every
`@admin.register` in the apps registers here.
"""

import math

from axes.helpers import get_cool_off
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user

from tracker.security import second_factor_satisfied


class SecondFactorFormMixin(forms.Form):
    """Username and password, then the code of one of the user's authenticators.

    Someone with a confirmed device always has to give its code. Someone without one signs in
    with the password alone, unless ADMIN_REQUIRE_2FA is set: then they cannot sign in at all
    until an administrator enrols a device (`manage.py enroll_totp`).
    """

    otp_token = forms.CharField(
        label=_("Authentication code"),
        help_text=_("The six digits your authenticator app shows for this site."),
        required=False,
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none"}
        ),
    )

    error_messages = {
        "token_required": _("Enter the authentication code from your authenticator app."),
        "invalid_token": _("That authentication code is not right, or was already used. Enter the current one."),
        "throttled": _("Too many wrong authentication codes. Wait a minute and try again."),
        "no_device": _(
            "The staff site needs a second factor and this account has no authenticator yet. "
            "Ask an administrator to enrol one."
        ),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The password form's own messages, and these.
        self.error_messages = {**super().error_messages, **SecondFactorFormMixin.error_messages}

    def clean(self) -> dict:
        cleaned_data = super().clean()
        user = self.get_user()
        if user is not None:
            # django-otp's user_logged_in receiver keeps this device in the session as verified.
            user.otp_device = self._verified_device(user, cleaned_data.get("otp_token") or "")
        return cleaned_data

    def _verified_device(self, user, token: str):
        if not any(True for _device in devices_for_user(user)):
            if settings.ADMIN_REQUIRE_2FA:
                raise ValidationError(self.error_messages["no_device"], code="no_device")
            return None
        if not token:
            raise ValidationError(self.error_messages["token_required"], code="token_required")
        throttled = False
        # Locked rows, so two requests with the same code cannot both be accepted. Raising only
        # after the block keeps the devices' record of the failure (their own back-off).
        with transaction.atomic():
            for device in devices_for_user(user, for_verify=True):
                allowed, _details = device.verify_is_allowed()
                if not allowed:
                    throttled = True
                elif device.verify_token(token):
                    return device
        # A wrong second factor is a failed sign-in like a wrong password: it counts towards the lock-out.
        user_login_failed.send(sender=type(self), credentials={"username": user.get_username()}, request=self.request)
        code = "throttled" if throttled else "invalid_token"
        raise ValidationError(self.error_messages[code], code=code)


class AdminLoginForm(SecondFactorFormMixin, AdminAuthenticationForm):
    """The staff site's sign-in: staff only."""


class SignInForm(SecondFactorFormMixin, AuthenticationForm):
    """The schedule pages' sign-in: anyone with an account, staff or not."""


class TrackerAdminSite(admin.AdminSite):
    site_header = _("Binational committee tracker")
    site_title = _("Committee tracker")
    index_title = _("Secretariat")
    login_form = AdminLoginForm
    login_template = "tracker/admin/login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        # A session that skipped the second factor where one is due is treated as not staff.
        return super().has_permission(request) and second_factor_satisfied(request.user)

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        return FieldAutocompleteView.as_view(admin_site=self)(request)


class FieldAutocompleteView(AutocompleteJsonView):
    """Django's autocomplete, refusing (403) a field that is not a form's foreign key, such as a
    reverse relation named in the query string, which Django's own view answers with a 500."""

    def process_request(self, request: HttpRequest):
        model_name, app_label = request.GET.get("model_name", ""), request.GET.get("app_label", "")
        try:
            field = apps.get_model(app_label, model_name)._meta.get_field(request.GET.get("field_name", ""))
        except (LookupError, ValueError, FieldDoesNotExist) as exc:
            raise PermissionDenied from exc
        if not getattr(field, "concrete", False) or not field.is_relation:
            raise PermissionDenied
        return super().process_request(request)


class SuperuserOnlyAdminMixin:
    """For models whose rows are secrets (authenticator keys): superusers only, whatever the
    permissions a staff role has been given."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def authenticator_admin_for_superusers(*, site: admin.AdminSite) -> None:
    """Replace django-otp's TOTP device admin (which its app registers on import) by the same
    admin, QR code included, for superusers only."""
    # Imported here: that module registers on the default site, which is this module's site.
    from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tracker.admin.display import zoned_admin

    class SuperuserTOTPDeviceAdmin(SuperuserOnlyAdminMixin, zoned_admin(TOTPDeviceAdmin, TOTPDevice)):
        pass

    if site.is_registered(TOTPDevice):
        site.unregister(TOTPDevice)
    site.register(TOTPDevice, SuperuserTOTPDeviceAdmin)


def sign_in_logs_zoned(*, site: admin.AdminSite) -> None:
    """django-axes's sign-in attempt and log pages, with every time naming its zone."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from tracker.admin.display import zoned_admin

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        if site.is_registered(model):
            model_admin = type(site.get_model_admin(model))
            site.unregister(model)
            site.register(model, zoned_admin(model_admin, model))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """What a locked-out sign-in gets (AXES_LOCKOUT_CALLABLE): 429 with a page in the admin's look
    saying how long to wait, and Retry-After."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else None
    context = {
        **admin.site.each_context(request),
        "title": _("Too many failed sign-ins"),
        "minutes": math.ceil(seconds / 60) if seconds else None,
    }
    response = render(request, "tracker/admin/locked_out.html", context, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
