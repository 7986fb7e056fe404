"""The mail of a commitment overdue and of a change made by the other delegation, in the reader's
language and on their clock (with both capitals' for a time), sent through the reminder outbox."""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from meetings.calendars import session_page_url
from meetings.choices import ReminderKind, SessionStatus
from meetings.mail import Letter, sender
from meetings.models import Change, Commitment, Reminder, Session
from meetings.records.choices import delegation_name
from tracker.timezones import capital_clocks, format_in_zone

_SUBJECTS = {
    ReminderKind.OVERDUE: gettext_lazy("Commitment overdue: %(committee)s — %(text)s"),
    ReminderKind.CHANGE: gettext_lazy("Changed by %(by)s: %(committee)s, session %(number)d — %(title)s"),
}
# Fields of a session whose old and new values are instants: shown on the reader's and capitals' clocks.
_TIME_FIELDS = ("starts_at", "ends_at")
_FIELD_LABELS = {
    "starts_at": gettext_lazy("Starts"),
    "ends_at": gettext_lazy("Ends"),
    "status": gettext_lazy("Status"),
    "timezone": gettext_lazy("Venue time zone"),
    "venue": gettext_lazy("Venue"),
    "host_country": gettext_lazy("Host country"),
    "state": gettext_lazy("State"),
    "version": gettext_lazy("Record version"),
    "attendance": gettext_lazy("Attendance"),
    "closing": gettext_lazy("Closing remarks"),
}


def _value(field: str, value: str | None, zone: str) -> str:
    if not value:
        return "—"
    if field in _TIME_FIELDS:
        return format_in_zone(datetime.fromisoformat(value), zone)
    if field == "status":
        return str(SessionStatus(value).label)
    if field == "host_country":
        return str(countries.name(value))
    return value


def change_lines(*, changes: list[dict], zone: str) -> list[str]:
    """Each change as "what: old → new", times on the reader's clock, then on the capitals' that
    are not theirs."""
    lines = []
    for change in changes:
        field = change["field"]
        label = _FIELD_LABELS.get(field) or (_("Agenda item %(where)s") % {"where": field.removeprefix("item ")})
        lines.append(f"{label}: {_value(field, change['old'], zone)} → {_value(field, change['new'], zone)}")
        if field in _TIME_FIELDS and change["old"] and change["new"]:
            old, new = datetime.fromisoformat(change["old"]), datetime.fromisoformat(change["new"])
            for clock in capital_clocks(new):
                if clock.zone_name != zone:
                    before, after = format_in_zone(old, clock.zone_name), format_in_zone(new, clock.zone_name)
                    lines.append(f"{label}, {clock.label}: {before} → {after}")
    return lines


def commitments_page_url(committee) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("schedule-commitments", kwargs={"slug": committee.slug})


def record_letter(
    *,
    kind: str,
    session: Session,
    language: str,
    zone: str,
    commitment: Commitment | None = None,
    change: Change | None = None,
) -> Letter:
    """The mail about an overdue `commitment` or a `change` to the session, for readers of
    `language` on the clock of `zone`: nothing in it names the reader."""
    kind = ReminderKind(kind)
    with translation.override(language):
        committee = session.committee.display_name
        context = {
            "kind": kind.value,
            "language": language,
            "committee": committee,
            "session": session,
            "session_start": format_in_zone(session.starts_at, zone),
            "link": session_page_url(session),
        }
        if kind == ReminderKind.OVERDUE:
            context |= {
                "commitment": commitment,
                "responsible": delegation_name(commitment.responsible),
                "link": commitments_page_url(session.committee),
            }
            text = Truncator(commitment.display_text).words(8)
            subject = _SUBJECTS[kind] % {"committee": committee, "text": text}
        else:
            by = delegation_name(change.delegation) if change.delegation else _("an administrator")
            context |= {
                "change": change,
                "by": by,
                "made_at": format_in_zone(change.made_at, zone),
                "lines": change_lines(changes=change.changes, zone=zone),
            }
            subject = _SUBJECTS[kind] % {
                "by": by,
                "committee": committee,
                "number": session.number,
                "title": session.display_title,
            }
        return Letter(
            subject=subject,
            text=render_to_string("meetings/email/record.txt", context),
            html=render_to_string("meetings/email/record.html", context),
            from_email=sender(session),
        )


def record_mail(row: Reminder, *, connection=None) -> EmailMultiAlternatives:
    """The mail for an overdue-commitment or change row, written for this row alone."""
    overdue = row.kind == ReminderKind.OVERDUE
    letter = record_letter(
        kind=row.kind,
        session=row.session,
        language=row.person.preferred_language,
        zone=row.person.timezone,
        commitment=row.commitment if overdue else None,
        change=None if overdue else row.change,
    )
    return letter.to(row, connection=connection)
