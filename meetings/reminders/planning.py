"""Planning: which reminder rows a session needs, written in the transaction that saved it."""

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from committees.models import Person
from meetings.choices import ReminderKind, ReminderState, SessionStatus
from meetings.models import Reminder, Session
from tracker.timezones import to_zone


def _message_id() -> str:
    return f"<reminder.{secrets.token_hex(12)}@{settings.CALENDAR_UID_DOMAIN}>"


def reminder_recipients(*, session: Session) -> list[Person]:
    """Members active on the session's day and the session's invitees, with an e-mail address
    and reminders on; each person once."""
    day: date = to_zone(session.starts_at, session.timezone).date()  # the day at the venue
    members = Person.objects.filter(
        Q(memberships__committee_id=session.committee_id, memberships__start_date__lte=day)
        & (Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=day))
    )
    invited = Person.objects.filter(invitations__session_id=session.pk)
    return list((members | invited).filter(receives_reminders=True).exclude(email="").distinct().order_by("pk"))


def _offsets(session: Session) -> list[int]:
    return session.reminder_offsets if session.reminder_offsets is not None else session.committee.reminder_offsets


def notice_plan(*, session: Session, person_id: int, kind: str, now: datetime) -> None:
    """One pending notice per person and kind: further changes within the debounce join it."""
    due = now + timedelta(seconds=settings.REMINDER_DEBOUNCE_SECONDS)
    if Reminder.objects.filter(session=session, person_id=person_id, kind=kind, state=ReminderState.PENDING).exists():
        return  # the pending notice goes out at its first time, showing the session as it is then
    Reminder.objects.create(
        session=session, person_id=person_id, kind=kind, due_at=due, next_attempt_at=due, message_id=_message_id()
    )


def reminders_plan(*, session: Session, moved: bool = False, now: datetime | None = None) -> None:
    """Bring the session's reminder rows in line with the session as saved; call inside the
    transaction that saved it. `moved`: its time or place changed, so people already reminded
    are told (one notice, however many changes follow within the debounce)."""
    now = now or timezone.now()
    grace = timedelta(minutes=settings.REMINDER_GRACE_MINUTES)
    rows = {(r.person_id, r.offset_minutes): r for r in session.reminders.filter(kind=ReminderKind.REMINDER)}
    # Only mail the SMTP server accepted counts. A row in flight is not told: its worker reads
    # the session before sending, and re-dates the row if it finds it moved; one that read it
    # before this change and sends the old time tells the person itself (_record_sent).
    reminded = set(session.reminders.filter(state=ReminderState.SENT).values_list("person_id", flat=True))
    pending_notices = session.reminders.filter(state=ReminderState.PENDING).exclude(kind=ReminderKind.REMINDER)

    if session.status != SessionStatus.SCHEDULED:
        session.reminders.filter(state=ReminderState.PENDING).update(state=ReminderState.CANCELLED)
        if session.status in (SessionStatus.CANCELLED, SessionStatus.POSTPONED):
            for person_id in reminded:
                notice_plan(session=session, person_id=person_id, kind=ReminderKind.CANCELLATION, now=now)
        return

    pending_notices.filter(kind=ReminderKind.CANCELLATION).update(state=ReminderState.CANCELLED)
    wanted = {(person.pk, offset) for person in reminder_recipients(session=session) for offset in _offsets(session)}
    for key, row in rows.items():
        if key not in wanted and row.state == ReminderState.PENDING:
            row.state = ReminderState.CANCELLED
            row.save(update_fields=["state", "updated_at"])
    for person_id, offset in sorted(wanted):
        due = session.starts_at - timedelta(minutes=offset)
        late = due < now - grace
        row = rows.get((person_id, offset))
        if row is None:
            Reminder.objects.create(
                session=session,
                person_id=person_id,
                offset_minutes=offset,
                due_at=due,
                next_attempt_at=due,
                state=ReminderState.MISSED if late else ReminderState.PENDING,
                message_id=_message_id(),
            )
        elif row.state in (ReminderState.PENDING, ReminderState.CANCELLED, ReminderState.MISSED) and (
            row.due_at != due or row.state != ReminderState.PENDING
        ):
            # Follow the session's time; a cancelled or missed one comes back if its time is ahead again.
            row.due_at, row.next_attempt_at = due, due
            row.state = ReminderState.MISSED if late else ReminderState.PENDING
            row.save(update_fields=["due_at", "next_attempt_at", "state", "updated_at"])
    if moved:
        for person_id in reminded & {person_id for person_id, _offset in wanted}:
            notice_plan(session=session, person_id=person_id, kind=ReminderKind.UPDATE, now=now)


def reminders_plan_upcoming(*, now: datetime | None = None) -> int:
    """Re-plan every scheduled session still ahead (for members who joined or left since)."""
    from committees.services import committee_lock

    now = now or timezone.now()
    count = 0
    upcoming = Session.objects.filter(status=SessionStatus.SCHEDULED, starts_at__gt=now)
    for session_id, committee_id in list(upcoming.values_list("pk", "committee_id")):
        with transaction.atomic():
            committee_lock(committee_id=committee_id)  # as every session write does
            fresh = Session.objects.select_related("committee").filter(pk=session_id, status=SessionStatus.SCHEDULED)
            session = fresh.first()  # it may have changed since the list was read
            if session is not None:
                reminders_plan(session=session, now=now)
                count += 1
    return count
