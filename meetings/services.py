"""Writes to sessions, their agendas and their invitees. The admin, the API and the demo data all
come here, so the rules that span rows (overlap, agenda length, status changes, the calendar
sequence) hold whichever way a change arrives. Each write runs in
`committees.writes.schedule_write`, which raises the schedule version once and re-plans the
reminders of the sessions it touched."""

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committees.models import Committee
from committees.writes import schedule_write
from meetings.choices import (
    CALENDAR_FIELDS,
    MAX_AGENDA_POSITION,
    MOVE_FIELDS,
    SessionStatus,
)
from meetings.models import SESSION_CHANGEABLE_FIELDS, AgendaItem, Invitee, RecordEntry, Session, SessionTombstone
from meetings.records.changes import ChangeBy, change_announce
from meetings.rules import (
    REASON_NEEDED,
    agenda_validate,
    field_errors,
    session_change_needing_reason,
    session_committee_check,
    session_delete_problem,
    session_reschedule_postponed,
    session_times_validate,
    session_validate,
)
from meetings.selectors import session_next_number
from tracker.constraints import violated_constraint

# Constraint names (PostgreSQL, SQLite CHECK) and SQLite UNIQUE column lists → field and message.
_CONSTRAINT_ERRORS = {
    "session_no_overlap": ("starts_at", gettext_lazy("Another session of this committee takes this time.")),
    "session_number_unique_per_committee": (
        "number",
        gettext_lazy("This committee already has a session with this number."),
    ),
    "meetings_session.committee_id, meetings_session.number": (
        "number",
        gettext_lazy("This committee already has a session with this number."),
    ),
    "session_ends_after_start": ("ends_at", gettext_lazy("The session must end after it starts.")),
}

# Kept agenda rows are moved this far up before they take their new positions, so that
# reordering never collides with the unique (session, position) constraint mid-way.
_POSITION_SHIFT = MAX_AGENDA_POSITION + 1


def _agenda_write(*, session: Session, agenda: Sequence[AgendaItem]) -> None:
    kept = [item.pk for item in agenda if item.pk]
    removed = session.agenda_items.exclude(pk__in=kept)
    if RecordEntry.objects.filter(agenda_item__in=removed).exists() or removed.filter(commitments__isnull=False):
        raise ValidationError(
            {"agenda": [_("An item the session's record speaks of cannot be removed: change the record first.")]}
        )
    removed.delete()
    session.agenda_items.update(position=F("position") + _POSITION_SHIFT)
    for position, item in enumerate(agenda, start=1):
        item.session = session
        item.position = position
        item.save()


def session_save(
    *,
    session: Session,
    agenda: Sequence[AgendaItem] | None = None,
    now: datetime | None = None,
    by: ChangeBy | None = None,
    reason: str = "",
) -> Session:
    """Create or update `session` as it stands in memory, with the committee locked.

    `agenda`, when given, becomes the whole agenda in that order (positions 1, 2, ...); items
    not in it are deleted. The sequence rises when the time, place or status changes; a
    postponed session given a new time is scheduled again. A change made `by` a person (the admin,
    the API) that moves, postpones or cancels the session needs a `reason`: it is kept, and the
    other delegation's secretariat is mailed it."""
    try:
        with schedule_write(committee_ids=[session.committee_id], now=now) as write:
            previous = Session.objects.select_for_update().get(pk=session.pk) if session.pk else None
            if previous is not None:
                session_committee_check(session=previous, committee_id=session.committee_id)
                session_reschedule_postponed(
                    session=session,
                    stored={"status": previous.status, "starts_at": previous.starts_at, "ends_at": previous.ends_at},
                )
            session_times_validate(session=session)
            if session.number is None and session.committee_id:
                session.number = session_next_number(committee=session.committee)

            errors = field_errors(session, exclude=["sequence"])
            if not errors:
                if agenda is not None:
                    agenda_validate(session=session, agenda=agenda)
                    minutes = sum(item.duration_minutes for item in agenda)
                elif previous is not None:
                    minutes = previous.agenda_items.aggregate(total=Sum("duration_minutes"))["total"] or 0
                else:
                    minutes = 0
                session_validate(
                    session=session,
                    previous_status=previous.status if previous else None,
                    agenda_minutes=minutes,
                    now=write.now,
                )
            if errors:
                raise ValidationError(errors)

            change = session_change_needing_reason(previous=previous, session=session) if previous and by else []
            if change and not reason.strip():
                raise ValidationError({"reason": [REASON_NEEDED]})
            if change:
                session._change_reason = reason.strip()  # the session's history shows why
            if previous is not None:
                moved = any(getattr(previous, field) != getattr(session, field) for field in CALENDAR_FIELDS)
                session.sequence = previous.sequence + 1 if moved else previous.sequence
            session.save()
            if agenda is not None:
                _agenda_write(session=session, agenda=agenda)
            moved = previous is not None and (
                any(getattr(previous, field) != getattr(session, field) for field in MOVE_FIELDS)
                or (previous.status != SessionStatus.SCHEDULED and session.status == SessionStatus.SCHEDULED)
            )
            write.session_touched(session_id=session.pk, moved=moved)
            if change:
                change_announce(
                    session=session,
                    subject="session",
                    changes=change,
                    reason=reason,
                    user=by.user,
                    access=by.access,
                    now=write.now,
                )
    except IntegrityError as exc:
        field, message = _CONSTRAINT_ERRORS.get(violated_constraint(exc), (None, ""))
        if field is None:
            raise
        raise ValidationError({field: [message]}) from exc
    return session


def session_create(
    *,
    committee: Committee,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,
    venue: str,
    host_country: str,
    number: int | None = None,
    status: str = SessionStatus.SCHEDULED,
    description: str = "",
    title_en: str = "",
    description_en: str = "",
    agenda: Sequence[AgendaItem] = (),
    now: datetime | None = None,
) -> Session:
    session = Session(
        committee=committee,
        number=number,
        title=title,
        title_en=title_en,
        description=description,
        description_en=description_en,
        status=status,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone,
        venue=venue,
        host_country=host_country,
    )
    return session_save(session=session, agenda=list(agenda), now=now)


_UPDATABLE = frozenset(SESSION_CHANGEABLE_FIELDS)


def session_update(
    *,
    session: Session,
    data: dict,
    agenda: Sequence[AgendaItem] | None = None,
    now: datetime | None = None,
    by: ChangeBy | None = None,
    reason: str = "",
) -> Session:
    """Apply `data` (field → value) and save; unknown or server-set fields are refused."""
    unknown = set(data) - _UPDATABLE
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in sorted(unknown)})
    for field, value in data.items():
        setattr(session, field, value)
    return session_save(session=session, agenda=agenda, now=now, by=by, reason=reason)


def session_set_status(
    *, session: Session, status: str, now: datetime | None = None, by: ChangeBy | None = None, reason: str = ""
) -> Session:
    session.refresh_from_db()
    session.status = status
    return session_save(session=session, now=now, by=by, reason=reason)


def session_cancel(*, session: Session, by: ChangeBy | None = None, reason: str = "") -> Session:
    return session_set_status(session=session, status=SessionStatus.CANCELLED, by=by, reason=reason)


def session_postpone(*, session: Session, by: ChangeBy | None = None, reason: str = "") -> Session:
    return session_set_status(session=session, status=SessionStatus.POSTPONED, by=by, reason=reason)


def session_mark_held(
    *, session: Session, now: datetime | None = None, by: ChangeBy | None = None, reason: str = ""
) -> Session:
    return session_set_status(session=session, status=SessionStatus.HELD, now=now, by=by, reason=reason)


def session_delete(*, session: Session) -> None:
    """Delete a session and its agenda, leaving a tombstone for clients that mirror the schedule,
    unless `session_delete_problem` says why not."""
    with schedule_write(committee_ids=[session.committee_id]):
        stored = Session.objects.select_for_update().filter(pk=session.pk).first() or session
        if problem := session_delete_problem(session=stored):
            raise ValidationError({"status": [problem]})
        SessionTombstone.objects.update_or_create(
            session_id=session.pk,
            defaults={
                "committee": session.committee.slug,
                "number": session.number,
                "uid": session.uid,
                "deleted_at": timezone.now(),
            },
        )
        session.delete()


def invitees_save(*, session: Session, changed: Sequence[Invitee] = (), removed: Sequence[Invitee] = ()) -> None:
    """Invite people to a session beyond its members (new or `changed` invitees), and withdraw
    `removed` invitations; the session's reminders and invitations follow at the write's end."""
    with schedule_write(committee_ids=[session.committee_id]) as write:
        for invitee in removed:
            invitee.delete()
        for invitee in changed:
            invitee.session = session
            invitee.full_clean(exclude=["session"])
            invitee.save()
        write.session_touched(session_id=session.pk)
