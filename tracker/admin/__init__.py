"""The staff site: its name, the bases and displays its admins share (`display`, `history`), and
the admins of the tracker's own records (`keys`)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Binational committee tracker")
admin.site.site_title = _("Committee tracker")
admin.site.index_title = _("Secretariat")

from tracker.admin import keys  # noqa: E402, F401 - registers the tracker's own admins
