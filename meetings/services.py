"""Writes to sessions and their agendas. The admin, the API and the demo data all come here,
so the rules that span rows (overlap, agenda length, status changes, the calendar sequence)
hold whichever way a change arrives."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committees.models import Committee
from committees.services import committee_lock
from meetings.choices import (
    CALENDAR_FIELDS,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_AGENDA_POSITION,
    MAX_SESSION_LENGTH,
    MOVE_FIELDS,
    SLOT_HOLDING_STATUSES,
    STATUS_TRANSITIONS,
    SessionStatus,
)
from meetings.models import AgendaItem, Session, SessionTombstone
from meetings.reminders import reminders_plan
from meetings.selectors import session_next_number
from tracker.constraints import violated_constraint
from tracker.schedule import schedule_changed
from tracker.timezones import format_in_zone

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


def session_overlapping(*, session: Session) -> Session | None:
    """Another slot-holding session of the same committee whose time meets this one's."""
    if session.status not in SLOT_HOLDING_STATUSES:
        return None
    return (
        Session.objects.filter(
            committee_id=session.committee_id,
            status__in=SLOT_HOLDING_STATUSES,
            starts_at__lt=session.ends_at,
            ends_at__gt=session.starts_at,
        )
        .exclude(pk=session.pk)
        .order_by("starts_at")
        .first()
    )


def _times_validate(*, session: Session) -> None:
    """Both times present and aware: an instant without a zone is never guessed."""
    errors = {}
    for field in ("starts_at", "ends_at"):
        value = getattr(session, field)
        if value is None:
            errors[field] = [_("This field is required.")]
        elif not isinstance(value, datetime):
            errors[field] = [_("Enter a date and time.")]
        elif timezone.is_naive(value):
            errors[field] = [_("Give the time with its UTC offset or time zone; a time without one is ambiguous.")]
        elif not FIRST_YEAR <= value.year <= LAST_YEAR:
            errors[field] = [_("Give a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR}]
    if errors:
        raise ValidationError(errors)


def session_validate(
    *,
    session: Session,
    previous_status: str | None = None,
    agenda_minutes: int | None = None,
    now: datetime | None = None,
) -> None:
    """Raise ValidationError (by field) if the session, as it stands in memory, breaks a rule.

    `previous_status` is the stored status of an existing session (None for a new one);
    `agenda_minutes` the total length of the agenda it will have (None: not checked here)."""
    _times_validate(session=session)
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    length = session.ends_at - session.starts_at
    if length <= timedelta(0):
        add("ends_at", _("The session must end after it starts."))
    elif length > MAX_SESSION_LENGTH:
        add("ends_at", _("A session may last at most %(days)d days.") % {"days": MAX_SESSION_LENGTH.days})

    now = now or timezone.now()
    if previous_status is None:
        if session.status not in (SessionStatus.SCHEDULED, SessionStatus.HELD):
            add("status", _("A new session is either scheduled or, for one already past, held."))
    elif session.status != previous_status and session.status not in STATUS_TRANSITIONS[previous_status]:
        add(
            "status",
            _("A %(old)s session cannot become %(new)s.")
            % {"old": SessionStatus(previous_status).label.lower(), "new": SessionStatus(session.status).label.lower()},
        )
    if session.status == SessionStatus.HELD and session.starts_at > now:
        add("status", _("A session can only be marked held once it has started."))

    if (
        session.committee_id
        and session.number is not None
        and Session.objects.filter(committee_id=session.committee_id, number=session.number)
        .exclude(pk=session.pk)
        .exists()
    ):
        add("number", _("This committee already has a session with this number."))

    if agenda_minutes is not None and not errors and agenda_minutes > length / timedelta(minutes=1):
        add(
            "agenda",
            _("The agenda lasts %(agenda)d minutes but the session only %(session)d.")
            % {"agenda": agenda_minutes, "session": length // timedelta(minutes=1)},
        )

    if not errors and session.committee_id and (other := session_overlapping(session=session)):
        add(
            "starts_at",
            _("Overlaps session %(number)d “%(title)s” (%(start)s to %(end)s).")
            % {
                "number": other.number,
                "title": other.title,
                "start": format_in_zone(other.starts_at, session.timezone or other.timezone),
                "end": format_in_zone(other.ends_at, session.timezone or other.timezone),
            },
        )
    if errors:
        raise ValidationError(errors)


def session_reschedule_postponed(*, session: Session, stored: dict) -> None:
    """A postponed session given a new time is scheduled again (`stored`: its saved status and times)."""
    if stored["status"] == SessionStatus.POSTPONED == session.status and (stored["starts_at"], stored["ends_at"]) != (
        session.starts_at,
        session.ends_at,
    ):
        session.status = SessionStatus.SCHEDULED


def _full_clean(instance, *, exclude: Sequence[str] = ()) -> dict[str, list[str]]:
    """Field errors; the table's constraints are checked by the rules, with messages by field."""
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        return {field: list(messages) for field, messages in exc.message_dict.items()}
    return {}


def agenda_max_items() -> int:
    """The most items an agenda may hold: AGENDA_MAX_ITEMS, which the admin's form is sized for."""
    return min(settings.AGENDA_MAX_ITEMS, MAX_AGENDA_POSITION)


def agenda_length_validate(*, items: int) -> None:
    """Refuse an agenda of `items` items if it is longer than `agenda_max_items()`."""
    if items > (most := agenda_max_items()):
        raise ValidationError({"agenda": [_("An agenda may hold at most %(n)d items.") % {"n": most}]})


def _agenda_validate(*, session: Session, agenda: Sequence[AgendaItem]) -> None:
    agenda_length_validate(items=len(agenda))
    messages = []
    for position, item in enumerate(agenda, start=1):
        if item.pk and item.session_id != session.pk:
            messages.append(_("Item %(n)d belongs to another session.") % {"n": position})
            continue
        item.position = position
        problems = _full_clean(item, exclude=["session"])
        for field, field_messages in problems.items():
            label = AgendaItem._meta.get_field(field).verbose_name
            messages.extend(
                _("Item %(n)d, %(field)s: %(message)s") % {"n": position, "field": label, "message": message}
                for message in field_messages
            )
    if messages:
        raise ValidationError({"agenda": messages})


def _agenda_write(*, session: Session, agenda: Sequence[AgendaItem]) -> None:
    kept = [item.pk for item in agenda if item.pk]
    session.agenda_items.exclude(pk__in=kept).delete()
    session.agenda_items.update(position=F("position") + _POSITION_SHIFT)
    for position, item in enumerate(agenda, start=1):
        item.session = session
        item.position = position
        item.save()


def session_save(
    *, session: Session, agenda: Sequence[AgendaItem] | None = None, now: datetime | None = None
) -> Session:
    """Create or update `session` as it stands in memory, with the committee locked.

    `agenda`, when given, becomes the whole agenda in that order (positions 1, 2, ...); items
    not in it are deleted. The sequence rises when the time, place or status changes; a
    postponed session given a new time is scheduled again."""
    try:
        with transaction.atomic():
            committee_lock(committee_id=session.committee_id)
            previous = Session.objects.select_for_update().get(pk=session.pk) if session.pk else None
            if previous is not None and previous.committee_id != session.committee_id:
                raise ValidationError({"committee": [_("A session cannot be moved to another committee.")]})
            if previous is not None:
                session_reschedule_postponed(
                    session=session,
                    stored={"status": previous.status, "starts_at": previous.starts_at, "ends_at": previous.ends_at},
                )
            _times_validate(session=session)
            if session.number is None and session.committee_id:
                session.number = session_next_number(committee=session.committee)

            errors = _full_clean(session, exclude=["sequence"])
            if not errors:
                if agenda is not None:
                    _agenda_validate(session=session, agenda=agenda)
                    minutes = sum(item.duration_minutes for item in agenda)
                elif previous is not None:
                    minutes = previous.agenda_items.aggregate(total=Sum("duration_minutes"))["total"] or 0
                else:
                    minutes = 0
                session_validate(
                    session=session,
                    previous_status=previous.status if previous else None,
                    agenda_minutes=minutes,
                    now=now,
                )
            if errors:
                raise ValidationError(errors)

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
            reminders_plan(session=session, moved=moved, now=now)
            schedule_changed()
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


_UPDATABLE = {
    "number",
    "title",
    "title_en",
    "description",
    "description_en",
    "status",
    "starts_at",
    "ends_at",
    "timezone",
    "venue",
    "host_country",
    "reminder_offsets",
}


def session_update(
    *, session: Session, data: dict, agenda: Sequence[AgendaItem] | None = None, now: datetime | None = None
) -> Session:
    """Apply `data` (field → value) and save; unknown or server-set fields are refused."""
    unknown = set(data) - _UPDATABLE
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in sorted(unknown)})
    for field, value in data.items():
        setattr(session, field, value)
    return session_save(session=session, agenda=agenda, now=now)


def session_set_status(*, session: Session, status: str, now: datetime | None = None) -> Session:
    session.refresh_from_db()
    session.status = status
    return session_save(session=session, now=now)


def session_cancel(*, session: Session) -> Session:
    return session_set_status(session=session, status=SessionStatus.CANCELLED)


def session_postpone(*, session: Session) -> Session:
    return session_set_status(session=session, status=SessionStatus.POSTPONED)


def session_mark_held(*, session: Session, now: datetime | None = None) -> Session:
    return session_set_status(session=session, status=SessionStatus.HELD, now=now)


@transaction.atomic
def session_delete(*, session: Session) -> None:
    """Delete a session and its agenda, leaving a tombstone for clients that mirror the schedule.
    A held session is part of the committee's record and is not deleted."""
    committee_lock(committee_id=session.committee_id)
    if Session.objects.filter(pk=session.pk, status=SessionStatus.HELD).exists():
        raise ValidationError({"status": [_("A held session is part of the record and cannot be deleted.")]})
    if session.reminders.filter(state__in=("sent", "sending")).exists():
        raise ValidationError(
            {"status": [_("People have been reminded of this session: cancel it instead, so they are told.")]}
        )
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
    schedule_changed()
