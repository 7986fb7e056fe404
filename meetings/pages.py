"""Schedule pages for people (the link in every reminder leads here)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from committees.access import access_for, by_committee
from meetings.selectors import sessions_with_agenda
from tracker.timezones import capital_clocks, format_in_zone


@require_safe
@login_required
def session_page(request, pk: int):
    sessions = by_committee(access=access_for(request.user), queryset=sessions_with_agenda())
    session = get_object_or_404(sessions, pk=pk)
    spanish = (get_language() or "en").startswith("es")
    clocks = [
        (clock.label, format_in_zone(clock.local, clock.zone_name)) for clock in capital_clocks(session.starts_at)
    ]
    return render(
        request,
        "meetings/schedule/session.html",
        {
            "session": session,
            "committee": session.committee.name_es if spanish else session.committee.name_en,
            "venue_start": format_in_zone(session.starts_at, session.timezone),
            "venue_end": format_in_zone(session.ends_at, session.timezone),
            "clocks": clocks,
            "agenda": session.agenda_items.all(),
        },
    )
