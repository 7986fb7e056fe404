"""The e-mail of a reminder row: in the recipient's language, times on their clock and the
venue's (and both capitals'), the agenda, and an invitation (.ics) their calendar can file."""

import unicodedata
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, vCalAddress, vText

from meetings.calendars import PRODID, session_event
from meetings.choices import ReminderKind
from meetings.models import Reminder, Session
from tracker.timezones import capital_clocks, format_in_zone, to_zone


def _one_line(text: str) -> str:
    """Header-safe: control characters (CR, LF ...) become spaces."""
    return " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).split())


def _clocks(session: Session, person_zone: str) -> list[tuple[str, str]]:
    rows = [(_("Your time"), format_in_zone(session.starts_at, person_zone))]
    if session.timezone != person_zone:
        rows.append((_("At the venue"), format_in_zone(session.starts_at, session.timezone)))
    shown = {person_zone, session.timezone}
    rows += [
        (clock.label, format_in_zone(clock.local, clock.zone_name))
        for clock in capital_clocks(session.starts_at)
        if clock.zone_name not in shown
        and to_zone(session.starts_at, clock.zone_name).utcoffset()
        != to_zone(session.starts_at, person_zone).utcoffset()
    ]
    return rows


def invitation(row: Reminder) -> bytes:
    """METHOD:REQUEST (or CANCEL) for this person: the session's UID and SEQUENCE, the committee's
    secretariat as ORGANIZER, the person as ATTENDEE."""
    session, person = row.session, row.person
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if row.kind == ReminderKind.CANCELLATION else "REQUEST")
    event = session_event(session)
    if row.kind == ReminderKind.CANCELLATION:
        event["STATUS"] = vText("CANCELLED")
    organizer = vCalAddress(
        f"mailto:{parseaddr(session.committee.secretariat_email or settings.DEFAULT_FROM_EMAIL)[1]}"
    )
    organizer.params["CN"] = vText(_one_line(session.committee.name_en))
    event["ORGANIZER"] = organizer
    attendee = vCalAddress(f"mailto:{person.email}")
    attendee.params.update({"CN": vText(_one_line(person.full_name)), "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"})
    event.add("attendee", attendee)
    calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=session.starts_at.date() - timedelta(days=366),
        last_date=session.ends_at.date() + timedelta(days=366),
    )
    return calendar.to_ical()


def reminder_message(row: Reminder, *, connection=None) -> EmailMultiAlternatives:
    session, person = row.session, row.person
    with translation.override(person.preferred_language):
        committee = session.committee.display_name
        subjects = {
            ReminderKind.REMINDER: _("Reminder: %(committee)s, session %(number)d — %(title)s"),
            ReminderKind.UPDATE: _("Changed: %(committee)s, session %(number)d — %(title)s"),
            ReminderKind.CANCELLATION: _("Cancelled: %(committee)s, session %(number)d — %(title)s"),
        }
        subject = _one_line(
            subjects[ReminderKind(row.kind)]
            % {"committee": committee, "number": session.number, "title": session.display_title}
        )
        context = {
            "row": row,
            "session": session,
            "person": person,
            "committee": committee,
            "clocks": _clocks(session, person.timezone),
            "ends": format_in_zone(session.ends_at, person.timezone),
            "agenda": list(session.agenda_items.select_related("presenter").order_by("position")),
            "link": settings.SITE_URL.rstrip("/") + reverse("session-page", kwargs={"pk": session.pk}),
            "cancelled": row.kind == ReminderKind.CANCELLATION,
            "updated": row.kind == ReminderKind.UPDATE,
        }
        text = render_to_string("meetings/email/reminder.txt", context)
        html = render_to_string("meetings/email/reminder.html", context)
    sender = session.committee.secretariat_email or settings.DEFAULT_FROM_EMAIL
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((_one_line(session.committee.name_en), sender)) if "<" not in sender else sender,
        to=[formataddr((_one_line(person.full_name), person.email))],
        headers={"Message-ID": row.message_id},
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    method = "CANCEL" if row.kind == ReminderKind.CANCELLATION else "REQUEST"
    message.attach("invitation.ics", invitation(row), f"text/calendar; method={method}")
    return message
