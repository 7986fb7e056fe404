"""iCalendar (RFC 5545) for sessions, built with the `icalendar` library.

One VEVENT per session with a stable UID and the session's SEQUENCE, so a moved or cancelled
session replaces its old entry. DTSTAMP and LAST-MODIFIED come from the session's last change,
so an unchanged schedule gives the same bytes. Every text value goes through the library,
which escapes line breaks: no text can add a property or a component.

Times are on the venue's clock with a VTIMEZONE written from the time-zone database
(tracker.ical_zones), which readers that never look the TZID up resolve as we do; a time the
venue's clock shows twice (the hour repeated when summer time ends) is written in UTC instead."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from committees.models import Committee
from meetings.choices import SessionStatus
from meetings.models import Session
from tracker.ical_zones import vtimezone, vtimezone_ical
from tracker.timezones import (
    LocalTimeProblem,
    capital_clocks,
    format_in_zone,
    local_time_problem,
    to_utc,
    to_wall_clock,
    to_zone,
    zone,
)

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
    lines += [clock.line for clock in capital_clocks(session.starts_at)]
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


def session_page_url(session: Session) -> str:
    """The absolute address of the session's page on the schedule."""
    return settings.SITE_URL.rstrip("/") + reverse("session-page", kwargs={"pk": session.pk})


def event_time(value: datetime, zone_name: str) -> datetime:
    """`value` on the venue's clock, or in UTC where that clock shows the same time twice: a
    repeated local time names two instants, and readers pick different ones."""
    if local_time_problem(to_wall_clock(value, zone_name), zone(zone_name)) is LocalTimeProblem.AMBIGUOUS:
        return to_utc(value)
    return to_zone(value, zone_name)


def session_event(session: Session) -> Event:
    changed = to_utc(last_change(session))
    event = Event()
    event.add("uid", session.uid)
    event.add("sequence", session.sequence)
    event.add("dtstamp", changed)
    event.add("created", to_utc(session.created_at))
    event.add("last-modified", changed)
    event.add("dtstart", event_time(session.starts_at, session.timezone))
    event.add("dtend", event_time(session.ends_at, session.timezone))
    event.add("summary", _one_line_breaks(f"{session.committee.display_name}: {session.display_title}"))
    event.add("location", _one_line_breaks(f"{session.venue}, {session.host_country.name}"))
    event.add("status", _STATUS[SessionStatus(session.status)])
    event.add("description", session_description(session))
    event.add("url", session_page_url(session))
    return event


def feed_name(committees: Iterable[Committee]) -> str:
    """A calendar's name: its committees' names, in the reader's language."""
    return " — ".join(sorted(committee.display_name for committee in committees)) or _("Committee sessions")


def _zones_needed(calendar: Calendar) -> tuple[list[str], date, date] | None:
    """The zones the events name, and the span of dates their rules must cover: the events' dates
    and a year on either side (so that feeds stay small); None without events."""
    events = calendar.walk("VEVENT")
    instants = [to_utc(event[key].dt) for event in events for key in ("DTSTART", "DTEND") if key in event]
    if not instants:
        return None
    first, last = min(instants).date() - timedelta(days=366), max(instants).date() + timedelta(days=366)
    return sorted(calendar.get_used_tzids()), first, last  # a time in UTC names no zone: it ends in Z


def timezones_add(calendar: Calendar) -> None:
    """A VTIMEZONE for each zone the events name, ahead of the events: some readers resolve a time
    with the zones read so far."""
    if needed := _zones_needed(calendar):
        names, first, last = needed
        calendar.subcomponents[:0] = [vtimezone(name, first=first, last=last) for name in names]


def calendar_ical(calendar: Calendar) -> bytes:
    """`calendar` (holding no VTIMEZONE yet) written out as `timezones_add` and `to_ical` would
    write it, each VTIMEZONE taken already written from the process's cache."""
    written = calendar.to_ical()
    if not (needed := _zones_needed(calendar)):
        return written
    names, first, last = needed
    # Where the first component begins (a text value cannot start a line: line breaks in it are
    # escaped, and a folded line starts with a space).
    at = written.index(b"\r\nBEGIN:") + 2
    zones = b"".join(vtimezone_ical(name, first=first, last=last) for name in names)
    return written[:at] + zones + written[at:]


def sessions_calendar(sessions: Iterable[Session], *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.calendar_name = _one_line_breaks(name)  # NAME (RFC 7986) and X-WR-CALNAME
    for session in sessions:
        calendar.add_component(session_event(session))
    if calendar.walk("VEVENT"):
        timezones_add(calendar)
    else:
        # RFC 5545 wants at least one component; an empty schedule still names its zone (the
        # same bytes every time: the rules of one fixed year).
        calendar.add_component(vtimezone(settings.TIME_ZONE, first=date(2025, 1, 1), last=date(2026, 1, 1)))
    return calendar.to_ical()
