"""The rules a session and its agenda must keep, checked before every write (by the services)
and by the admin's forms, so a person is told which field to fix before anything is saved."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetings.choices import (
    CALENDAR_FIELDS,
    MAX_AGENDA_POSITION,
    MAX_SESSION_LENGTH,
    MOVE_FIELDS,
    SLOT_HOLDING_STATUSES,
    STATUS_TRANSITIONS,
    ReminderState,
    SessionStatus,
)
from meetings.models import AgendaItem, Session
from tracker.timezones import format_in_zone, year_check


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


def session_times_validate(*, session: Session) -> None:
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
        else:
            try:
                year_check(value)
            except ValidationError as exc:
                errors[field] = exc.messages
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
    session_times_validate(session=session)
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

    if (
        agenda_minutes is not None
        and not errors
        and (problem := agenda_fit_problem(session=session, minutes=agenda_minutes))
    ):
        add("agenda", problem)

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


def agenda_fit_problem(*, session: Session, minutes: int) -> str | None:
    """Why an agenda of `minutes` does not fit the session's time, or None when it fits."""
    available = (session.ends_at - session.starts_at) // timedelta(minutes=1)
    if minutes > available:
        return _("The agenda lasts %(agenda)d minutes but the session only %(session)d.") % {
            "agenda": minutes,
            "session": available,
        }
    return None


def session_committee_check(
    *, session: Session, committee_slug: str | None = None, committee_id: int | None = None
) -> None:
    """A session stays with the committee it was planned for (given by id or by short name)."""
    stored = Session.objects.filter(pk=session.pk).values_list("committee_id", "committee__slug").first()
    if stored is not None and (committee_id not in (None, stored[0]) or committee_slug not in (None, stored[1])):
        raise ValidationError({"committee": [_("A session cannot be moved to another committee.")]})


def session_reschedule_postponed(*, session: Session, stored: dict) -> None:
    """A postponed session given a new time is scheduled again (`stored`: its saved status and times)."""
    if stored["status"] == SessionStatus.POSTPONED == session.status and (stored["starts_at"], stored["ends_at"]) != (
        session.starts_at,
        session.ends_at,
    ):
        session.status = SessionStatus.SCHEDULED


def field_errors(instance, *, exclude: Sequence[str] = ()) -> dict[str, list[str]]:
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


def agenda_validate(*, session: Session, agenda: Sequence[AgendaItem]) -> None:
    agenda_length_validate(items=len(agenda))
    messages = []
    for position, item in enumerate(agenda, start=1):
        if item.pk and item.session_id != session.pk:
            messages.append(_("Item %(n)d belongs to another session.") % {"n": position})
            continue
        item.position = position
        problems = field_errors(item, exclude=["session"])
        for field, field_messages in problems.items():
            label = AgendaItem._meta.get_field(field).verbose_name
            messages.extend(
                _("Item %(n)d, %(field)s: %(message)s") % {"n": position, "field": label, "message": message}
                for message in field_messages
            )
    if messages:
        raise ValidationError({"agenda": messages})


def session_delete_problem(*, session: Session) -> str | None:
    """Why the session may not be deleted, or None: a held session is part of the committee's
    record, and one people were reminded of is cancelled instead, so that they are told."""
    if session.status == SessionStatus.HELD:
        return _("A held session is part of the record and cannot be deleted.")
    if session.reminders.filter(state__in=(ReminderState.SENT, ReminderState.SENDING)).exists():
        return _("People have been reminded of this session: cancel it instead, so they are told.")
    return None


REASON_NEEDED = gettext_lazy("Say why the session is moved, postponed or cancelled: the other delegation is told.")


def session_change_needing_reason(*, previous: Session, session: Session) -> list[dict]:
    """What a person must give a reason for, old → new (instants in UTC, RFC 3339): a move of a
    session not yet held, its postponement or cancellation, or its return to the schedule; empty
    for any other change."""
    if previous.status == SessionStatus.HELD or session.status == SessionStatus.HELD:
        return []
    moved = any(getattr(previous, field) != getattr(session, field) for field in MOVE_FIELDS)
    if not moved and previous.status == session.status:
        return []
    changes = []
    for field in CALENDAR_FIELDS:
        old, new = getattr(previous, field), getattr(session, field)
        if old != new:
            if field in ("starts_at", "ends_at"):
                old, new = old.astimezone(UTC).isoformat(), new.astimezone(UTC).isoformat()
            changes.append({"field": field, "old": str(old), "new": str(new)})
    return changes
