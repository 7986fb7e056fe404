"""The month calendar of sessions on the staff site, each at its venue's time and on both
capitals' clocks; a capital already on another day says which."""

from datetime import date

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from meetings.selectors import month_neighbours, sessions_month
from tracker.timezones import capital_clocks, format_in_zone, year_check


def _month_asked(model_admin: admin.ModelAdmin, request, today: date) -> tuple[int, int]:
    """`?month=YYYY-MM`, or this month (with a message when the month given is not one)."""
    asked = request.GET.get("month")
    if asked:
        try:
            chosen = date.fromisoformat(f"{asked}-01")
            year_check(chosen)
            return chosen.year, chosen.month
        except (ValueError, ValidationError):
            model_admin.message_user(
                request, _("“%(month)s” is not a month: give it as YYYY-MM.") % {"month": asked}, messages.ERROR
            )
    return today.year, today.month


def sessions_calendar_view(model_admin: admin.ModelAdmin, request) -> TemplateResponse:
    """A month of the sessions `model_admin` shows its user."""
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    today = timezone.localdate()
    year, month = _month_asked(model_admin, request, today)
    weeks = sessions_month(sessions=model_admin.get_queryset(request), year=year, month=month)
    for week in weeks:
        for day in week:
            for session in day.sessions:
                capitals = [
                    f"{c.label} {c.local:%H:%M}"
                    + (f" ({date_format(c.local.date(), 'D j')})" if c.local.date() != day.day else "")
                    for c in capital_clocks(session.starts_at)
                ]
                session.clock_lines = [format_in_zone(session.starts_at, session.timezone), " · ".join(capitals)]
    first = date(year, month, 1)
    previous, following = month_neighbours(first)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Sessions in %(month)s") % {"month": date_format(first, "F Y")},
        "weeks": weeks,
        "weekdays": [date_format(day.day, "l") for day in weeks[0]],
        "previous": f"{previous:%Y-%m}",
        "next": f"{following:%Y-%m}",
        "today": today,
    }
    return TemplateResponse(request, "admin/meetings/session/calendar.html", context)
