"""The e-mail of a reminder row: in the recipient's language, times on their clock and the
venue's (and both capitals'), the agenda, and an invitation (.ics) their calendar can file.

Each kind says what happened: an invitation, a reminder, a change (what changed since the mail
the person was last sent), a postponement, a cancellation. The text, the invitation's summary,
description and location, and the sender's name are all in the reader's language."""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from icalendar import Calendar, vCalAddress, vText

from meetings.calendars import PRODID, session_event, session_page_url, timezones_add
from meetings.choices import SESSION_OFF_KINDS, ReminderKind, ReminderState
from meetings.models import AgendaItem, Reminder, Session
from tracker.bilingual import text_for_reader
from tracker.timezones import capital_clocks, format_in_zone, to_utc, to_zone, utc_offset_label

_SUBJECTS = {
    ReminderKind.INVITATION: gettext_lazy("Invitation: %(committee)s, session %(number)d — %(title)s"),
    ReminderKind.REMINDER: gettext_lazy("Reminder: %(committee)s, session %(number)d — %(title)s"),
    ReminderKind.EXTRA: gettext_lazy("Reminder: %(committee)s, session %(number)d — %(title)s"),
    ReminderKind.UPDATE: gettext_lazy("Changed: %(committee)s, session %(number)d — %(title)s"),
    ReminderKind.POSTPONEMENT: gettext_lazy("Postponed: %(committee)s, session %(number)d — %(title)s"),
    ReminderKind.CANCELLATION: gettext_lazy("Cancelled: %(committee)s, session %(number)d — %(title)s"),
}


def one_line(text: str) -> str:
    """Header-safe: control characters (CR, LF ...) become spaces."""
    return " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).split())


def _clocks(session: Session, person_zone: str) -> list[tuple[str, str]]:
    rows = [(_("Your time"), format_in_zone(session.starts_at, person_zone))]
    if session.timezone != person_zone:
        rows.append((_("At the venue"), format_in_zone(session.starts_at, session.timezone)))
    shown = {person_zone, session.timezone}
    rows += [
        (clock.label, clock.reading)
        for clock in capital_clocks(session.starts_at)
        if clock.zone_name not in shown
        and to_zone(session.starts_at, clock.zone_name).utcoffset()
        != to_zone(session.starts_at, person_zone).utcoffset()
    ]
    return rows


def invitation_method(kind: str) -> str:
    """CANCEL for a postponement or cancellation: the time no longer holds, so calendars take the
    entry out (the mail's text says which it was); REQUEST, adding or updating it, otherwise."""
    return "CANCEL" if kind in SESSION_OFF_KINDS else "REQUEST"


def invitation(row: Reminder) -> bytes:
    """METHOD:REQUEST (or CANCEL) for this person: the session's UID and SEQUENCE, the committee's
    secretariat as ORGANIZER, the person as ATTENDEE; texts in the active language."""
    session, person = row.session, row.person
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", invitation_method(row.kind))
    event = session_event(session)
    if row.kind in SESSION_OFF_KINDS:
        event["STATUS"] = vText("CANCELLED")
    organizer = vCalAddress(f"mailto:{_sender_address(session)}")
    organizer.params["CN"] = vText(one_line(session.committee.display_name))
    event["ORGANIZER"] = organizer
    attendee = vCalAddress(f"mailto:{person.email}")
    attendee.params.update({"CN": vText(one_line(person.full_name)), "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"})
    event.add("attendee", attendee)
    calendar.add_component(event)
    timezones_add(calendar)
    return calendar.to_ical()


@dataclass(frozen=True)
class ReminderMail:
    message: EmailMultiAlternatives
    shown: dict  # the session as this mail shows it (see session_shown)
    before: dict | None  # the session as the person's last mail about it showed it


def _sender_address(session: Session) -> str:
    return parseaddr(session.committee.secretariat_email or settings.DEFAULT_FROM_EMAIL)[1]


def sender(session: Session) -> str:
    """From: the committee's name in the active language, at its secretariat's address."""
    return formataddr((one_line(session.committee.display_name), _sender_address(session)))


def recipient(person) -> str:
    return formataddr((one_line(person.full_name), person.email))


def row_message(
    row: Reminder, *, subject: str, text: str, html: str, from_email: str, connection
) -> EmailMultiAlternatives:
    """The mail of an outbox row to its person: text and HTML, under the row's stable Message-ID."""
    message = EmailMultiAlternatives(
        subject=one_line(subject),
        body=text,
        from_email=from_email,
        to=[recipient(row.person)],
        headers={"Message-ID": row.message_id},
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def session_shown(*, session: Session, agenda: list[AgendaItem]) -> dict:
    """What a mail shows of the session, as JSON: kept on the row when it is sent, so the next
    change notice can say what changed for that reader."""
    return {
        "starts_at": to_utc(session.starts_at).isoformat(),
        "ends_at": to_utc(session.ends_at).isoformat(),
        "timezone": session.timezone,
        "venue": session.venue,
        "host_country": session.host_country.code,
        "status": session.status,
        "agenda": [[item.title, item.title_en] for item in agenda],
    }


def last_shown(*, row: Reminder) -> dict | None:
    """What the person's last mail about the session, other than this row, showed of it."""
    sent = Reminder.objects.filter(
        session_id=row.session_id, person_id=row.person_id, state=ReminderState.SENT, shown__isnull=False
    ).exclude(pk=row.pk)
    return sent.order_by("-sent_at", "-pk").values_list("shown", flat=True).first()


def _on_clock(value: datetime, zone_name: str) -> str:
    local = to_zone(value, zone_name)
    return f"{local:%Y-%m-%d %H:%M} {utc_offset_label(local)}"


def session_changes(*, before: dict, session: Session, agenda: list[AgendaItem], reader_zone: str) -> list[str]:
    """What differs between the session as `before` showed it and as it is, one line each: the
    start on the reader's clock and on the capitals' clocks (those not the reader's), the end when
    the length changed, the venue's zone and place, agenda items added and removed."""
    lines = []
    old_start, old_end = datetime.fromisoformat(before["starts_at"]), datetime.fromisoformat(before["ends_at"])
    if old_start != session.starts_at:
        lines.append(
            _("Starts, your time: %(old)s → %(new)s")
            % {"old": format_in_zone(old_start, reader_zone), "new": format_in_zone(session.starts_at, reader_zone)}
        )
        lines += [
            _("Starts, %(clock)s: %(old)s → %(new)s")
            % {
                "clock": clock.label,
                "old": _on_clock(old_start, clock.zone_name),
                "new": _on_clock(session.starts_at, clock.zone_name),
            }
            for clock in capital_clocks(session.starts_at)
            if clock.zone_name != reader_zone
        ]
    if old_end - old_start != session.length:
        lines.append(
            _("Ends, your time: %(old)s → %(new)s")
            % {"old": format_in_zone(old_end, reader_zone), "new": format_in_zone(session.ends_at, reader_zone)}
        )
    if before["timezone"] != session.timezone:
        lines.append(_("Venue time zone: %(old)s → %(new)s") % {"old": before["timezone"], "new": session.timezone})
    if (before["venue"], before["host_country"]) != (session.venue, session.host_country.code):
        lines.append(
            _("Venue: %(old)s → %(new)s")
            % {
                "old": f"{before['venue']}, {countries.name(before['host_country'])}",
                "new": f"{session.venue}, {session.host_country.name}",
            }
        )
    old_titles = [text_for_reader(title, title_en) for title, title_en in before["agenda"]]
    new_titles = [item.display_title for item in agenda]
    lines += [_("Agenda: added “%(title)s”") % {"title": title} for title in new_titles if title not in old_titles]
    lines += [_("Agenda: removed “%(title)s”") % {"title": title} for title in old_titles if title not in new_titles]
    return lines


def reminder_mail(row: Reminder, *, connection=None) -> ReminderMail:
    """The mail for the row in the person's language and on their clock, with what it shows."""
    session, person = row.session, row.person
    kind = ReminderKind(row.kind)
    agenda = list(session.agenda_items.select_related("presenter").order_by("position"))
    shown = session_shown(session=session, agenda=agenda)
    before = last_shown(row=row) if kind in (ReminderKind.UPDATE, ReminderKind.INVITATION) else None
    with translation.override(person.preferred_language):
        committee = session.committee.display_name
        subject = _SUBJECTS[kind] % {"committee": committee, "number": session.number, "title": session.display_title}
        context = {
            "row": row,
            "kind": kind.value,
            "session": session,
            "person": person,
            "committee": committee,
            "clocks": _clocks(session, person.timezone),
            "ends": format_in_zone(session.ends_at, person.timezone),
            "agenda": agenda,
            "link": session_page_url(session),
            "changes": (
                session_changes(before=before, session=session, agenda=agenda, reader_zone=person.timezone)
                if before
                else []
            ),
            "told_before": before is not None,
        }
        text = render_to_string("meetings/email/reminder.txt", context)
        html = render_to_string("meetings/email/reminder.html", context)
        calendar = invitation(row)
        from_email = sender(session)
    message = row_message(row, subject=subject, text=text, html=html, from_email=from_email, connection=connection)
    method = invitation_method(kind)
    message.attach("invitation.ics", calendar, f"text/calendar; method={method}")
    return ReminderMail(message=message, shown=shown, before=before)
