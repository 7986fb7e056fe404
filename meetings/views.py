from django.http import Http404, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from meetings.api.filters import SessionFilter
from meetings.calendars import sessions_calendar
from meetings.selectors import sessions_with_agenda
from tracker.api.conditional import schedule_response
from tracker.tokens import calendar_feed_find


@require_safe
def calendar_feed(request, token: str):
    """A person's subscription address: the secret in the path stands in for a token, for
    calendar apps that cannot send headers. Takes the session list's filters."""
    feed = calendar_feed_find(token)
    if feed is None:
        raise Http404
    sessions = sessions_with_agenda()
    if request.GET:  # most subscriptions send none: no form to build then
        filterset = SessionFilter(request.GET, queryset=sessions)
        if not filterset.is_valid():
            return HttpResponseBadRequest(
                "\n".join(f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items()),
                content_type="text/plain; charset=utf-8",
            )
        sessions = filterset.qs
    return schedule_response(
        request,
        build=lambda: sessions_calendar(sessions, name=_("Committee sessions")),
        content_type="text/calendar; charset=utf-8",
    )
