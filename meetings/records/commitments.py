"""The commitments register: commitments enter it when the record that agreed them is approved,
their status is followed with a dated note per change, open ones are carried into the next
session's agenda, and overdue ones are reminded of, once, through the reminder outbox."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from committees.access import Access
from committees.models import Committee, Person
from committees.writes import schedule_write
from meetings.choices import ReminderKind, ReminderState
from meetings.models import Commitment, CommitmentUpdate, Record, RecordVersion, Reminder
from meetings.records.changes import explanation_check, secretaries, user_name
from meetings.records.choices import (
    BOTH_DELEGATIONS,
    CLOSED_COMMITMENT_STATUSES,
    OPEN_COMMITMENT_STATUSES,
    CommitmentStatus,
    EntryKind,
)
from meetings.reminders.planning import message_id_new
from tracker.timezones import to_zone


def _commitment_entries(content: dict) -> dict[str, tuple[dict, dict]]:
    return {
        entry["key"]: (item, entry)
        for item in content["items"]
        for entry in item["entries"]
        if entry["kind"] == EntryKind.COMMITMENT
    }


def commitments_register(*, record: Record, content: dict, previous: RecordVersion | None, now: datetime) -> None:
    """Bring the register in line with an approved version: new commitments are opened, corrected
    ones take the new text, and ones the correction removed are dropped, each with a dated note."""
    session = record.session
    wanted = _commitment_entries(content)
    existing = {str(c.key): c for c in Commitment.objects.filter(key__in=list(wanted) + _keys(previous))}
    with override("es"):  # the register's notes are in the committee's working language
        opened = _("Agreed at session %(number)d.") % {"number": session.number}
        corrected = _("Corrected in version %(version)d of the record.") % {"version": record.version}
        removed = _("Removed from the record in version %(version)d.") % {"version": record.version}
    for key, (item, entry) in wanted.items():
        fields = {
            "committee_id": session.committee_id,
            "session_id": session.pk,
            "agenda_item_id": item["agenda_item_id"],
            "text": entry["text"],
            "text_en": entry["text_en"],
            "responsible": entry["responsible"],
            "person_id": entry["person_id"],
            "due_on": entry["due_on"],
        }
        commitment = existing.get(key)
        if commitment is None:
            commitment = Commitment.objects.create(key=key, **fields)
            CommitmentUpdate.objects.create(
                commitment=commitment, status=commitment.status, note=opened, changed_at=now
            )
            continue
        changed = {name: value for name, value in fields.items() if _stored(commitment, name) != value}
        if changed:
            Commitment.objects.filter(pk=commitment.pk).update(**changed, updated_at=now)
            if changed.keys() & {"due_on", "person_id", "responsible"}:
                # A waiting overdue notice is about the old date or the old people: the planner
                # writes the new one when the new date is over.
                _overdue_notices_cancel(commitment=commitment, now=now)
            CommitmentUpdate.objects.create(
                commitment=commitment, status=commitment.status, note=corrected, changed_at=now
            )
    for key, commitment in existing.items():
        if key not in wanted and commitment.status not in CLOSED_COMMITMENT_STATUSES:
            _status_write(commitment=commitment, status=CommitmentStatus.DROPPED, note=removed, user=None, now=now)


def _keys(version: RecordVersion | None) -> list[str]:
    return list(_commitment_entries(version.content)) if version else []


def _stored(commitment: Commitment, name: str):
    value = getattr(commitment, name)
    return value.isoformat() if name == "due_on" else value


def commitment_editable(*, access: Access, commitment: Commitment) -> bool:
    """Administrators, and the secretariat of the responsible delegation (either one for a
    commitment of both), follow a commitment's status."""
    if access.everything:
        return True
    if commitment.responsible == BOTH_DELEGATIONS:
        return access.edits_committee(commitment.committee_id)
    return access.edits_delegation(commitment.committee_id, commitment.responsible)


def _status_write(
    *, commitment: Commitment, status: str, note: str, user: AbstractBaseUser | None, now: datetime
) -> None:
    Commitment.objects.filter(pk=commitment.pk).update(status=status, updated_at=now)
    commitment.status = status
    CommitmentUpdate.objects.create(
        commitment=commitment,
        status=status,
        note=note,
        changed_at=now,
        changed_by=user,
        changed_by_name=user_name(user),
    )
    if status in CLOSED_COMMITMENT_STATUSES:
        _overdue_notices_cancel(commitment=commitment, now=now)


def _overdue_notices_cancel(*, commitment: Commitment, now: datetime) -> None:
    commitment.reminders.filter(kind=ReminderKind.OVERDUE, state=ReminderState.PENDING).update(
        state=ReminderState.CANCELLED, updated_at=now
    )


def commitment_status_set(
    *,
    commitment: Commitment,
    status: str,
    note: str,
    access: Access,
    user: AbstractBaseUser | None,
    now: datetime | None = None,
) -> Commitment:
    """Record a change of the commitment's status (or a note on it as it stands), dated."""
    with schedule_write(committee_ids=[commitment.committee_id], now=now) as write:
        stored = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if not commitment_editable(access=access, commitment=stored):
            raise ValidationError(
                {"status": [_("Only the responsible delegation's secretariat follows this commitment.")]}
            )
        errors = {}
        if status not in CommitmentStatus.values:
            errors["status"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(CommitmentStatus.values)}]
        if not note.strip():
            errors["note"] = [_("Say what happened: every change of a commitment carries a note.")]
        else:
            try:
                note = explanation_check(note, field="note")
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        _status_write(commitment=stored, status=status, note=note, user=user, now=write.now)
    return stored


def commitments_open(*, committee: Committee) -> QuerySet[Commitment]:
    """The committee's commitments still open or in progress, oldest due first."""
    return Commitment.objects.filter(committee=committee, status__in=OPEN_COMMITMENT_STATUSES).order_by("due_on", "pk")


def commitments_overdue(*, now: datetime) -> QuerySet[Commitment]:
    """Open commitments whose due day is over on their committee's clock (a day's margin in the
    query; each committee's own clock decides in `commitments_overdue_plan`)."""
    return Commitment.objects.filter(
        status__in=OPEN_COMMITMENT_STATUSES, due_on__lt=(now + timedelta(days=1)).date()
    ).select_related("committee", "person")


def overdue_recipients(*, commitment: Commitment, today) -> list[Person]:
    """The responsible person, if they have an address; else the responsible delegation's
    secretaries (members with the secretary role), both delegations' for a commitment of both."""
    if commitment.person is not None and commitment.person.email:
        return [commitment.person]
    only = None if commitment.responsible == BOTH_DELEGATIONS else commitment.responsible
    return secretaries(committee=commitment.committee, day=today, only=only)


def commitments_overdue_plan(*, now: datetime | None = None) -> int:
    """Plan one overdue notice per commitment, due date and recipient, once (the database's unique
    index holds it if two scans race); returns how many rows were planned. A commitment whose
    notice was cancelled (closed, or given a new date or person) is planned again if overdue."""
    now = now or timezone.now()
    planned = 0
    told = Reminder.objects.filter(
        commitment=OuterRef("pk"), kind=ReminderKind.OVERDUE, commitment_due_on=OuterRef("due_on")
    ).exclude(state=ReminderState.CANCELLED)
    for commitment in commitments_overdue(now=now).exclude(Exists(told)).order_by("pk"):
        today = to_zone(now, commitment.committee.default_timezone).date()
        if commitment.due_on >= today:
            continue
        rows = [
            Reminder(
                session_id=commitment.session_id,
                person=person,
                kind=ReminderKind.OVERDUE,
                commitment=commitment,
                commitment_due_on=commitment.due_on,
                due_at=now,
                next_attempt_at=now,
                message_id=message_id_new(),
            )
            for person in overdue_recipients(commitment=commitment, today=today)
        ]
        planned += len(Reminder.objects.bulk_create(rows, ignore_conflicts=True))
    return planned
