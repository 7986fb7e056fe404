from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Tracker")

    def ready(self) -> None:
        from tracker.security import session_stamp_sign_in

        user_logged_in.connect(session_stamp_sign_in, dispatch_uid="tracker-session-stamp-sign-in")


class TrackerAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the tracker's site (second factor at sign-in) as the default site,
    so every `@admin.register` and `admin.site` in the apps use it. In INSTALLED_APPS in place
    of "django.contrib.admin"."""

    # "tracker" alone in INSTALLED_APPS means TrackerConfig, not this.
    default = False
    default_site = "tracker.admin_site.TrackerAdminSite"

    def ready(self) -> None:
        super().ready()
        from tracker.admin_site import authenticator_admin_for_superusers, sign_in_logs_zoned

        authenticator_admin_for_superusers(site=self.module.site)
        sign_in_logs_zoned(site=self.module.site)
