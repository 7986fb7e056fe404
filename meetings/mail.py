"""The e-mail of a reminder row: in the recipient's language, times on their clock and the
venue's (and both capitals'), the agenda, and an invitation (.ics) their calendar can file.

Each kind says what happened: an invitation, a reminder, a change (what changed since the mail
the person was last sent), a postponement, a cancellation. The text, the invitation's summary,
description and location, and the sender's name are all in the reader's language.

A mail is written as a `Letter`, which holds nothing of its reader but their language and clock
(and, for a change, what their last mail showed): readers who share those share one letter, and
`Letter.to` only adds the address, the Message-ID and the invitation's ATTENDEE."""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from icalendar import Calendar, Event, vCalAddress, vText

from committees.models import Person
from meetings.calendars import PRODID, calendar_ical, session_event, session_page_url
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
# Kinds whose mail says what changed since the reader's last mail about the session.
CHANGES_SHOWN_KINDS = frozenset({ReminderKind.UPDATE, ReminderKind.INVITATION})


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


def _sender_address(session: Session) -> str:
    return parseaddr(session.committee.secretariat_email or settings.DEFAULT_FROM_EMAIL)[1]


def sender(session: Session) -> str:
    """From: the committee's name in the active language, at its secretariat's address."""
    return formataddr((one_line(session.committee.display_name), _sender_address(session)))


def recipient(person: Person) -> str:
    return formataddr((one_line(person.full_name), person.email))


def _attendee(person: Person) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{person.email}")
    attendee.params.update({"CN": vText(one_line(person.full_name)), "ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"})
    return attendee


def _invitation_calendar(session: Session, kind: str, attendee: vCalAddress) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", invitation_method(kind))
    event = session_event(session)
    if kind in SESSION_OFF_KINDS:
        event["STATUS"] = vText("CANCELLED")
    organizer = vCalAddress(f"mailto:{_sender_address(session)}")
    organizer.params["CN"] = vText(one_line(session.committee.display_name))
    event["ORGANIZER"] = organizer
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar


def invitation(row: Reminder) -> bytes:
    """METHOD:REQUEST (or CANCEL) for this person: the session's UID and SEQUENCE, the committee's
    secretariat as ORGANIZER, the person as ATTENDEE; texts in the active language."""
    return calendar_ical(_invitation_calendar(row.session, row.kind, _attendee(row.person)))


def _attendee_line(attendee: vCalAddress) -> bytes:
    """The ATTENDEE property as the library writes it in an event: folded, ending in CRLF."""
    holder = Event()
    holder.add("attendee", attendee)
    return holder.to_ical().removeprefix(b"BEGIN:VEVENT\r\n").removesuffix(b"END:VEVENT\r\n")


@dataclass(frozen=True)
class Invitation:
    """An `invitation` written for every reader at once but for its ATTENDEE line."""

    method: str
    head: bytes  # up to the ATTENDEE line
    tail: bytes  # after it

    def to(self, person: Person) -> bytes:
        return self.head + _attendee_line(_attendee(person)) + self.tail


def session_invitation(*, session: Session, kind: str) -> Invitation:
    """The session's invitation of `kind` in the active language, for any reader: written with a
    stand-in attendee, whose line (the one ATTENDEE of the calendar) each reader's own replaces."""
    stand_in = vCalAddress("mailto:attendee")
    written = calendar_ical(_invitation_calendar(session, kind, stand_in))
    line = _attendee_line(stand_in)
    at = written.index(b"\r\n" + line) + 2
    return Invitation(method=invitation_method(kind), head=written[:at], tail=written[at + len(line) :])


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


@dataclass(frozen=True)
class Letter:
    """A mail as every reader who shares its language and clock gets it, but for the address."""

    subject: str
    text: str
    html: str
    from_email: str
    invitation: Invitation | None = None

    def to(self, row: Reminder, *, connection=None) -> EmailMultiAlternatives:
        """The mail of `row`, to its person."""
        message = row_message(
            row, subject=self.subject, text=self.text, html=self.html, from_email=self.from_email, connection=connection
        )
        if self.invitation is not None:
            method = self.invitation.method
            message.attach("invitation.ics", self.invitation.to(row.person), f"text/calendar; method={method}")
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


def _shown_by_sent_mail(session_id: int) -> QuerySet:
    """What each mail about the session that the SMTP server accepted showed of it, latest first."""
    sent = Reminder.objects.filter(session_id=session_id, state=ReminderState.SENT, shown__isnull=False)
    return sent.order_by("-sent_at", "-pk")


def last_shown(*, row: Reminder) -> dict | None:
    """What the person's last mail about the session, other than this row, showed of it."""
    sent = _shown_by_sent_mail(row.session_id).filter(person_id=row.person_id).exclude(pk=row.pk)
    return sent.values_list("shown", flat=True).first()


def last_shown_to(*, session_id: int, person_ids: Iterable[int], rows: Iterable[int]) -> dict[int, dict]:
    """`last_shown` for several people at once (one query), per person; `rows`: the rows asking."""
    sent = _shown_by_sent_mail(session_id).filter(person_id__in=list(person_ids)).exclude(pk__in=list(rows))
    latest: dict[int, dict] = {}
    for person_id, shown in sent.values_list("person_id", "shown"):
        latest.setdefault(person_id, shown)
    return latest


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


def reminder_letter(
    *,
    session: Session,
    agenda: list[AgendaItem],
    kind: str,
    language: str,
    zone: str,
    before: dict | None,
    invitation: Invitation | None = None,
) -> Letter:
    """The mail of `kind` about the session for readers of `language` on the clock of `zone` whose
    last mail about it showed `before`; `invitation`, when given, already written in `language`."""
    kind = ReminderKind(kind)
    with translation.override(language):
        committee = session.committee.display_name
        subject = _SUBJECTS[kind] % {"committee": committee, "number": session.number, "title": session.display_title}
        # Nothing here may name the reader: every reader of this language and clock gets these bytes.
        context = {
            "kind": kind.value,
            "language": language,
            "session": session,
            "committee": committee,
            "clocks": _clocks(session, zone),
            "ends": format_in_zone(session.ends_at, zone),
            "agenda": agenda,
            "link": session_page_url(session),
            "changes": (
                session_changes(before=before, session=session, agenda=agenda, reader_zone=zone) if before else []
            ),
            "told_before": before is not None,
        }
        return Letter(
            subject=subject,
            text=render_to_string("meetings/email/reminder.txt", context),
            html=render_to_string("meetings/email/reminder.html", context),
            from_email=sender(session),
            invitation=invitation or session_invitation(session=session, kind=kind),
        )


@dataclass(frozen=True)
class ReminderMail:
    message: EmailMultiAlternatives
    shown: dict  # the session as this mail shows it (see session_shown)
    before: dict | None  # the session as the person's last mail about it showed it


def reminder_mail(row: Reminder, *, connection=None) -> ReminderMail:
    """The mail for the row in the person's language and on their clock, with what it shows,
    written for this row alone (a worker writes a chunk's mail with meetings.reminders.letters)."""
    session, person = row.session, row.person
    agenda = list(session.agenda_items.select_related("presenter").order_by("position"))
    before = last_shown(row=row) if row.kind in CHANGES_SHOWN_KINDS else None
    letter = reminder_letter(
        session=session,
        agenda=agenda,
        kind=row.kind,
        language=person.preferred_language,
        zone=person.timezone,
        before=before,
    )
    shown = session_shown(session=session, agenda=agenda)
    return ReminderMail(message=letter.to(row, connection=connection), shown=shown, before=before)
