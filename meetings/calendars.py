"""iCalendar (RFC 5545) for sessions, built with the `icalendar` library.

One VEVENT per session with a stable UID and the session's SEQUENCE, so a moved or cancelled
session replaces its old entry. DTSTAMP and LAST-MODIFIED come from the session's last change,
so an unchanged schedule gives the same bytes. Every text value goes through the library,
which escapes line breaks: no text can add a property or a component."""

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone

from meetings.choices import SessionStatus
from meetings.models import Session
from tracker.timezones import capital_clocks, format_in_zone, to_utc, to_zone

ICS = "text/calendar; charset=utf-8"

PRODID = "-//Binational committee tracker//Schedule//EN"
_STATUS = {
    SessionStatus.SCHEDULED: "CONFIRMED",
    SessionStatus.HELD: "CONFIRMED",
    # Not at that time any more; when it gets a new one, the same UID comes back CONFIRMED.
    SessionStatus.POSTPONED: "CANCELLED",
    SessionStatus.CANCELLED: "CANCELLED",
}


def _one_line_breaks(text: str) -> str:
    # A bare CR is a line break to some readers; make every break one LF for the library to escape.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def session_description(session: Session) -> str:
    lines = [
        _("Session %(number)d of %(committee)s")
        % {"number": session.number, "committee": session.committee.display_name},
        _("At the venue: %(time)s") % {"time": format_in_zone(session.starts_at, session.timezone)},
    ]
    lines += [
        f"{clock.label}: {format_in_zone(clock.local, clock.zone_name)}" for clock in capital_clocks(session.starts_at)
    ]
    if session.status == SessionStatus.POSTPONED:
        lines += ["", _("Postponed: a new date will be announced.")]
    if session.display_description:
        lines += ["", session.display_description]
    agenda = list(session.agenda_items.all())
    if agenda:
        lines += ["", _("Agenda:")]
        for item in agenda:
            presenter = f" — {item.presenter.full_name}" if item.presenter else ""
            minutes = _("(%(minutes)d min)") % {"minutes": item.duration_minutes}
            lines.append(f"{item.position}. {item.display_title}{presenter} {minutes}")
    return _one_line_breaks("\n".join(lines))


def last_change(session: Session):
    """When what the event shows last changed: the session, its committee's name, a presenter."""
    presenters = [item.presenter.updated_at for item in session.agenda_items.all() if item.presenter]
    return max([session.updated_at, session.committee.updated_at, *presenters])


def session_event(session: Session) -> Event:
    changed = to_utc(last_change(session))
    event = Event()
    event.add("uid", session.uid)
    event.add("sequence", session.sequence)
    event.add("dtstamp", changed)
    event.add("created", to_utc(session.created_at))
    event.add("last-modified", changed)
    event.add("dtstart", to_zone(session.starts_at, session.timezone))
    event.add("dtend", to_zone(session.ends_at, session.timezone))
    event.add("summary", _one_line_breaks(f"{session.committee.display_name}: {session.display_title}"))
    event.add("location", _one_line_breaks(f"{session.venue}, {session.host_country.name}"))
    event.add("status", _STATUS[SessionStatus(session.status)])
    event.add("description", session_description(session))
    return event


def sessions_calendar(sessions: Iterable[Session], *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _one_line_breaks(name))
    first: date | None = None
    last: date | None = None
    for session in sessions:
        calendar.add_component(session_event(session))
        first = min(first or session.starts_at.date(), session.starts_at.date())
        last = max(last or session.ends_at.date(), session.ends_at.date())
    if first is not None:
        # VTIMEZONE rules only for the years the events need, so feeds stay small.
        calendar.add_missing_timezones(first_date=first - timedelta(days=366), last_date=last + timedelta(days=366))
    else:
        # RFC 5545 wants at least one component; an empty schedule still names its zone (the
        # same bytes every time: the rules of one fixed year).
        calendar.add_component(
            Timezone.from_tzid(settings.TIME_ZONE, first_date=date(2025, 1, 1), last_date=date(2026, 1, 1))
        )
    return calendar.to_ical()
