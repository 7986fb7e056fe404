"""The staff site's name and the mixin that turns late service errors into messages."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

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
            details = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(
                request,
                _("Nothing was saved: a conflicting change was made at the same time (%(details)s). Please try again.")
                % {"details": details},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
