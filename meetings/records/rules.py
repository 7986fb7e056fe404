"""The rules a record's rows follow, stated once for the services, the admin's forms and the API."""

from collections.abc import Sequence

from django.utils.translation import gettext as _

from meetings.models import RecordAttendance, RecordEntry, Session
from meetings.records.choices import BOTH_DELEGATIONS, EntryKind
from meetings.rules import field_errors
from tracker.timezones import to_zone


def responsible_choices(session: Session) -> list[str]:
    """Who may be responsible for a commitment: one of the committee's two delegations, or both."""
    return [*session.committee.countries, BOTH_DELEGATIONS]


def entry_problems(*, session: Session, entry: RecordEntry) -> dict[str, list[str]]:
    """What is wrong with one row of the record, by field."""
    errors = field_errors(entry, exclude=["record", "key"])
    if entry.agenda_item_id and entry.agenda_item.session_id != session.pk:
        errors.setdefault("agenda_item", []).append(_("Choose an item of this session's agenda."))
    if entry.kind != EntryKind.COMMITMENT:
        for field in ("responsible", "due_on"):
            if getattr(entry, field):
                errors.setdefault(field, []).append(_("Only a commitment has a responsible delegation and a due date."))
        return errors
    if entry.responsible not in responsible_choices(session):
        errors.setdefault("responsible", []).append(
            _("Choose the responsible delegation: %(choices)s.") % {"choices": ", ".join(responsible_choices(session))}
        )
    day = to_zone(session.starts_at, session.timezone).date()
    if entry.due_on is None:
        errors.setdefault("due_on", []).append(_("A commitment needs a due date."))
    elif entry.due_on < day:
        errors.setdefault("due_on", []).append(
            _("A commitment cannot be due before the session that agreed it (%(day)s).") % {"day": day.isoformat()}
        )
    return errors


def entries_validate(*, session: Session, entries: Sequence[RecordEntry]) -> dict[str, list[str]]:
    messages = []
    for number, entry in enumerate(entries, start=1):
        for field, problems in entry_problems(session=session, entry=entry).items():
            label = RecordEntry._meta.get_field(field).verbose_name if field != "__all__" else ""
            messages += [
                _("Row %(number)d, %(field)s: %(problem)s") % {"number": number, "field": label, "problem": problem}
                for problem in problems
            ]
    return {"entries": messages} if messages else {}


def attendance_validate(*, session: Session, attendance: Sequence[RecordAttendance]) -> dict[str, list[str]]:
    messages = []
    seen: set[int] = set()
    countries = set(session.committee.countries)
    for row in attendance:
        for field, problems in field_errors(row, exclude=["record"]).items():
            messages += [f"{row.person}: {problem}" for problem in problems] if field != "person" else problems
        if row.person_id in seen:
            messages.append(_("%(person)s is listed twice.") % {"person": row.person})
        seen.add(row.person_id)
        if row.delegation and row.delegation.code not in countries:
            messages.append(
                _("%(person)s: the delegation must be one of the committee's two countries.") % {"person": row.person}
            )
    return {"attendance": messages} if messages else {}
